"""Reads for signatures, scoped to the viewer: a file's check is visible when the file is."""

from __future__ import annotations

from qlvb.core.errors import NotFound
from qlvb.documents.models import Attachment
from qlvb.signing.models import PdfVerification, TrustAnchor


def attachment_visible(*, viewer, pk: int) -> Attachment:
    from qlvb.incoming.selectors import incoming_visible
    from qlvb.outgoing.selectors import outgoing_visible

    attachment = Attachment.objects.select_related("blob", "document").filter(pk=pk).first()
    if attachment is not None:
        doc = attachment.document_id
        if (
            incoming_visible(viewer=viewer).filter(document_id=doc).exists()
            or outgoing_visible(viewer=viewer).filter(document_id=doc).exists()
        ):
            return attachment
    raise NotFound("Không tìm thấy tệp.")


def check_for(attachment: Attachment) -> PdfVerification | None:
    """The stored check; a PDF stored before this app existed is checked on first read."""
    check = PdfVerification.objects.filter(attachment=attachment).first()
    if check is None and attachment.content_type == "application/pdf":
        from qlvb.signing.services import record_verification

        check = record_verification(attachment)
    return check


def checks_for_documents(document_ids) -> dict[int, list[PdfVerification]]:
    """Checks of PDFs by document (reception queue): one query."""
    out: dict[int, list[PdfVerification]] = {}
    for check in PdfVerification.objects.filter(
        attachment__document_id__in=list(document_ids)
    ).select_related("attachment"):
        out.setdefault(check.attachment.document_id, []).append(check)
    return out


def trust_anchors():
    return TrustAnchor.objects.order_by("kind", "name")
