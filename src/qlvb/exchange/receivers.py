"""The exchange listens to outgoing (deliveries to agencies elsewhere, recalls) and to
incoming (the recipient's steps travel back to the sender's system as status messages),
inside the transaction of each change."""

from __future__ import annotations

from django.dispatch import receiver

from qlvb.incoming.signals import status_changed
from qlvb.outgoing import signals as outgoing_signals


@receiver(outgoing_signals.deliveries_created, dispatch_uid="exchange.queue_deliveries")
def _queue_deliveries(sender, outgoing, deliveries, **kwargs):
    from qlvb.exchange.services import queue_deliveries

    queue_deliveries(outgoing=outgoing, deliveries=deliveries)


@receiver(outgoing_signals.recalled, dispatch_uid="exchange.queue_recall")
def _queue_recall(sender, outgoing, reason, **kwargs):
    from qlvb.exchange.services import queue_recall

    queue_recall(outgoing=outgoing, reason=reason)


@receiver(status_changed, dispatch_uid="exchange.status_back")
def _status_back(sender, incomings, status_code, actor=None, occurred_at=None, text="", **kw):
    from qlvb.exchange.services import queue_status

    for incoming in incomings:  # only what came through the exchange has a sender to tell
        queue_status(
            incoming=incoming,
            status_code=status_code,
            actor=actor,
            occurred_at=occurred_at,
            text=text,
        )
