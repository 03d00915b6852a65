"""Changes to the search index and to saved searches.

Indexing is background work: a change to a document, its files or its incoming/outgoing record
writes an IndexJob (and, for a new file, a TextExtraction) in the same transaction; the worker
rebuilds the document's SearchEntry from the database. Rebuilding from scratch each time makes
the handlers idempotent and a lost or repeated job harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from qlvb.audit.services import audit_record
from qlvb.core.errors import NotFound, ValidationFailed
from qlvb.core.text import fold
from qlvb.documents.models import Attachment, Document
from qlvb.jobs.models import WorkState
from qlvb.jobs.services import enqueue_many
from qlvb.search.extract import MAX_TEXT_CHARS
from qlvb.search.models import Direction, IndexJob, SavedSearch, SearchEntry, TextExtraction
from qlvb.search.text import exact_text, folded_text, normalize_notation

# ---------------------------------------------------------------- requesting work


def index_request(*, document_id: int) -> IndexJob | None:
    """Ask for the document to be indexed again once this transaction commits. Many changes in
    one transaction (a registration saves several rows) share one pending job."""
    jobs = index_request_many(document_ids=[document_id])
    return jobs[0] if jobs else None


def index_request_many(*, document_ids) -> list[IndexJob]:
    """The same for many documents (a bulk delivery): one query for the pending jobs, one
    INSERT for the rest."""
    ids = set(document_ids)
    pending = set(
        IndexJob.objects.filter(document_id_value__in=ids, state=WorkState.PENDING).values_list(
            "document_id_value", flat=True
        )
    )
    jobs = IndexJob.objects.bulk_create(
        IndexJob(document_id_value=pk) for pk in sorted(ids - pending)
    )
    enqueue_many(jobs)
    return jobs


def extraction_request(*, attachment: Attachment) -> TextExtraction:
    """For a file just attached (post_save, created)."""
    return extraction_request_many(attachments=[attachment])[0]


def extraction_request_many(*, attachments: list[Attachment]) -> list[TextExtraction]:
    """For files just attached. The same bytes already read for another file (a document
    delivered to 220 agencies is one blob) give their text at once, without a job; otherwise
    one INSERT and a job per file."""
    from qlvb.documents.storage import earlier_results

    earlier_by_blob = earlier_results(
        attachments,
        # Any done one will do; no ORDER BY, which would walk the table by id.
        lambda copies: next(
            iter(
                TextExtraction.objects.filter(
                    attachment_id__in=copies, state=WorkState.DONE
                ).order_by()[:1]
            ),
            None,
        ),
    )
    now = timezone.now()
    rows = []
    for attachment in attachments:
        earlier = earlier_by_blob.get(attachment.blob_id)
        if earlier is None:
            rows.append(
                TextExtraction(attachment=attachment, document_id_value=attachment.document_id)
            )
        else:
            rows.append(
                TextExtraction(
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
            )
    rows = TextExtraction.objects.bulk_create(rows)
    enqueue_many(r for r in rows if r.state == WorkState.PENDING)
    return rows


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


def _entry_values(document: Document, related: _Related) -> dict:
    incoming = related.incoming.get(document.pk)
    outgoing = related.outgoing.get(document.pk)
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
    meta += related.names.get(document.pk, [])
    body = "\n".join(related.texts.get(document.pk, []))[:MAX_TEXT_CHARS]
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
        "meta_text": related.words(exact_text, meta_joined),
        "meta_folded": related.words(folded_text, meta_joined),
        "body_text": related.words(exact_text, body),
        "body_folded": related.words(folded_text, body),
        "indexed_at": timezone.now(),
    }


@dataclass
class _Related:
    """What an entry needs besides the document, read for many documents at once."""

    incoming: dict
    outgoing: dict
    names: dict
    texts: dict
    # The 220 copies of one delivery carry the same text: cut it into words once.
    _words: dict = field(default_factory=dict)

    def words(self, how, text: str) -> str:
        key = (how, text)
        if key not in self._words:
            self._words[key] = how(text)
        return self._words[key]

    @classmethod
    def of(cls, ids: list[int]) -> _Related:
        from qlvb.incoming.models import IncomingDocument
        from qlvb.outgoing.models import OutgoingDocument

        names: dict[int, list[str]] = {}
        for doc_id, name in Attachment.objects.filter(document_id__in=ids).values_list(
            "document_id", "original_name"
        ):
            names.setdefault(doc_id, []).append(name)
        texts: dict[int, list[str]] = {}
        for doc_id, text in (
            TextExtraction.objects.filter(document_id_value__in=ids)
            .exclude(text="")
            .order_by("attachment__role", "attachment__position", "attachment_id")
            .values_list("document_id_value", "text")
        ):
            texts.setdefault(doc_id, []).append(text)
        return cls(
            incoming={
                i.document_id: i
                for i in IncomingDocument.objects.filter(document_id__in=ids).only(
                    "document_id", "state", "arrival_date", "direction", "arrival_number"
                )
            },
            outgoing={
                o.document_id: o
                for o in OutgoingDocument.objects.filter(document_id__in=ids).only(
                    "document_id", "state"
                )
            },
            names=names,
            texts=texts,
        )


def entry_values(document: Document) -> dict:
    """What the indexer would write for this document now (the generator's tests compare)."""
    return _entry_values(document, _Related.of([document.pk]))


def index_document(*, document_id: int) -> SearchEntry | None:
    """Build the document's entry from what the database holds now (None: it is gone)."""
    return index_documents(document_ids=[document_id]).get(document_id)


def index_documents(*, document_ids) -> dict[int, SearchEntry]:
    """Build the entries of many documents from what the database holds now, with a few reads
    for all of them (the 220 copies of one delivery, a rebuild); entries of documents that are
    gone are removed."""
    ids = sorted(set(document_ids))
    with transaction.atomic():
        documents = Document.objects.in_bulk(ids)
        gone = [pk for pk in ids if pk not in documents]
        if gone:
            SearchEntry.objects.filter(pk__in=gone).delete()
        if not documents:
            return {}
        related = _Related.of(list(documents))
        existing = set(
            SearchEntry.objects.filter(pk__in=list(documents)).values_list("pk", flat=True)
        )
        entries = {
            pk: SearchEntry(document_id=pk, **_entry_values(doc, related))
            for pk, doc in documents.items()
        }
        fields = _entry_fields()
        changed = [e for pk, e in entries.items() if pk in existing]
        if changed:
            SearchEntry.objects.bulk_update(changed, fields)
        SearchEntry.objects.bulk_create(e for pk, e in entries.items() if pk not in existing)
    return entries


def _entry_fields() -> list[str]:
    return [f.name for f in SearchEntry._meta.concrete_fields if not f.primary_key]


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
        index_documents(document_ids=ids)
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
