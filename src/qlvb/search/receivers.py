"""Keep the index current: any saved change to a document, its files or its incoming/outgoing
record asks for the document to be indexed again after commit (search/services.py)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from qlvb.documents.models import Attachment, Document
from qlvb.documents.signals import documents_added
from qlvb.incoming.models import IncomingDocument
from qlvb.outgoing.models import OutgoingDocument


def _index(document_id) -> None:
    if document_id:
        from qlvb.search.services import index_request

        index_request(document_id=document_id)


@receiver(post_save, sender=Document, dispatch_uid="search_document_saved")
def document_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _index(instance.pk)


@receiver(documents_added, dispatch_uid="search_documents_added")
def documents_added_in_bulk(sender, documents, attachments, **kwargs):
    from qlvb.search.services import extraction_request_many, index_request_many

    if attachments:
        extraction_request_many(attachments=attachments)
    index_request_many(document_ids=[d.pk for d in documents])


@receiver(post_save, sender=Attachment, dispatch_uid="search_attachment_saved")
def attachment_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    if created:
        from qlvb.search.services import extraction_request

        extraction_request(attachment=instance)
    _index(instance.document_id)


@receiver(post_delete, sender=Attachment, dispatch_uid="search_attachment_deleted")
def attachment_deleted(sender, instance, **kwargs):
    _index(instance.document_id)


@receiver(post_save, sender=IncomingDocument, dispatch_uid="search_incoming_saved")
@receiver(post_save, sender=OutgoingDocument, dispatch_uid="search_outgoing_saved")
def record_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _index(instance.document_id)
