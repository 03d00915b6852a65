"""Background work of the search app: indexing a document, reading the text of a file."""

from __future__ import annotations

import contextlib
import os

from django.db import transaction

from qlvb.documents import storage
from qlvb.documents.models import Attachment
from qlvb.jobs.registry import work_handler
from qlvb.jobs.runner import PermanentError
from qlvb.search import services
from qlvb.search.extract import ExtractionError, extract_attachment
from qlvb.search.models import IndexJob, TextExtraction


@work_handler(IndexJob, batch=250)
def index_jobs(jobs: list[IndexJob]) -> dict:
    """Due index jobs together: the 220 copies of one delivery are read and written in a few
    statements. If the batch fails, each document is indexed alone, so one that cannot be
    indexed fails alone and never holds the others back."""
    try:
        services.index_documents(document_ids=[job.document_id_value for job in jobs])
        return {}
    except Exception:
        if len(jobs) == 1:
            raise
    outcomes: dict = {}
    for job in jobs:
        try:
            services.index_documents(document_ids=[job.document_id_value])
        except Exception as exc:
            outcomes[job.pk] = exc
    return outcomes


@work_handler(TextExtraction)
def extract_text(extraction: TextExtraction):
    attachment = (
        Attachment.objects.select_related("blob").filter(pk=extraction.attachment_id).first()
    )
    if attachment is None:
        return
    try:
        result = extract_attachment(attachment)
    except ExtractionError as exc:
        raise PermanentError(str(exc)) from exc
    try:
        with storage.files_written_until_commit(), transaction.atomic():
            searchable = None
            if result.searchable_pdf:
                with open(result.searchable_pdf, "rb") as handle:
                    staged = storage.stage(handle, original_name=attachment.original_name)
                searchable = storage.store(staged)
            TextExtraction.objects.filter(pk=extraction.pk).update(
                method=result.method,
                text=result.text,
                chars=len(result.text),
                searchable_pdf=searchable,
            )
            services.index_document(document_id=extraction.document_id_value)
    finally:
        if result.searchable_pdf:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(result.searchable_pdf)
