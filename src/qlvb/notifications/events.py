"""Domain events → notifications. Domain apps call, inside their service's transaction:

    from qlvb.notifications import events
    events.emit("incoming.assigned", assignments=created)

`emit` runs the rule for that event (rules.py), which names the people and writes the in-app
rows and the e-mail/SMS work rows in the same transaction. A failing rule never breaks the
change that caused it: it runs in a savepoint and the error is logged loudly."""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger("qlvb.notifications")


def emit(name: str, **payload) -> None:
    from qlvb.notifications.rules import RULES

    rule = RULES.get(name)
    if rule is None:
        raise LookupError(f"Unknown notification event {name!r}")  # a programming error
    try:
        with transaction.atomic():
            rule(**payload)
    except Exception:
        logger.exception("notification rule %s failed; the change itself went through", name)
