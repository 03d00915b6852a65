"""Changes to the search index and to saved searches.

Indexing is background work: a change to a document, its files or its incoming/outgoing record
writes an IndexJob (and, for a new file, a TextExtraction) in the same transaction; the worker
rebuilds the document's SearchEntry from the database. Rebuilding from scratch each time makes
the handlers idempotent and a lost or repeated job harmless.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from qlvb.audit.services import audit_record
from qlvb.core.errors import NotFound, ValidationFailed
from qlvb.core.text import fold
from qlvb.documents.models import Attachment, Document
from qlvb.jobs.models import WorkState
from qlvb.jobs.services import enqueue
from qlvb.search.extract import MAX_TEXT_CHARS
from qlvb.search.models import Direction, IndexJob, SavedSearch, SearchEntry, TextExtraction
from qlvb.search.text import exact_text, folded_text, normalize_notation

# ---------------------------------------------------------------- requesting work


def index_request(*, document_id: int) -> IndexJob | None:
    """Ask for the document to be indexed again once this transaction commits. Many changes in
    one transaction (a registration saves several rows) share one pending job."""
    if IndexJob.objects.filter(document_id_value=document_id, state=WorkState.PENDING).exists():
        return None
    job = IndexJob.objects.create(document_id_value=document_id)
    enqueue(job)
    return job


def extraction_request(*, attachment: Attachment) -> TextExtraction:
    """For a file just attached (post_save, created). The same bytes already read for another
    file (a document delivered to 220 agencies is one blob) give their text at once, without a
    job; otherwise one INSERT and a job."""
    from qlvb.documents.storage import first_copy, other_copies

    earlier = None
    if not first_copy(attachment.blob):
        found = TextExtraction.objects.filter(
            attachment_id__in=other_copies(attachment), state=WorkState.DONE
        ).order_by()[:1]
        earlier = next(iter(found), None)
    if earlier is not None:
        now = timezone.now()
        return TextExtraction.objects.create(
            attachment=attachment,
            document_id_value=attachment.document_id,
            state=WorkState.DONE,
            attempts=0,
            finished_at=now,
            method=earlier.method,
            text=earlier.text,
            chars=earlier.chars,
            searchable_pdf_id=earlier.searchable_pdf_id,
        )
    extraction = TextExtraction.objects.create(
        attachment=attachment, document_id_value=attachment.document_id
    )
    enqueue(extraction)
    return extraction


# ---------------------------------------------------------------- building an entry


def _strings(value) -> list[str]:
    """The words of a JSON value (to_places may hold names or objects)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _entry_values(document: Document) -> dict:
    from qlvb.incoming.models import IncomingDocument
    from qlvb.outgoing.models import OutgoingDocument

    incoming = IncomingDocument.objects.filter(document_id=document.pk).first()
    outgoing = OutgoingDocument.objects.filter(document_id=document.pk).first()
    meta = [
        document.type_name,
        document.number_and_notation,
        document.subject,
        document.organ_name,
        document.signer_competence,
        document.signer_position,
        document.signer_full_name,
        document.description,
        *_strings(document.to_places),
    ]
    doc_date = document.issued_date
    if incoming is not None:
        direction, state = Direction.INCOMING, incoming.state
        doc_date = incoming.arrival_date or doc_date
        meta += [incoming.direction, str(incoming.arrival_number or "")]
    elif outgoing is not None:
        direction, state = Direction.OUTGOING, outgoing.state
    else:
        direction, state = Direction.OTHER, ""
    attachments = list(Attachment.objects.filter(document_id=document.pk))
    meta += [a.original_name for a in attachments]
    texts = list(
        TextExtraction.objects.filter(document_id_value=document.pk)
        .exclude(text="")
        .order_by("attachment__role", "attachment__position", "attachment_id")
        .values_list("text", flat=True)
    )
    body = "\n".join(texts)[:MAX_TEXT_CHARS]
    meta_joined = "\n".join(m for m in meta if m)
    return {
        "agency_id": document.agency_id,
        "direction": direction,
        "state": state,
        "type_name": document.type_name[:100],
        "urgency": document.urgency,
        "confidentiality": document.confidentiality,
        "organ_folded": fold(document.organ_name)[:200],
        "signer_folded": fold(document.signer_full_name)[:100],
        "notation": normalize_notation(document.number_and_notation)[:60],
        "issued_date": document.issued_date,
        "doc_date": doc_date or timezone.localdate(document.created_at),
        "meta_text": exact_text(meta_joined),
        "meta_folded": folded_text(meta_joined),
        "body_text": exact_text(body),
        "body_folded": folded_text(body),
        "indexed_at": timezone.now(),
    }


def index_document(*, document_id: int) -> SearchEntry | None:
    """Build the document's entry from what the database holds now (None: it is gone)."""
    with transaction.atomic():
        document = Document.objects.filter(pk=document_id).first()
        if document is None:
            SearchEntry.objects.filter(pk=document_id).delete()
            return None
        entry, _ = SearchEntry.objects.update_or_create(
            document_id=document_id, defaults=_entry_values(document)
        )
    return entry


def index_rebuild(*, batch: int = 500) -> int:
    """Index every document now, in this process (`qlvb search reindex`): after a restore,
    an upgrade, or documents loaded in bulk without signals. Returns how many."""
    done = 0
    last = 0
    while True:
        ids = list(
            Document.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return done
        for pk in ids:
            index_document(document_id=pk)
        done += len(ids)
        last = ids[-1]


# ---------------------------------------------------------------- saved searches

SAVED_PARAMS = (
    "q",
    "direction",
    "date_from",
    "date_to",
    "organ",
    "type_name",
    "urgency",
    "state",
    "signer",
    "sort",
    "cols",  # the chosen result columns, a list
)


def saved_search_create(*, actor, name: str, params: dict) -> SavedSearch:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Hãy đặt tên cho tìm kiếm.", errors={"name": ["Bắt buộc."]})
    if len(name) > 100:
        raise ValidationFailed("Tên quá dài (tối đa 100 ký tự).", errors={"name": ["Quá dài."]})
    from qlvb.search.exports import BY_KEY

    clean = {
        k: str(v)[:500]
        for k, v in (params or {}).items()
        if k in SAVED_PARAMS and k != "cols" and v
    }
    cols = [c for c in (params or {}).get("cols") or [] if c in BY_KEY]
    if cols:
        clean["cols"] = cols
    with transaction.atomic():
        saved, _ = SavedSearch.objects.update_or_create(
            owner=actor, name=name, defaults={"params": clean}
        )
        audit_record(actor=actor, action="search.save", obj=saved, details={"name": name})
    return saved


def saved_search_delete(*, actor, pk: int) -> None:
    with transaction.atomic():
        saved = SavedSearch.objects.filter(owner=actor, pk=pk).first()
        if saved is None:
            raise NotFound("Không tìm thấy tìm kiếm đã lưu.")
        audit_record(actor=actor, action="search.delete", obj=saved, details={"name": saved.name})
        saved.delete()
