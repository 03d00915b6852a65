"""Every read of incoming documents, scoped to what the viewer may see (issue: who sees what):
only the receiving agency's people; clerks and leaders see every non-confidential document,
others what is assigned to them or their department; confidential documents only the people
named on them."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan

from qlvb.agencies.models import Person, Role
from qlvb.documents.models import Confidentiality, Document
from qlvb.incoming.models import Assignment, IncomingDocument, IncomingState

# Query shape (docs/benchmarks.md, "Incoming lists"): who-is-named conditions are `id IN
# (assignments of ...)` subqueries rather than joins across assignments, so no DISTINCT is
# needed and PostgreSQL walks the (agency, urgency_rank, id) index in list order, probing
# hashed id sets, and stops after one page. Callers must keep filtering through subqueries too:
# a join across `assignments` on these querysets would repeat rows.


def _assigned(**conditions) -> Q:
    return Q(pk__in=Assignment.objects.filter(**conditions).values("incoming_id"))


def incoming_visible(*, viewer: Person) -> QuerySet[IncomingDocument]:
    if viewer.agency_id is None:
        return IncomingDocument.objects.none()
    qs = IncomingDocument.objects.filter(agency_id=viewer.agency_id)
    to_me = _assigned(person_id=viewer.pk)
    # Separate index-only subqueries for me and for my department (an OR inside one
    # subquery needs a bitmap heap scan of tens of thousands of assignment rows).
    mine = to_me
    if viewer.department_id:
        mine |= _assigned(department_id=viewer.department_id)
    mine |= Q(routed_to_id=viewer.pk)
    # A per-row probe of the document's primary key, not a join: joined, PostgreSQL counts a
    # box by hashing every document of the installation.
    public = Exists(
        Document.objects.filter(pk=OuterRef("document_id"), confidentiality=Confidentiality.NORMAL)
    )
    if viewer.has_role(Role.CLERK) or viewer.has_role(Role.LEADER):
        # Confidential: only people named on it (and the clerk who registered it).
        secret = ~public & (to_me | Q(routed_to_id=viewer.pk) | Q(registered_by_id=viewer.pk))
        return qs.filter(public | secret)
    return qs.filter(mine).filter(public | to_me)


def incoming_reception_queue(*, viewer: Person) -> QuerySet[IncomingDocument]:
    """Chờ tiếp nhận: electronic deliveries the clerk has not acted on, urgent first."""
    if not viewer.has_role(Role.CLERK):
        return IncomingDocument.objects.none()
    return (
        incoming_visible(viewer=viewer)
        .filter(state=IncomingState.RECEIVED)
        .order_by("-urgency_rank", "-id")
    )


def incoming_duplicates(*, agency, organ_name, code_number, code_notation, issued_date):
    """Already registered with the same sender, number/notation and date (Phụ lục VI III.1.h)."""
    if not (code_number or code_notation):
        return IncomingDocument.objects.none()
    from qlvb.documents.models import Document

    # Drive from the documents' (agency, code_number, issued_date) index: the few rows it
    # finds are then compared case-insensitively, instead of scanning the agency's documents.
    candidates = Document.objects.filter(
        agency=agency, code_number=code_number or "", issued_date=issued_date
    ).filter(organ_name__iexact=organ_name or "", code_notation__iexact=code_notation or "")
    return IncomingDocument.objects.filter(
        document_id__in=candidates.values("id"), arrival_number__isnull=False
    )


# Up to this many open assignments the "mine" list reads the page by primary key from the ids;
# more (a leader heading a busy department), and walking the list index in order while probing
# hashed id sets stops sooner (docs/benchmarks.md). At 1,400 ids (the generated province's
# busiest leader) the literal list cost 34 ms a page and 22 ms a count, the walk 13 and 15 ms.
MINE_IDS_MAX = 500


def _open_to(sources: list[QuerySet]) -> Q:
    """ "Assigned to me (or my department) and still open», in the cheaper of two shapes: few ids
    as a literal list (the page by primary key, whatever the list's order), many as `id IN
    (subquery)` tests ORed together, which PostgreSQL runs as hashed subplans while it walks
    the (agency, urgency_rank, id) index and stops after a page (one bare `IN` would become a
    semi-join). Both select the same rows."""
    ids: set[int] = set()
    for source in sources:
        ids.update(source.values_list("incoming_id", flat=True)[: MINE_IDS_MAX + 1])
        if len(ids) > MINE_IDS_MAX:
            break
    else:
        return Q(pk__in=sorted(ids))
    q = Q(pk__in=sources[0].values("incoming_id"))
    for source in sources[1:]:
        q |= Q(pk__in=source.values("incoming_id"))
    return q


BOXES = ("reception", "waiting", "mine", "overdue", "all")


def incoming_box(*, viewer: Person, box: str) -> QuerySet[IncomingDocument]:
    """The lists each role works from:
    reception (chờ tiếp nhận, clerks), waiting (chờ chỉ đạo: routed to me, or registered and
    not yet routed for leaders), mine (giao cho tôi or my department, still open), overdue
    (quá hạn, among what I see), all (everything I may see)."""
    from django.utils import timezone

    if box == "reception":
        return incoming_reception_queue(viewer=viewer)
    visible = incoming_visible(viewer=viewer)
    if box == "waiting":
        if not viewer.has_role(Role.LEADER):
            return IncomingDocument.objects.none()
        return visible.filter(
            Q(state=IncomingState.SUBMITTED, routed_to_id=viewer.pk)
            | Q(state=IncomingState.REGISTERED)
        )
    if box == "mine":
        open_states = [IncomingState.ASSIGNED, IncomingState.IN_PROGRESS]
        sources = [Assignment.objects.filter(person_id=viewer.pk, state="open")]
        if viewer.department_id and viewer.has_role(Role.LEADER):
            sources.append(
                Assignment.objects.filter(
                    department_id=viewer.department_id, person__isnull=True, state="open"
                )
            )
        return visible.filter(_open_to(sources), state__in=open_states)
    if box == "overdue":
        return visible.filter(
            due_at__lt=timezone.now(),
            state__in=[
                IncomingState.REGISTERED,
                IncomingState.SUBMITTED,
                IncomingState.ASSIGNED,
                IncomingState.IN_PROGRESS,
            ],
        )
    return visible.exclude(state=IncomingState.MERGED)


COUNT_CAP = 1000


class CappedCount(int):
    """A navigation count that stopped at COUNT_CAP: an int (sums, comparisons) shown as
    "999+". Counting every row of a big box costs hundreds of milliseconds at a million
    documents, on every page; nobody needs the exact figure past a thousand."""

    def __str__(self) -> str:
        return f"{COUNT_CAP - 1}+"


def incoming_box_counts(*, viewer: Person, boxes: tuple[str, ...] | None = None) -> dict[str, int]:
    """Counts of the boxes (all but "all"), or only of `boxes`: the navigation shows three and
    need not count the overdue one on every page."""
    counts = {}
    for box in BOXES if boxes is None else boxes:
        if box == "all":
            continue
        n = incoming_box(viewer=viewer, box=box).order_by()[:COUNT_CAP].count()
        counts[box] = CappedCount(n) if n >= COUNT_CAP else n
    return counts


# The navigation's figure (Văn bản đến: to receive, to direct, assigned to me) is on every page.
NAV_BOXES = ("reception", "waiting", "mine")
NAV_COUNTS_SECONDS = 10


def _nav_version_key(agency_id: int) -> str:
    return f"incoming:nav-version:{agency_id}"


def incoming_nav_counts(*, viewer: Person) -> dict[str, int]:
    """Every box count of the person (the list's tabs; the navigation sums NAV_BOXES), kept for
    NAV_COUNTS_SECONDS per person: every page shows them and counting walks several indexes at
    a million documents (under load the tabs' four counts were most of a list page's time). A
    change to the agency's incoming documents or assignments starts them afresh (the agency's
    version, see `nav_counts_changed`): at once in every process when the cache is shared
    (QLVB_CACHE_URL, docs/deploy.md), else in the process that made it and within the period
    in the others."""
    from django.core.cache import cache

    version = cache.get(_nav_version_key(viewer.agency_id), 0)
    key = f"incoming:counts:{viewer.pk}:{version}"
    counts = cache.get(key)
    if counts is None:
        counts = incoming_box_counts(viewer=viewer)
        cache.set(key, counts, NAV_COUNTS_SECONDS)
    return counts


def nav_counts_changed(agency_id: int | None) -> None:
    if agency_id is None:
        return
    import time

    from django.core.cache import cache

    cache.set(_nav_version_key(agency_id), time.monotonic_ns(), NAV_COUNTS_SECONDS * 6)


def incoming_filter(qs: QuerySet, *, filters: dict) -> QuerySet:
    """Filters of the lists: arrival dates, sender, type, urgency, state, due."""
    from django.utils import timezone

    if filters.get("date_from"):
        qs = qs.filter(arrival_date__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(arrival_date__lte=filters["date_to"])
    if filters.get("sender"):
        qs = qs.filter(document__organ_name__icontains=filters["sender"])
    if filters.get("type_name"):
        qs = qs.filter(document__type_name=filters["type_name"])
    if filters.get("urgency"):
        qs = qs.filter(document__urgency=filters["urgency"])
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("due") == "overdue":
        qs = qs.filter(due_at__lt=timezone.now(), done_at__isnull=True)
    elif filters.get("due") == "soon":
        now = timezone.now()
        qs = qs.filter(
            due_at__gte=now, due_at__lt=now + timezone.timedelta(days=3), done_at__isnull=True
        )
    return qs


def incoming_page(
    *,
    viewer: Person,
    state: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    box: str = "all",
    filters: dict | None = None,
    sort: str = "urgent",
):
    """Keyset page (no OFFSET scans): `urgent` = hỏa tốc first then newest; `newest` = by id."""
    from qlvb.core.paging import decode_cursor, encode_cursor

    qs = incoming_box(viewer=viewer, box=box).select_related("document", "register_book")
    qs = incoming_filter(qs, filters={**(filters or {}), **({"state": state} if state else {})})
    if sort == "newest":
        if cursor:
            (last_id,) = decode_cursor(cursor, 1)
            qs = qs.filter(id__lt=last_id)
        rows = list(qs.order_by("-id")[: limit + 1])
        make = lambda r: encode_cursor(r.id)  # noqa: E731
    else:
        if cursor:
            rank, last_id = decode_cursor(cursor, 2)
            # A row comparison, (rank, id) < (r, i): PostgreSQL starts the index scan at the
            # cursor instead of filtering every row before it.
            qs = qs.filter(TupleLessThan(Tuple(F("urgency_rank"), F("id")), (rank, last_id)))
        rows = list(qs.order_by("-urgency_rank", "-id")[: limit + 1])
        make = lambda r: encode_cursor(r.urgency_rank, r.id)  # noqa: E731
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = make(rows[-1])
    return rows, next_cursor


INCOMING_REGISTER_COLUMNS = [
    # ND30 Phụ lục IV, mẫu sổ đăng ký văn bản đến: the 10 columns, in order.
    ("Ngày đến", 22, 12),
    ("Số đến", 12, 8),
    ("Tác giả", 29, 25),
    ("Số, ký hiệu văn bản", 25, 18),
    ("Ngày tháng văn bản", 22, 12),
    ("Tên loại và trích yếu nội dung văn bản", 56, 50),
    ("Đơn vị hoặc người nhận", 31, 25),
    ("Ngày chuyển", 22, 12),
    ("Ký nhận", 16, 10),
    ("Ghi chú", 17, 15),
]


def incoming_register_rows(*, viewer: Person, book_kind: str, date_from, date_to):
    """Rows of the incoming register for a period, in number order, for the register output.
    Only clerks and leaders print the register; confidential books only for the clerks."""
    from django.utils import timezone

    from qlvb.core.errors import PermissionDenied

    if not (viewer.has_role(Role.CLERK) or viewer.has_role(Role.LEADER)):
        raise PermissionDenied("Chỉ văn thư và lãnh đạo được in sổ đăng ký văn bản đến.")
    if book_kind != "incoming" and not viewer.has_role(Role.CLERK):
        raise PermissionDenied("Chỉ văn thư được in sổ văn bản đến mật.")
    qs = (
        IncomingDocument.objects.filter(
            agency_id=viewer.agency_id,
            register_book__kind=book_kind,
            arrival_date__gte=date_from,
            arrival_date__lte=date_to,
        )
        .select_related("document")
        .prefetch_related("assignments__person", "assignments__department")
        .order_by("register_book__year", "arrival_number")
    )
    for incoming in qs.iterator(chunk_size=2000):
        document = incoming.document
        lead = [a for a in incoming.assignments.all() if a.parent_id is None]
        receivers = "; ".join(
            (a.department.name if a.department else a.person.full_name)
            + (f" ({a.get_kind_display().lower()})" if a.kind != "lead" else "")
            for a in lead
        )
        handed = min((a.assigned_at for a in lead), default=None)
        yield [
            incoming.arrival_date.strftime("%d/%m/%Y") if incoming.arrival_date else "",
            str(incoming.arrival_number or ""),
            document.organ_name,
            document.number_and_notation,
            document.issued_date.strftime("%d/%m/%Y") if document.issued_date else "",
            f"{document.type_name}: {document.subject}" if document.type_name else document.subject,
            receivers,
            timezone.localtime(handed).strftime("%d/%m/%Y") if handed else "",
            "",
            document.description,
        ]
