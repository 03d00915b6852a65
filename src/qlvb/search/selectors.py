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


def entries_visible(*, viewer: Person) -> QuerySet[SearchEntry]:
    if viewer is None or getattr(viewer, "agency_id", None) is None:
        return SearchEntry.objects.none()
    incoming = incoming_visible(viewer=viewer).values("document_id")
    outgoing = outgoing_visible(viewer=viewer).values("document_id")
    return SearchEntry.objects.filter(agency_id=viewer.agency_id).filter(
        Q(direction=Direction.INCOMING, document_id__in=incoming)
        | Q(direction=Direction.OUTGOING, document_id__in=outgoing)
    )


def _visible_only(viewer: Person, qs: QuerySet[SearchEntry]) -> QuerySet[SearchEntry]:
    """These rows less those the viewer may not see, each tested on its own (the rules are
    incoming_visible's and outgoing_visible's)."""
    incoming = incoming_visible(viewer=viewer).filter(document_id=OuterRef("document_id"))
    outgoing = outgoing_visible(viewer=viewer).filter(document_id=OuterRef("document_id"))
    return qs.filter(agency_id=viewer.agency_id).filter(
        (Q(direction=Direction.INCOMING) & Q(Exists(incoming)))
        | (Q(direction=Direction.OUTGOING) & Q(Exists(outgoing)))
    )


def _probe_visible(*, viewer: Person, ids: list[int]) -> set[int]:
    """Which of these documents the viewer may see, asked of incoming_visible and
    outgoing_visible by the documents' ids (the index rows themselves are not read)."""
    backend = get_backend()
    incoming = incoming_visible(viewer=viewer).filter(
        backend.ids_condition(ids, "incoming_incomingdocument.document_id")
    )
    outgoing = outgoing_visible(viewer=viewer).filter(
        backend.ids_condition(ids, "outgoing_outgoingdocument.document_id")
    )
    return set(incoming.values_list("document_id", flat=True)) | set(
        outgoing.values_list("document_id", flat=True)
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
MIN_CANDIDATES = 200  # the fewest a walk that stops early must have found (see _walk)
NOTATION_CANDIDATES = 100


@dataclass
class SearchPage:
    rows: list[SearchEntry]
    total: int  # exact when not `more`, else the number counted (CANDIDATES)
    more: bool  # there are more matches than `total`
    # Counting stopped before every row was read (a viewer who sees few of the newest
    # matches): `total` is a lower bound, there may be more or not.
    stopped: bool = False

    def __iter__(self):  # rows, total = search_page(...)
        return iter((self.rows, self.total))


def _by_date(qs: QuerySet, sort: str) -> QuerySet:
    if sort == "date_asc":  # the newest-first index read backwards
        return qs.order_by(F("doc_date").asc(nulls_first=True), "pk")
    return qs.order_by(F("doc_date").desc(nulls_last=True), "-pk")


WALK_CHUNK = 1300  # a little over CANDIDATES: a wide viewer sees nearly every match
# A common word's matches are found by reading the newest rows and testing each one's words
# (about 10 µs a row) rather than by the full-text index, whose bitmap of a word in half the
# documents costs hundreds of milliseconds: HEAD_ROWS first, then as many more as the matches
# seen so far say are needed, up to WALK_ROWS in all; beyond that the index is cheaper.
HEAD_ROWS = 2000
WALK_ROWS = 16000
INDEX_ROWS = 20000  # matches read from the full-text index per statement


def _matching(*, scope: QuerySet, query: ParsedQuery, filters) -> QuerySet[SearchEntry]:
    qs = _filter(scope, filters or SearchFilters())
    if not query.is_empty:
        qs = get_backend().match(qs, query)
    return qs


def _matches(*, viewer, query: ParsedQuery, filters) -> QuerySet[SearchEntry]:
    return _matching(scope=entries_visible(viewer=viewer), query=query, filters=filters)


def _visible_in_order(viewer: Person, ids: list[int], found: list[int], limit: int) -> bool:
    """Append to `found` those of `ids` the viewer may see, in order; True once past `limit`."""
    visible = _probe_visible(viewer=viewer, ids=ids) if ids else set()
    for pk in ids:
        if pk in visible:
            found.append(pk)
            if len(found) > limit:
                return True
    return False


def _narrow(viewer: Person) -> bool:
    """Sees only what is assigned to them or their department (incoming_visible's rule)."""
    return not (viewer.has_role(Role.CLERK) or viewer.has_role(Role.LEADER))


def _walk(*, viewer, rows: QuerySet, query, sort, limit, enough) -> Found | None:
    """The first `limit` visible matches found by reading `rows` in date order and testing
    their words (and the permission) one by one, and whether there are more; None when the
    matches are too sparse for that (the caller asks the full-text index). When reaching
    `limit` would take more than WALK_ROWS rows but those rows hold at least `enough`, the walk
    stops there: the count is then a lower bound (`stopped`)."""
    found: list[int] = []
    walked = 0
    size = HEAD_ROWS
    backend = get_backend()
    narrow = _narrow(viewer)
    while True:
        window = SearchEntry.objects.filter(pk__in=rows.values("pk")[walked : walked + size])
        if narrow:
            # The permission first, the words of the rows it leaves: a specialist sees a sixth
            # of the agency, and reading a row's words costs more than the permission probe.
            hits = SearchEntry.objects.filter(pk__in=_visible_only(viewer, window).values("pk"))
        else:
            hits = window
        if query.terms:
            hits = backend.walk_match(hits, query)
        if not narrow:
            hits = _visible_only(viewer, hits)
        hits = _by_date(hits, sort)
        for pk in hits.values_list("pk", flat=True)[: limit + 1 - len(found)]:
            found.append(pk)
        if len(found) > limit:
            return Found(found[:limit], True)
        walked += size
        if not rows.values_list("pk", flat=True)[walked : walked + 1]:
            return Found(found, False)  # every row read
        if walked >= WALK_ROWS:
            return Found(found, False, stopped=True) if len(found) >= enough else None
        # As many rows again as the visible matches seen so far say the rest needs.
        needed = (limit + 1 - len(found)) * walked // max(len(found), 1)
        if walked + needed > WALK_ROWS:
            # Not reachable within WALK_ROWS: walk to it if the rows left would bring enough.
            if len(found) * WALK_ROWS // walked < enough:
                return None
            needed = WALK_ROWS - walked
        size = min(max(HEAD_ROWS, needed + needed // 4), WALK_ROWS - walked)


@dataclass
class Found:
    ids: list[int]
    more: bool  # there are more visible matches than `ids`
    stopped: bool = False  # the rows were not all read: there may be more (not known)


def _first_visible(
    *, viewer: Person, query: ParsedQuery, filters, sort: str, limit: int, enough: int
) -> Found:
    """Ids of the first `limit` matches the viewer may see, in date order, and whether there
    are more. The agency's rows are read in date order: a common word's matches by testing
    each row's words (_walk, where the backend can), others through the full-text index a
    chunk at a time; only the rows found are tested for permission, each on its own.
    Computing the whole set a person may see first costs more than the search."""
    if viewer is None or getattr(viewer, "agency_id", None) is None:
        return Found([], False)
    agency = SearchEntry.objects.filter(agency_id=viewer.agency_id)
    rows = _by_date(_filter(agency, filters or SearchFilters()), sort)
    if get_backend().walks and (query.terms or query.is_empty):  # not a notation alone
        walked = _walk(viewer=viewer, rows=rows, query=query, sort=sort, limit=limit, enough=enough)
        if walked is not None:
            return walked
    ordered = _by_date(_matching(scope=rows, query=query, filters=None), sort)
    found: list[int] = []
    offset = 0
    while True:
        # The index's matches in date order, many at once (each statement reads the word's
        # whole bitmap again), then probed for permission a chunk at a time.
        part = list(ordered.values_list("pk", flat=True)[offset : offset + INDEX_ROWS])
        start, walk = 0, WALK_CHUNK
        while start < len(part):
            if _visible_in_order(viewer, part[start : start + walk], found, limit):
                return Found(found[:limit], True)
            start, walk = start + walk, walk * 2
        if len(part) < INDEX_ROWS:
            return Found(found, False)
        offset += INDEX_ROWS


def _candidates(*, viewer, query: ParsedQuery, filters) -> Found:
    """Ids of the newest CANDIDATES matches the viewer may see (at least MIN_CANDIDATES of
    them when the walk stops early), plus those whose number/notation matches however old they
    are (a notation match ranks first); and whether more matches were left out."""
    found = _first_visible(
        viewer=viewer,
        query=query,
        filters=filters,
        sort="date_desc",
        limit=CANDIDATES,
        enough=min(MIN_CANDIDATES, CANDIDATES),
    )
    ids = found.ids
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
    return found


def _ranked(ids: list[int], query: ParsedQuery) -> QuerySet[SearchEntry]:
    """The candidates, best first: only they are ranked."""
    backend = get_backend()
    return backend.order_by_rank(
        backend.annotate_rank(SearchEntry.objects.filter(backend.ids_condition(ids)), query, ids)
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
        ids = _candidates(viewer=viewer, query=query, filters=filters).ids
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
        enough = min(max(MIN_CANDIDATES, start + size), limit)
        found = _first_visible(
            viewer=viewer, query=query, filters=filters, sort=sort, limit=limit, enough=enough
        )
        rows = _rows(found.ids[start : start + size])
        return SearchPage(rows=rows, total=len(found.ids), more=found.more, stopped=found.stopped)
    found = _candidates(viewer=viewer, query=query, filters=filters)
    # Ranked on the index rows alone; the page's documents are read for its rows only.
    wanted = list(_ranked(found.ids, query).values_list("pk", flat=True)[start : start + size])
    return SearchPage(
        rows=_rows(wanted), total=len(found.ids), more=found.more, stopped=found.stopped
    )


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
