"""Every PDF stored as a document's file is checked after commit (signing/tasks.py)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from qlvb.documents.models import Attachment
from qlvb.documents.signals import documents_added


@receiver(post_save, sender=Attachment, dispatch_uid="signing_attachment_saved")
def attachment_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.content_type == "application/pdf":
        from qlvb.signing.services import verification_request_many

        verification_request_many(attachments=[instance])


@receiver(documents_added, dispatch_uid="signing_documents_added")
def attachments_added_in_bulk(sender, documents, attachments, **kwargs):
    pdfs = [a for a in attachments if a.content_type == "application/pdf"]
    if pdfs:
        from qlvb.signing.services import verification_request_many

        verification_request_many(attachments=pdfs)
