"""Background work of outgoing documents: placing each delivery in the recipient agency's
reception queue (same installation). Agencies elsewhere wait for the exchange work."""

from __future__ import annotations

from qlvb.documents import storage
from qlvb.documents.services import Upload
from qlvb.incoming import services as incoming_services
from qlvb.incoming.models import IncomingDocument, IncomingState
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


@work_handler(Delivery)
def deliver(delivery: Delivery):
    """Idempotent: incoming_deliver lands once per origin reference `delivery:<pk>`."""
    from qlvb.outgoing.services import current_version, version_files

    outgoing = OutgoingDocument.objects.select_related("document", "agency").get(
        pk=delivery.outgoing_id
    )
    if outgoing.state == OutgoingState.RECALLED and delivery.incoming_id is None:
        return {"skipped": "recalled"}
    if outgoing.state not in (OutgoingState.ISSUED, OutgoingState.RECALLED):
        raise PermanentError("Văn bản chưa phát hành.")
    files = version_files(current_version(outgoing), for_delivery=True)
    uploads = [
        Upload(
            storage.open_verified(f.attachment.blob),
            f.attachment.original_name,
            "main" if f.kind == VersionFileKind.MAIN else "appendix",
        )
        for f in files
    ]
    incoming = incoming_services.incoming_deliver(
        agency=delivery.recipient_agency,
        metadata=delivery_metadata(outgoing),
        uploads=uploads,
        origin_reference=delivery.origin_reference,
        sender=outgoing.agency,
    )
    if outgoing.related_to_id and outgoing.business_type != BusinessType.NEW:
        previous = (
            Delivery.objects.filter(
                outgoing_id=outgoing.related_to_id,
                recipient_agency_id=delivery.recipient_agency_id,
                incoming__isnull=False,
            )
            .values_list("incoming_id", flat=True)
            .first()
        )
        if previous:
            incoming_services.incoming_link_previous(
                incoming=incoming,
                previous=IncomingDocument.objects.get(pk=previous),
                relation=outgoing.business_type,
            )
    # A recall that ran while this was being delivered: withdraw what just arrived.
    outgoing.refresh_from_db(fields=["state", "recall_reason"])
    if outgoing.state == OutgoingState.RECALLED:
        incoming.refresh_from_db(fields=["state"])
        if incoming.state == IncomingState.RECEIVED:
            incoming_services.incoming_recall(incoming=incoming, reason=outgoing.recall_reason)
            Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.WITHDRAWN)
    return {"incoming": incoming.pk}
