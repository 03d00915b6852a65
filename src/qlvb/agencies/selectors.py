"""Reads of the agency directory, scoped to what the viewer may see.

The directory itself (names, codes, contacts) is visible to every signed-in person: they need it
to address documents. People are visible inside one's own agency; the installation
administrator sees everyone.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from qlvb.agencies.models import (
    Agency,
    AgencyLevel,
    Department,
    Person,
    RecipientGroup,
)
from qlvb.core.errors import NotFound, PermissionDenied
from qlvb.core.text import fold

# Name of the SQLite FTS5 index kept in sync with agencies_agency.search_text by triggers
# (migration 0002); PostgreSQL uses a pg_trgm GIN index on the column itself.
SQLITE_FTS_TABLE = "agencies_agency_fts"
_TERM_STRIP = re.compile(r"^[^\w]+|[^\w.]+$")


def _require_signed_in(viewer) -> None:
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        raise PermissionDenied("Bạn cần đăng nhập để xem danh bạ.")


def search_terms(query: str) -> list[str]:
    """`Đắk  Lắk,` -> ["dak", "lak"]: folded words, punctuation trimmed at the ends."""
    terms = []
    for word in fold(query).split():
        word = _TERM_STRIP.sub("", word)
        if word:
            terms.append(word)
    return terms[:8]


def _word_prefix_filter(qs: QuerySet, terms: list[str]) -> QuerySet:
    """Every term must start a word of search_text (name, short name or code)."""
    if not terms:
        return qs
    if connection.vendor == "sqlite":
        match = " AND ".join('"{}"*'.format(t.replace('"', '""')) for t in terms)
        # Only constants are formatted into the SQL; the query text is a parameter.
        return qs.filter(
            pk__in=RawSQL(  # noqa: S611
                f"SELECT rowid FROM {SQLITE_FTS_TABLE} WHERE {SQLITE_FTS_TABLE} MATCH %s",  # noqa: S608
                [match],
            )
        )
    # PostgreSQL: LIKE 'w%' / LIKE '% w%' are both served by the pg_trgm GIN index (the word
    # boundary becomes the padded trigram "  w"), and re-checked exactly.
    for term in terms:
        qs = qs.filter(Q(search_text__startswith=term) | Q(search_text__contains=f" {term}"))
    return qs


def agency_list(
    *, viewer, query: str = "", level: str | None = None, active: bool | None = None
) -> QuerySet[Agency]:
    """Danh bạ cơ quan: every signed-in person may read it."""
    _require_signed_in(viewer)
    qs = Agency.objects.select_related("parent")
    if level:
        qs = qs.filter(level=level)
    if active is not None:
        qs = qs.filter(is_active=active)
    qs = _word_prefix_filter(qs, search_terms(query))
    return qs.order_by("search_text", "code")


# A query matching more agencies than this is "broad" (`ub`, `000.`): rather than sorting tens
# of thousands of rows on every keystroke, the first CANDIDATES index hits are ranked, after the
# agencies of this installation (few, always searched in full). Typing one more letter narrows it.
SEARCH_CANDIDATES = 2000


def _candidates(terms: list[str], *, active_only: bool) -> list[tuple[str, int]]:
    """(search_text, id) of at most SEARCH_CANDIDATES agencies not on this installation whose
    words start with every term, straight from the index, in one round trip: ranking them in
    Python costs less than a second query over 2,000 ids, and gives the planner nothing to get
    wrong (with ORDER BY and LIMIT, planners like to walk the whole search_text index)."""
    active = " AND a.is_active" if active_only else ""
    if connection.vendor == "sqlite":
        match = " AND ".join('"{}"*'.format(t.replace('"', '""')) for t in terms)
        sql = (
            f"SELECT a.search_text, a.id FROM {SQLITE_FTS_TABLE} f "  # noqa: S608
            "JOIN agencies_agency a ON a.id = f.rowid "
            f"WHERE {SQLITE_FTS_TABLE} MATCH %s AND NOT a.on_installation{active} "
            f"LIMIT {SEARCH_CANDIDATES}"
        )
        params: list[str] = [match]
    else:
        where = " AND ".join(["(a.search_text LIKE %s OR a.search_text LIKE %s)"] * len(terms))
        params = []
        for term in terms:
            escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params += [f"{escaped}%", f"% {escaped}%"]
        sql = (
            "SELECT a.search_text, a.id FROM agencies_agency a "  # noqa: S608
            f"WHERE {where} AND NOT a.on_installation{active} LIMIT {SEARCH_CANDIDATES}"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _matches_all(text: str, terms: list[str]) -> bool:
    return all(text.startswith(t) or f" {t}" in text for t in terms)


_CODE_LIKE = re.compile(r"^(?=.*\d)[0-9a-z]{1,3}(\.[0-9a-z]{0,3}){0,3}$")
_COMMON_WORDS = frozenset(
    [
        "ubnd",
        "uy",
        "ban",
        "nhan",
        "dan",
        "xa",
        "phuong",
        "thi",
        "tran",
        "huyen",
        "tinh",
        "thanh",
        "pho",
        "so",
        "phong",
        "van",
        "cua",
        "va",
    ]
)


def _local_filter(qs: QuerySet, terms: list[str]) -> QuerySet:
    for term in terms:
        qs = qs.filter(Q(search_text__startswith=term) | Q(search_text__contains=f" {term}"))
    return qs


_SEARCH_FIELDS = (
    "id",
    "code",
    "name",
    "short_name",
    "level",
    "on_installation",
    "is_active",
    "parent_id",
)


def agency_search(*, viewer, query: str, limit: int = 20, active_only: bool = True) -> list[Agency]:
    """Search as you type: `dak lak`, `Đắk Lắk`, `ubnd dak`, `000.00.01` all find by word
    prefix. Agencies on this installation come first, then by name."""
    _require_signed_in(viewer)
    terms = search_terms(query)
    if not terms:
        return []
    limit = max(1, min(int(limit), 100))
    base = Agency.objects.only(*_SEARCH_FIELDS)
    if active_only:
        base = base.filter(is_active=True)
    if len(terms) == 1 and _CODE_LIKE.match(terms[0]):
        # A code being typed (`000.00.01`): a range on the unique code index, in code order.
        prefix = terms[0].upper()
        by_code = list(
            base.filter(code__gte=prefix, code__lt=prefix + "\uffff").order_by("code")[:limit]
        )
        if by_code:
            return by_code
    # 1. This installation's agencies: a few thousand at most, scanned through their index
    # (`__in`, not `=True`: Django writes a bare boolean column, which no index serves).
    local = list(
        _local_filter(base.filter(on_installation__in=[True]), terms).order_by("search_text")[
            :limit
        ]
    )
    if len(local) >= limit:
        return local
    # 2. The rest of the directory, from the word-prefix index. Words every other agency
    # carries (`ubnd`, `xa`) are costly to intersect in the index and select nothing: they only
    # filter the candidates the rarer words found.
    rare = [t for t in terms if t not in _COMMON_WORDS] or terms
    ranked = sorted(
        row for row in _candidates(rare, active_only=active_only) if _matches_all(row[0], terms)
    )[: limit - len(local)]
    wanted = [pk for _, pk in ranked]
    by_pk = base.in_bulk(wanted)
    return local + [by_pk[pk] for pk in wanted if pk in by_pk]


def agency_get(*, viewer, code: str | None = None, pk: int | None = None) -> Agency:
    _require_signed_in(viewer)
    qs = Agency.objects.select_related("parent")
    agency = None
    if pk is not None:
        agency = qs.filter(pk=pk).first()
    elif code:
        agency = qs.filter(code=str(code).strip().upper()).first()
    if agency is None:
        raise NotFound(f"Không tìm thấy cơ quan {code or pk or ''}".strip() + ".")
    return agency


def agency_children(*, agency: Agency) -> QuerySet[Agency]:
    return Agency.objects.filter(parent=agency).order_by("search_text")


def agency_ancestors(*, agency: Agency) -> list[Agency]:
    """From the root down to the direct parent."""
    chain, seen, node = [], {agency.pk}, agency.parent
    while node is not None and node.pk not in seen:
        chain.append(node)
        seen.add(node.pk)
        node = node.parent
    return list(reversed(chain))


def department_tree(*, agency: Agency) -> list[dict]:
    """[{"department": d, "children": [...]}, ...] for one agency, in name order."""
    departments = list(Department.objects.filter(agency=agency).order_by("name"))
    nodes = {d.pk: {"department": d, "children": []} for d in departments}
    roots = []
    for d in departments:
        node = nodes[d.pk]
        if d.parent_id and d.parent_id in nodes:
            nodes[d.parent_id]["children"].append(node)
        else:
            roots.append(node)
    return roots


def department_list(*, agency: Agency) -> QuerySet[Department]:
    return Department.objects.filter(agency=agency).order_by("name")


def position_list(*, agency: Agency):
    return agency.positions.order_by("rank", "name")


def can_view_people_of(viewer, agency_id: int | None) -> bool:
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    return bool(viewer.is_superuser) or (agency_id is not None and viewer.agency_id == agency_id)


def person_list(*, viewer, agency: Agency | None = None, query: str = "") -> QuerySet[Person]:
    """Cán bộ: one's own agency; the installation administrator sees everyone."""
    _require_signed_in(viewer)
    qs = Person.objects.select_related("agency", "department", "position").prefetch_related("roles")
    if not viewer.is_superuser:
        qs = qs.filter(agency_id=viewer.agency_id)
    if agency is not None:
        qs = qs.filter(agency=agency)
    for term in search_terms(query):
        qs = qs.filter(search_text__contains=term)
    return qs.order_by("search_text", "pk")


def person_get(*, viewer, pk: int) -> Person:
    _require_signed_in(viewer)
    person = (
        Person.objects.select_related("agency", "department", "position")
        .prefetch_related("roles")
        .filter(pk=pk)
        .first()
    )
    if person is None or not can_view_people_of(viewer, person.agency_id):
        # Same answer for "absent" and "not yours": do not reveal who exists elsewhere.
        raise NotFound("Không tìm thấy cán bộ.")
    return person


def recipient_group_list(*, viewer) -> QuerySet[RecipientGroup]:
    """Installation-wide groups plus those kept by the viewer's agency."""
    _require_signed_in(viewer)
    qs = RecipientGroup.objects.prefetch_related("members")
    if viewer.is_superuser:
        return qs.order_by("name")
    return qs.filter(Q(owner__isnull=True) | Q(owner_id=viewer.agency_id)).order_by("name")


def agency_levels() -> list[tuple[str, str]]:
    return list(AgencyLevel.choices)
