"""Writing to the audit log. Call inside the service's transaction: the event commits or rolls
back with the change it describes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from qlvb.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from qlvb.core import context


@dataclass
class Entry:
    action: str
    obj: Any = None
    details: dict = field(default_factory=dict)
    agency_id: int | None = None
    object_type: str = ""
    object_id: str = ""
    object_repr: str = ""


def _normalise(details: dict) -> dict:
    # Round-trip through JSON so the hash is computed over exactly what the database returns.
    return json.loads(json.dumps(details, cls=DjangoJSONEncoder, ensure_ascii=False))


def _event(actor, entry: Entry, now, ctx) -> AuditEvent:
    obj = entry.obj
    object_type = entry.object_type or (obj._meta.label_lower if obj is not None else "")
    object_id = entry.object_id or (str(obj.pk) if obj is not None else "")
    object_repr = entry.object_repr or (str(obj)[:300] if obj is not None else "")
    agency_id = entry.agency_id
    if agency_id is None and actor is not None:
        agency_id = getattr(actor, "agency_id", None)
    return AuditEvent(
        occurred_at=now,
        actor_id=getattr(actor, "pk", None),
        actor_name=(getattr(actor, "full_name", "") or getattr(actor, "username", ""))[:200]
        if actor is not None
        else "",
        agency_id=agency_id,
        action=entry.action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        details=_normalise(entry.details),
        client_address=ctx.client_address,
        channel=ctx.channel,
    )


# No savepoint when nested (the usual case: inside the change it records): an audit failure
# must fail the whole change anyway, and SAVEPOINT/RELEASE cost two round trips per event.
@transaction.atomic(savepoint=False)
def audit_record_many(*, actor, entries: Iterable[Entry], batch_size: int = 2000) -> int:
    """Append many events under one lock of the chain head (imports write thousands)."""
    head = _locked_head()
    now = timezone.now()
    ctx = context.current()
    prev = head.last_hash
    batch: list[AuditEvent] = []
    count = 0
    last = None
    for entry in entries:
        event = _event(actor, entry, now, ctx)
        event.prev_hash = prev
        event.hash = event.compute_hash()
        prev = event.hash
        batch.append(event)
        if len(batch) >= batch_size:
            AuditEvent.objects.bulk_create(batch)
            count += len(batch)
            last = batch[-1]
            batch = []
    if batch:
        AuditEvent.objects.bulk_create(batch)
        count += len(batch)
        last = batch[-1]
    if last is not None:
        head.last_hash = last.hash
        head.last_event_id = last.pk or 0
        head.save(update_fields=["last_hash", "last_event_id"])
    return count


def audit_record(
    *,
    actor,
    action: str,
    obj: Any = None,
    details: dict | None = None,
    agency_id: int | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> None:
    """Append one event (e.g. `agency.create`, `document.view`)."""
    audit_record_many(
        actor=actor,
        entries=[
            Entry(
                action=action,
                obj=obj,
                details=details or {},
                agency_id=agency_id,
                object_type=object_type,
                object_id=object_id,
                object_repr=object_repr,
            )
        ],
    )


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head
