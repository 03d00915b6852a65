"""Writing to the audit log. Call inside the service's transaction: the event commits or rolls
back with the change it describes.

The log is striped over `settings.QLVB_AUDIT_CHAINS` chains. A call appends to one chain, chosen
from the actor (else the agency), and locks only that chain's head until commit, so people in
other chains never wait. A transaction keeps the chain of its first event for all its events: it
then holds one head lock at most, so two transactions can never deadlock on heads."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
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


def chain_for(*, actor, agency_id: int | None) -> int:
    """The chain of a person's events (their id modulo the number of chains), else of an
    agency's, else 0: one person's events stay ordered in one chain."""
    chains = max(1, settings.QLVB_AUDIT_CHAINS)
    actor_id = getattr(actor, "pk", None)
    if actor_id is not None:
        return actor_id % chains
    if agency_id is not None:
        return agency_id % chains
    return 0


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
    """Append many events to one chain under one lock of its head (imports write thousands)."""
    now = timezone.now()
    ctx = context.current()
    events = (_event(actor, entry, now, ctx) for entry in entries)
    first = next(events, None)
    if first is None:
        return 0
    head = _locked_head(chain_for(actor=actor, agency_id=first.agency_id))
    prev = head.last_hash
    batch: list[AuditEvent] = []
    count = 0
    last = None
    for event in itertools.chain([first], events):
        event.chain = head.chain
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


class _HeldChain:
    """Registered as a no-op commit callback: Django drops it when the transaction (or the
    savepoint it was registered in) ends, as the database releases the head lock taken with it."""

    def __init__(self, chain: int):
        self.chain = chain

    def __call__(self) -> None:
        pass


def _held_chain(connection) -> int | None:
    held = getattr(connection, "_qlvb_audit_held", None)
    if held is not None and any(item[1] is held for item in connection.run_on_commit):
        return held.chain
    return None


def _locked_head(chain: int) -> AuditChainHead:
    """Lock the head of `chain`, or of the chain this transaction already holds (one head lock
    per transaction: no two transactions can wait on each other's heads)."""
    connection = transaction.get_connection()
    held = _held_chain(connection)
    if held is not None:
        chain = held
    head = AuditChainHead.objects.select_for_update().filter(chain=chain).first()
    if head is None:
        # First use of this chain (or of a larger QLVB_AUDIT_CHAINS): create every head at once;
        # a concurrent creator's rows are kept (ON CONFLICT DO NOTHING).
        chains = max(chain + 1, settings.QLVB_AUDIT_CHAINS)
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(chain=c, last_hash=GENESIS_HASH) for c in range(chains)],
            ignore_conflicts=True,
        )
        head = AuditChainHead.objects.select_for_update().get(chain=chain)
    if held is None:
        marker = _HeldChain(chain)
        connection._qlvb_audit_held = marker
        transaction.on_commit(marker)
    return head
