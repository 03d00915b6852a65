"""Background work of outgoing documents: placing each delivery in the recipient agency's
reception queue (same installation). Agencies elsewhere wait for the exchange work."""

from __future__ import annotations

from dataclasses import replace

from django.db import transaction

from qlvb.agencies.models import Agency
from qlvb.documents import storage
from qlvb.documents.models import AttachmentRole
from qlvb.documents.services import StoredFile
from qlvb.incoming import services as incoming_services
from qlvb.incoming.models import IncomingDocument, IncomingState
from qlvb.incoming.services import Arrival
from qlvb.jobs.registry import work_handler
from qlvb.jobs.runner import PermanentError
from qlvb.outgoing.models import (
    BusinessType,
    Delivery,
    DeliveryStatus,
    OutgoingDocument,
    OutgoingState,
    VersionFileKind,
)


def delivery_metadata(outgoing: OutgoingDocument) -> dict:
    """ND30 Phụ lục VI / edXML header fields as the recipient receives them."""
    document = outgoing.document
    return {
        "document_type": document.document_type_id,
        "type_name": document.type_name,
        "code_number": document.code_number,
        "code_notation": document.code_notation,
        "issued_date": document.issued_date,
        "subject": document.subject,
        "page_amount": document.page_amount,
        "signer_position": document.signer_position,
        "signer_full_name": document.signer_full_name,
        "urgency": document.urgency,
        "urgency_deadline": document.urgency_deadline,
        "confidentiality": document.confidentiality,
        "due_date": document.due_date,
        "to_places": document.to_places,
        "description": document.description,
    }


# One batch: every recipient of a document issued to the whole province (~220 agencies).
DELIVERY_BATCH = 250


@work_handler(Delivery, batch=DELIVERY_BATCH)
def deliver(deliveries: list[Delivery]) -> dict:
    """Place due deliveries in their agencies' reception queues, the copies of each outgoing
    document together (one transaction, a few statements). A group that fails is retried one
    delivery at a time, so one bad recipient fails alone. Idempotent: a copy lands once per
    origin reference `delivery:<pk>`."""
    groups: dict[int, list[Delivery]] = {}
    for delivery in deliveries:
        groups.setdefault(delivery.outgoing_id, []).append(delivery)
    outcomes: dict = {}
    for outgoing_id, group in groups.items():
        try:
            outcomes.update(_deliver_group(outgoing_id, group))
        except Exception as exc:
            if len(group) == 1:
                outcomes[group[0].pk] = exc
                continue
            for delivery in group:
                try:
                    outcomes.update(_deliver_group(outgoing_id, [delivery]))
                except Exception as alone:
                    outcomes[delivery.pk] = alone
    return outcomes


def _deliver_group(outgoing_id: int, group: list[Delivery]) -> dict:
    from qlvb.outgoing.services import current_version, version_files

    outgoing = OutgoingDocument.objects.select_related("document", "agency").get(pk=outgoing_id)
    if outgoing.state == OutgoingState.RECALLED:
        skipped = {d.pk: {"skipped": "recalled"} for d in group if d.incoming_id is None}
        group = [d for d in group if d.incoming_id is not None]
        if not group:
            return skipped
    else:
        skipped = {}
    if outgoing.state not in (OutgoingState.ISSUED, OutgoingState.RECALLED):
        raise PermanentError("Văn bản chưa phát hành.")
    files = []
    for f in version_files(current_version(outgoing), for_delivery=True):
        if not storage.verify(f.attachment.blob):  # the bytes every copy will share
            raise PermanentError(f"Tệp «{f.attachment.original_name}» bị hỏng hoặc mất.")
        stored = StoredFile.of(f.attachment)
        role = AttachmentRole.MAIN if f.kind == VersionFileKind.MAIN else AttachmentRole.APPENDIX
        files.append(replace(stored, role=role))
    agencies = Agency.objects.in_bulk({d.recipient_agency_id for d in group})
    arrivals = {d.pk: Arrival(agencies[d.recipient_agency_id], d.origin_reference) for d in group}
    with transaction.atomic():
        placed = incoming_services.incoming_deliver_many(
            arrivals=list(arrivals.values()),
            metadata=delivery_metadata(outgoing),
            files=files,
            sender=outgoing.agency,
        )
        if outgoing.related_to_id and outgoing.business_type != BusinessType.NEW:
            _link_previous(outgoing, group, placed, arrivals)
    # A recall that ran while this was being delivered: withdraw what just arrived.
    outgoing.refresh_from_db(fields=["state", "recall_reason"])
    if outgoing.state == OutgoingState.RECALLED:
        for delivery in group:
            incoming = placed[arrivals[delivery.pk]]
            incoming.refresh_from_db(fields=["state"])
            if incoming.state == IncomingState.RECEIVED:
                incoming_services.incoming_recall(incoming=incoming, reason=outgoing.recall_reason)
                Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.WITHDRAWN)
    return {**skipped, **{d.pk: {"incoming": placed[arrivals[d.pk]].pk} for d in group}}


def _link_previous(outgoing, group, placed, arrivals) -> None:
    """An update or replacement: each recipient's new copy points to its copy of the old one."""
    previous = dict(
        Delivery.objects.filter(
            outgoing_id=outgoing.related_to_id,
            recipient_agency_id__in=[d.recipient_agency_id for d in group],
            incoming__isnull=False,
        ).values_list("recipient_agency_id", "incoming_id")
    )
    olds = IncomingDocument.objects.in_bulk(previous.values())
    for delivery in group:
        old = olds.get(previous.get(delivery.recipient_agency_id))
        if old is not None:
            incoming_services.incoming_link_previous(
                incoming=placed[arrivals[delivery.pk]],
                previous=old,
                relation=outgoing.business_type,
            )
