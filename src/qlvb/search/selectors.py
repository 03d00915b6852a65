"""Every read of the search index, scoped to the documents the viewer may see: incoming ones
through `incoming_visible`, outgoing ones through `outgoing_visible`, nothing else. Counts are
taken over that scope only, so they never tell of documents the person may not see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from qlvb.agencies.models import Person, Role
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


def _wide(viewer: Person) -> bool:
    """Sees most of the agency's documents (a clerk, a leader)."""
    return viewer.has_role(Role.CLERK) or viewer.has_role(Role.LEADER)


def entries_visible(*, viewer: Person) -> QuerySet[SearchEntry]:
    if viewer is None or getattr(viewer, "agency_id", None) is None:
        return SearchEntry.objects.none()
    incoming = incoming_visible(viewer=viewer).values("document_id")
    outgoing = outgoing_visible(viewer=viewer).values("document_id")
    return SearchEntry.objects.filter(agency_id=viewer.agency_id).filter(
        Q(direction=Direction.INCOMING, document_id__in=incoming)
        | Q(direction=Direction.OUTGOING, document_id__in=outgoing)
    )


def _probe_visible(*, viewer: Person, ids: list[int]) -> set[int]:
    """Which of these rows the viewer may see, each tested on its own (the rules are
    incoming_visible's and outgoing_visible's)."""
    incoming = incoming_visible(viewer=viewer).filter(document_id=OuterRef("document_id"))
    outgoing = outgoing_visible(viewer=viewer).filter(document_id=OuterRef("document_id"))
    return set(
        SearchEntry.objects.filter(pk__in=ids, agency_id=viewer.agency_id)
        .filter(
            (Q(direction=Direction.INCOMING) & Q(Exists(incoming)))
            | (Q(direction=Direction.OUTGOING) & Q(Exists(outgoing)))
        )
        .values_list("pk", flat=True)
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


# Ranking reads every matching row's words, so it is done over a bounded set: the newest
# CANDIDATES matches the viewer may see (and those whose number/notation matches). Counts stop
# there too («hơn 1 000»): counting 200 000 matches of a common word would take seconds, and
# the count is still taken over the viewer's scope only.
CANDIDATES = 1000
NOTATION_CANDIDATES = 100


@dataclass
class SearchPage:
    rows: list[SearchEntry]
    total: int  # exact when not `more`, else the number counted (CANDIDATES)
    more: bool  # there are more matches than `total`

    def __iter__(self):  # rows, total = search_page(...)
        return iter((self.rows, self.total))


def _by_date(qs: QuerySet, sort: str) -> QuerySet:
    if sort == "date_asc":  # the newest-first index read backwards
        return qs.order_by(F("doc_date").asc(nulls_first=True), "pk")
    return qs.order_by(F("doc_date").desc(nulls_last=True), "-pk")


WALK_CHUNK = 1300  # a little over CANDIDATES: a wide viewer sees nearly every match
NARROW_WALK = 24  # × WALK_CHUNK ids read at once for a narrow viewer
NARROW_PROBE = 4  # × WALK_CHUNK ids tested at once


def _matching(*, scope: QuerySet, query: ParsedQuery, filters) -> QuerySet[SearchEntry]:
    qs = _filter(scope, filters or SearchFilters())
    if not query.is_empty:
        qs = get_backend().match(qs, query)
    return qs


def _matches(*, viewer, query: ParsedQuery, filters) -> QuerySet[SearchEntry]:
    return _matching(scope=entries_visible(viewer=viewer), query=query, filters=filters)


def _first_visible(
    *, viewer: Person, query: ParsedQuery, filters, sort: str, limit: int
) -> tuple[list[int], bool]:
    """Ids of the first `limit` matches the viewer may see, in date order, and whether there
    are more. The agency's matches are read in date order without the permission test, a
    chunk at a time, and only those read are tested, each on its own (a clerk sees nearly
    every match: one chunk is usually all). Computing the whole set a person may see first
    costs more than the search: the agency's documents, hashed, on every query."""
    if viewer is None or getattr(viewer, "agency_id", None) is None:
        return [], False
    agency = SearchEntry.objects.filter(agency_id=viewer.agency_id)
    ordered = _by_date(_matching(scope=agency, query=query, filters=filters), sort)
    # A narrow viewer (a specialist) sees a tenth of the agency or less: the ids are read far
    # ahead in one statement (reading them is cheap; finding a common word's matches is not)
    # and tested a slice at a time.
    wide = _wide(viewer)
    walk = WALK_CHUNK if wide else WALK_CHUNK * NARROW_WALK
    probe = WALK_CHUNK if wide else WALK_CHUNK * NARROW_PROBE
    found: list[int] = []
    offset = 0
    while True:
        walked = list(ordered.values_list("pk", flat=True)[offset : offset + walk])
        for i in range(0, len(walked), probe):
            part = walked[i : i + probe]
            visible = _probe_visible(viewer=viewer, ids=part)
            for pk in part:
                if pk in visible:
                    found.append(pk)
                    if len(found) > limit:
                        return found[:limit], True
        if len(walked) < walk:
            return found, False
        offset += walk
        walk *= 2


def _candidates(*, viewer, query: ParsedQuery, filters) -> tuple[list[int], bool]:
    """Ids of the newest CANDIDATES matches the viewer may see, plus those whose number/notation
    matches however old they are (a notation match ranks first); and whether more matches were
    left out."""
    ids, more = _first_visible(
        viewer=viewer, query=query, filters=filters, sort="date_desc", limit=CANDIDATES
    )
    if query.notation and query.terms:
        seen = set(ids)
        hits = _filter(
            SearchEntry.objects.filter(agency_id=viewer.agency_id), filters or SearchFilters()
        ).filter(notation__contains=query.notation)
        hit_ids = [
            pk
            for pk in _by_date(hits, "date_desc").values_list("pk", flat=True)[:NOTATION_CANDIDATES]
            if pk not in seen
        ]
        visible = _probe_visible(viewer=viewer, ids=hit_ids) if hit_ids else set()
        ids += [pk for pk in hit_ids if pk in visible]
    return ids, more


def _ranked(ids: list[int], query: ParsedQuery) -> QuerySet[SearchEntry]:
    """The candidates, best first: only they are ranked."""
    backend = get_backend()
    return backend.order_by_rank(
        backend.annotate_rank(SearchEntry.objects.filter(pk__in=ids), query, ids)
    )


def _related(qs: QuerySet) -> QuerySet:
    return qs.select_related("document", "document__incoming", "document__outgoing")


def search(
    *,
    viewer: Person,
    q: str | ParsedQuery = "",
    filters: SearchFilters | None = None,
    sort: str = "relevance",
) -> QuerySet[SearchEntry]:
    """Matching entries, best first (among the newest CANDIDATES matches) or by date (all of
    them). Raises QueryError for a query that cannot be searched (too long, no letters or
    digits)."""
    query = q if isinstance(q, ParsedQuery) else parse(q)
    if sort in ("date_asc", "date_desc") or query.is_empty:
        return _related(_by_date(_matches(viewer=viewer, query=query, filters=filters), sort))
    with get_backend().reading():
        ids, _ = _candidates(viewer=viewer, query=query, filters=filters)
    return _related(_ranked(ids, query))


def search_page(
    *, viewer: Person, q="", filters=None, sort="relevance", page=1, size=50
) -> SearchPage:
    """One page of results and how many there are among what the viewer may see (counted up to
    CANDIDATES, or further when the pages asked for go further by date)."""
    size = max(1, min(int(size), MAX_PAGE_SIZE))
    page = max(1, int(page))
    query = q if isinstance(q, ParsedQuery) else parse(q)
    with get_backend().reading():
        return _page(viewer=viewer, query=query, filters=filters, sort=sort, page=page, size=size)


def _page(*, viewer, query, filters, sort, page, size) -> SearchPage:
    start = (page - 1) * size
    if sort in ("date_asc", "date_desc") or query.is_empty:
        # The page's ids and the count in one walk: the newest (or oldest) ids up to the cap,
        # or to the page asked for when it lies further.
        limit = max(CANDIDATES, start + size)
        ids, more = _first_visible(
            viewer=viewer, query=query, filters=filters, sort=sort, limit=limit
        )
        return SearchPage(rows=_rows(ids[start : start + size]), total=len(ids), more=more)
    ids, more = _candidates(viewer=viewer, query=query, filters=filters)
    # Ranked on the index rows alone; the page's documents are read for its rows only.
    wanted = list(_ranked(ids, query).values_list("pk", flat=True)[start : start + size])
    return SearchPage(rows=_rows(wanted), total=len(ids), more=more)


def _rows(ids: list[int]) -> list[SearchEntry]:
    found = {e.pk: e for e in _related(SearchEntry.objects.filter(pk__in=ids))}
    return [found[pk] for pk in ids if pk in found]


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
