"""Every change of the exchange app: exporting packages, receiving packages and status
messages, queueing what goes out, retrying what failed."""

from __future__ import annotations

from qlvb.agencies.models import Agency
from qlvb.core.errors import NotFound
from qlvb.documents import storage
from qlvb.exchange.edxml.model import Attachment, Package
from qlvb.exchange.mapping import package_of
from qlvb.exchange.selectors import document_by_edxml_id


def document_attachments(document) -> list[Attachment]:
    """The files a recipient gets: the current version's delivery files for an outgoing
    document, the document's own attachments otherwise (imported documents)."""
    files = []
    outgoing = getattr(document, "outgoing", None) if hasattr(document, "outgoing") else None
    if outgoing is not None:
        from qlvb.outgoing.services import current_version, version_files

        files = [f.attachment for f in version_files(current_version(outgoing), for_delivery=True)]
    if not files:
        files = list(document.attachments.select_related("blob"))
    return [
        Attachment(
            content_id=f"cid:{index}",
            name=item.original_name,
            description="Văn bản chính" if item.role == "main" else "Phụ lục",
            content_type=item.content_type,
            size=item.size,
            sha256=item.blob.sha256,
            source=(lambda blob=item.blob: storage.open_verified(blob)),
        )
        for index, item in enumerate(files, start=1)
    ]


def _outgoing_of(document):
    try:
        return document.outgoing
    except Exception:  # RelatedObjectDoesNotExist: an imported document
        return None


def export_package(*, document_id: str, to_code: str, business_doc_type: int = 0) -> Package:
    """The package `to_code` would get for the document named by its edXML DocumentId."""
    document = document_by_edxml_id(document_id)
    if document is None:
        raise NotFound(f"Không tìm thấy văn bản có mã {document_id}.")
    recipient = Agency.objects.filter(code=to_code.strip()).first()
    if recipient is None:
        raise NotFound(f"Không có cơ quan mã {to_code} trong danh bạ.")
    sender = document.organ or document.agency
    outgoing = _outgoing_of(document)
    replaces = ""
    if outgoing is not None and outgoing.related_to_id and business_doc_type in (2, 3):
        from qlvb.exchange.mapping import document_id_of

        replaces = document_id_of(outgoing.related_to.document)
    document.outgoing = outgoing
    return package_of(
        document,
        sender=sender,
        recipients=[recipient],
        attachments=document_attachments(document),
        business_doc_type=business_doc_type,
        replaces=replaces,
    )
