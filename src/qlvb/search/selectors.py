"""Every read of the search index, scoped to the documents the viewer may see: incoming ones
through `incoming_visible`, outgoing ones through `outgoing_visible`, nothing else. Counts are
taken over that scope only, so they never tell of documents the person may not see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from qlvb.agencies.models import Person
from qlvb.core.text import fold
from qlvb.incoming.selectors import incoming_visible
from qlvb.outgoing.selectors import outgoing_visible
from qlvb.search.backends import get_backend
from qlvb.search.models import Direction, SearchEntry, TextExtraction
from qlvb.search.query import ParsedQuery, parse

SORTS = ("relevance", "date_desc", "date_asc")
MAX_PAGE_SIZE = 100


@dataclass
class SearchFilters:
    direction: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    organ: str = ""
    type_name: str = ""
    urgency: str = ""
    state: str = ""
    signer: str = ""


def entries_visible(*, viewer: Person) -> QuerySet[SearchEntry]:
    if viewer is None or getattr(viewer, "agency_id", None) is None:
        return SearchEntry.objects.none()
    incoming_ids = incoming_visible(viewer=viewer).values("document_id")
    outgoing_ids = outgoing_visible(viewer=viewer).values("document_id")
    return SearchEntry.objects.filter(agency_id=viewer.agency_id).filter(
        Q(direction=Direction.INCOMING, document_id__in=incoming_ids)
        | Q(direction=Direction.OUTGOING, document_id__in=outgoing_ids)
    )


def _filter(qs: QuerySet, filters: SearchFilters) -> QuerySet:
    if filters.direction in (Direction.INCOMING, Direction.OUTGOING):
        qs = qs.filter(direction=filters.direction)
    if filters.date_from:
        qs = qs.filter(doc_date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(doc_date__lte=filters.date_to)
    if filters.organ:
        qs = qs.filter(organ_folded__contains=fold(filters.organ))
    if filters.type_name:
        qs = qs.filter(type_name=filters.type_name)
    if filters.urgency:
        qs = qs.filter(urgency=filters.urgency)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.signer:
        qs = qs.filter(signer_folded__contains=fold(filters.signer))
    return qs


def search(
    *,
    viewer: Person,
    q: str | ParsedQuery = "",
    filters: SearchFilters | None = None,
    sort: str = "relevance",
) -> QuerySet[SearchEntry]:
    """Matching entries, best first (or by date). Raises QueryError for a query that cannot be
    searched (too long, no letters or digits)."""
    query = q if isinstance(q, ParsedQuery) else parse(q)
    qs = _filter(entries_visible(viewer=viewer), filters or SearchFilters())
    backend = get_backend()
    if not query.is_empty:
        qs = backend.match(qs, query)
    qs = qs.select_related("document", "document__incoming", "document__outgoing")
    if sort == "date_asc":
        return qs.order_by(F("doc_date").asc(nulls_last=True), "pk")
    if sort == "date_desc" or query.is_empty:
        return qs.order_by(F("doc_date").desc(nulls_last=True), "-pk")
    return backend.order_by_rank(qs)


def search_page(*, viewer: Person, q="", filters=None, sort="relevance", page=1, size=50):
    """One page of results and the total among what the viewer may see."""
    size = max(1, min(int(size), MAX_PAGE_SIZE))
    page = max(1, int(page))
    qs = search(viewer=viewer, q=q, filters=filters, sort=sort)
    total = qs.count()
    rows = list(qs[(page - 1) * size : page * size])
    return rows, total


def extraction_states(*, document_id: int) -> list[TextExtraction]:
    """Lấy chữ từ tệp: the state of each file of a document (the caller checks the viewer
    may see the document)."""
    return list(
        TextExtraction.objects.filter(document_id_value=document_id)
        .select_related("attachment")
        .order_by("attachment__role", "attachment__position", "attachment_id")
    )


def document_text_state(*, document_id: int) -> str:
    """indexed / pending / failed / none, for the whole document."""
    states = set(
        TextExtraction.objects.filter(document_id_value=document_id).values_list("state", flat=True)
    )
    if not states:
        return "none"
    if "failed" in states:
        return "failed"
    if states - {"done"}:
        return "pending"
    return "indexed"


def entry_visible_get(*, viewer: Person, document_id: int) -> SearchEntry | None:
    return entries_visible(viewer=viewer).filter(pk=document_id).first()


def text_states_for(document_ids: list[int]) -> dict[int, str]:
    """document_text_state for a page of results in one query."""
    found: dict[int, set[str]] = {}
    for doc_id, state in TextExtraction.objects.filter(
        document_id_value__in=document_ids
    ).values_list("document_id_value", "state"):
        found.setdefault(doc_id, set()).add(state)
    out = {}
    for doc_id, states in found.items():
        if "failed" in states:
            out[doc_id] = "failed"
        elif states - {"done"}:
            out[doc_id] = "pending"
        else:
            out[doc_id] = "indexed"
    return out
