"""Reads of documents and their files, scoped: a file is visible when its document is."""

from __future__ import annotations

from qlvb.core.errors import NotFound
from qlvb.documents.models import Attachment


def attachment_get(*, viewer, pk: int) -> Attachment:
    from qlvb.incoming.selectors import incoming_visible

    attachment = Attachment.objects.select_related("blob", "document").filter(pk=pk).first()
    if attachment is None:
        raise NotFound("Không tìm thấy tệp.")
    visible = incoming_visible(viewer=viewer).filter(document_id=attachment.document_id).exists()
    if not visible:
        # Same answer as a missing file: do not confirm that it exists.
        raise NotFound("Không tìm thấy tệp.")
    return attachment
