"""The reports (docs/reports.md), computed in SQL, and the documents behind each cell.

Each report is a `Report`: a base queryset (the rows it counts), a grouping, and named column
filters. `rows()` counts with `COUNT(*) FILTER (WHERE ...)` grouped in the database;
`documents()` applies the same base and the same column filter to list the documents behind one
cell, so a cell and its list always agree.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import connections, router, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from qlvb.agencies.models import Agency, Department, Person, Role
from qlvb.core.errors import NotFound, PermissionDenied, ValidationFailed
from qlvb.core.replica import replica_reads
from qlvb.directives.models import TaskPeriod
from qlvb.directives.status import STATUS_ORDER, status_q
from qlvb.documents.models import Document, Urgency
from qlvb.incoming.models import Assignment, AssignmentKind, IncomingDocument, IncomingState
from qlvb.outgoing.models import (
    Delivery,
    DeliveryStatus,
    Medium,
    OutgoingDocument,
    OutgoingState,
    Recipient,
)

PROVINCE_OFFICE_PREFIX = "000.00.01."
INVITATION = "Giấy mời"
ELECTRONIC = (Medium.ELECTRONIC, Medium.ELECTRONIC_PAPER)
PAPER_COPY = (Medium.PAPER, Medium.ELECTRONIC_PAPER)
NOT_REGISTERED = (IncomingState.RECEIVED, IncomingState.REJECTED, IncomingState.MERGED)
ISSUED = (OutgoingState.ISSUED, OutgoingState.RECALLED)


def percent(part: int, whole: int) -> int | None:
    """Whole percent, half up, exact (Decimal): 105/200 → 53. None over an empty whole."""
    if not whole:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), ROUND_HALF_UP))


def one_decimal(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


# --- scope --------------------------------------------------------------------------------------


def sees_every_agency(viewer) -> bool:
    """CLI (None), the installation admin, the province office and tracking officers."""
    if viewer is None or getattr(viewer, "is_superuser", False):
        return True
    agency = getattr(viewer, "agency", None)
    if agency is not None and agency.code.startswith(PROVINCE_OFFICE_PREFIX):
        return True
    return viewer.has_role(Role.TRACKING)


def report_agency(viewer, code: str | None) -> Agency:
    """The agency whose report the viewer asks for (their own by default), or refused."""
    if not code:
        agency = getattr(viewer, "agency", None)
        if agency is None:
            raise ValidationFailed(
                "Hãy chọn cơ quan báo cáo (--agency).", errors={"agency": ["Bắt buộc."]}
            )
        return agency
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise NotFound(f"Không có cơ quan mã {code} trong danh bạ.")
    if not sees_every_agency(viewer) and agency.pk != getattr(viewer, "agency_id", None):
        raise PermissionDenied("Bạn chỉ xem được số liệu của cơ quan mình.")
    return agency


def descendants(agency: Agency) -> list[int]:
    """The agency and every agency under it (one query over the directory's tree)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Agency.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    out, stack = [], [agency.pk]
    while stack:
        pk = stack.pop()
        out.append(pk)
        stack.extend(children.get(pk, []))
    return out


# --- base querysets (which rows count) -----------------------------------------------------------


@dataclass(frozen=True)
class Params:
    agency: Agency
    start: dt.date
    end: dt.date
    now: dt.datetime

    def moment_range(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        return (
            dt.datetime.combine(self.start, dt.time(), tz),
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tz),
        )


def _registered_q(agency_ids, p: Params, prefix: str = "") -> Q:
    """Registered incoming documents of the agencies in the period, seen from `prefix`."""
    return Q(
        **{
            f"{prefix}agency_id__in": agency_ids,
            f"{prefix}arrival_number__isnull": False,
            f"{prefix}arrival_date__gte": p.start,
            f"{prefix}arrival_date__lte": p.end,
        }
    ) & ~Q(**{f"{prefix}state__in": NOT_REGISTERED})


def registered_incoming(agency_ids, p: Params) -> QuerySet:
    return IncomingDocument.objects.filter(_registered_q(agency_ids, p))


# A Document belongs to the agency that holds it: an outgoing or incoming document's Document has
# the same agency (every service and the import create them so). Saying it again on the Document
# changes no figure, and lets PostgreSQL read only the agency's documents, from the covering
# index `reports_document_agency_cover` (migration reports 0002), instead of all of them.


def _issued_q(agency_ids, p: Params, prefix: str = "") -> Q:
    """Outgoing documents the agencies issued in the period, seen from `prefix`."""
    return Q(
        **{
            f"{prefix}agency_id__in": agency_ids,
            f"{prefix}state__in": ISSUED,
            f"{prefix}document__agency_id__in": agency_ids,
            f"{prefix}document__issued_date__gte": p.start,
            f"{prefix}document__issued_date__lte": p.end,
        }
    )


def issued_outgoing(agency_ids, p: Params) -> QuerySet:
    return OutgoingDocument.objects.filter(_issued_q(agency_ids, p))


def _pairs(p: Params) -> QuerySet:
    return Recipient.objects.filter(
        agency__isnull=False,
        outgoing__agency_id=p.agency.pk,
        outgoing__state__in=ISSUED,
        outgoing__document__agency_id=p.agency.pk,
        outgoing__document__issued_date__gte=p.start,
        outgoing__document__issued_date__lte=p.end,
    )


SENT_ELECTRONICALLY = Q(medium__in=ELECTRONIC)
URGENT_INVITATION = SENT_ELECTRONICALLY & Q(
    outgoing__document__type_name=INVITATION,
    outgoing__document__urgency__in=(Urgency.FLASH, Urgency.FLASH_TIMED),
)
ELECTRONIC_FIRST = Q(electronic_received_at__isnull=False) & (
    Q(paper_received_at__isnull=True) | Q(electronic_received_at__lt=F("paper_received_at"))
)


# --- the reports -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    drill: bool = True


class Report:
    name: str
    title: str
    columns: list[Column]
    chart: str = "bars"  # bars by agency, or "trend" by year
    key_column = "agency_code"

    def rows(self, p: Params) -> list[dict]:
        raise NotImplementedError

    def cell_queryset(self, p: Params, key: str, column: str) -> QuerySet:
        """The rows (of the base table) behind one cell."""
        raise NotImplementedError

    def documents(self, p: Params, key: str, column: str) -> QuerySet:
        if column not in {c.name for c in self.columns if c.drill}:
            raise ValidationFailed(f"Cột {column} không có danh sách văn bản.")
        ids = self.cell_queryset(p, key, column).values("document_id")
        return Document.objects.filter(pk__in=ids).order_by("-issued_date", "-id")

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]


def _agency_names(ids) -> dict[int, tuple[str, str]]:
    return {
        pk: (code, name)
        for pk, code, name in Agency.objects.filter(pk__in=set(ids)).values_list(
            "pk", "code", "name"
        )
    }


def _agency_id(code: str) -> int:
    pk = Agency.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        raise NotFound(f"Không có cơ quan mã {code}.")
    return pk


class ExchangeSummary(Report):
    name = "exchange-summary"
    title = "Tình hình gửi, nhận văn bản điện tử"
    columns = [
        Column("rank", "Xếp hạng", False),
        Column("agency_code", "Mã cơ quan", False),
        Column("agency_name", "Cơ quan, đơn vị", False),
        Column("out_total", "VB đi: tổng số"),
        Column("out_electronic", "VB đi: gửi điện tử"),
        Column("out_urgent_invitations", "VB đi: giấy mời hỏa tốc"),
        Column("out_rate", "VB đi: tỷ lệ (%)", False),
        Column("in_total", "VB đến: tổng số"),
        Column("in_electronic_first", "VB đến: điện tử đến trước"),
        Column("in_other", "VB đến: khác"),
        Column("in_rate", "VB đến: tỷ lệ (%)", False),
    ]
    OUT = {
        "out_total": Q(),
        "out_urgent_invitations": URGENT_INVITATION,
        "out_electronic": SENT_ELECTRONICALLY & ~URGENT_INVITATION,
    }
    IN = {"in_total": Q(), "in_electronic_first": ELECTRONIC_FIRST, "in_other": ~ELECTRONIC_FIRST}

    def _incoming(self, p):
        return registered_incoming([p.agency.pk], p).filter(
            document__agency_id=p.agency.pk, document__organ__isnull=False
        )

    def rows(self, p: Params) -> list[dict]:
        figures: dict[int, dict] = {}
        out = (
            _pairs(p)
            .values("agency_id")
            .annotate(**{k: Count("pk", filter=q) for k, q in self.OUT.items()})
        )
        for r in out:
            figures.setdefault(r.pop("agency_id"), {}).update(r)
        inc = (
            self._incoming(p)
            .values("document__organ_id")
            .annotate(**{k: Count("pk", filter=q) for k, q in self.IN.items() if k != "in_other"})
        )
        for r in inc:
            figures.setdefault(r.pop("document__organ_id"), {}).update(r)
        names = _agency_names(figures)
        rows = []
        for pk, f in figures.items():
            code, name = names[pk]
            row = {"agency_code": code, "agency_name": name}
            for k in ("out_total", "out_electronic", "out_urgent_invitations", "in_total"):
                row[k] = f.get(k, 0)
            row["in_electronic_first"] = f.get("in_electronic_first", 0)
            row["in_other"] = row["in_total"] - row["in_electronic_first"]
            row["out_rate"] = percent(
                row["out_electronic"] + row["out_urgent_invitations"], row["out_total"]
            )
            row["in_rate"] = percent(row["in_electronic_first"], row["in_total"])
            rows.append(row)
        return rank_rows(rows)

    def cell_queryset(self, p, key, column):
        pk = _agency_id(key)
        if column in self.OUT:
            return (
                _pairs(p)
                .filter(agency_id=pk)
                .filter(self.OUT[column])
                .annotate(document_id=F("outgoing__document_id"))
            )
        return self._incoming(p).filter(document__organ_id=pk).filter(self.IN[column])


def rank_rows(rows: list[dict]) -> list[dict]:
    """Highest exact incoming ratio first; equal ratios share a rank (1, 2, 2, 4) in code
    order; agencies with no incoming document last, unranked."""
    ranked = [r for r in rows if r["in_total"]]
    unranked = sorted((r for r in rows if not r["in_total"]), key=lambda r: r["agency_code"])
    ranked.sort(
        key=lambda r: (-Fraction(r["in_electronic_first"], r["in_total"]), r["agency_code"])
    )
    previous, rank = None, 0
    for index, row in enumerate(ranked, start=1):
        ratio = Fraction(row["in_electronic_first"], row["in_total"])
        if ratio != previous:
            rank, previous = index, ratio
        row["rank"] = rank
    for row in unranked:
        row["rank"] = None
    return ranked + unranked


class ExchangeByAgency(Report):
    name = "exchange-by-agency"
    title = "Kết quả gửi, nhận văn bản điện tử liên thông theo cơ quan"
    columns = [
        Column("agency_code", "Mã cơ quan", False),
        Column("agency_name", "Cơ quan, đơn vị", False),
        Column("sent", "Số văn bản gửi liên thông"),
        Column("received", "Số văn bản nhận liên thông"),
    ]

    def _sent(self, ids, p):
        electronic = Recipient.objects.filter(outgoing=OuterRef("pk"), medium__in=ELECTRONIC)
        return issued_outgoing(ids, p).filter(Exists(electronic))

    def _received(self, ids, p):
        return registered_incoming(ids, p).filter(electronic_received_at__isnull=False)

    def rows(self, p):
        ids = descendants(p.agency)
        sent = dict(
            self._sent(ids, p)
            .values("agency_id")
            .annotate(n=Count("pk"))
            .values_list("agency_id", "n")
        )
        received = dict(
            self._received(ids, p)
            .values("agency_id")
            .annotate(n=Count("pk"))
            .values_list("agency_id", "n")
        )
        names = _agency_names(ids)
        rows = [
            {
                "agency_code": names[pk][0],
                "agency_name": names[pk][1],
                "sent": sent.get(pk, 0),
                "received": received.get(pk, 0),
            }
            for pk in ids
        ]
        rows.sort(key=lambda r: (r["sent"], r["agency_code"]))
        return rows

    def cell_queryset(self, p, key, column):
        pk = _agency_id(key)
        if pk not in descendants(p.agency):
            raise NotFound("Cơ quan này không thuộc cơ quan báo cáo.")
        return (self._sent if column == "sent" else self._received)([pk], p)


class YearlyVolume(Report):
    name = "yearly-volume"
    title = "Số văn bản đến, đi theo năm"
    chart = "trend"
    key_column = "year"
    columns = [
        Column("year", "Năm", False),
        Column("incoming", "Tổng số văn bản đến"),
        Column("outgoing", "Tổng số văn bản đi"),
    ]

    def rows(self, p):
        from django.db.models.functions import ExtractYear

        incoming = dict(
            registered_incoming([p.agency.pk], p)
            .annotate(y=ExtractYear("arrival_date"))
            .values("y")
            .annotate(n=Count("pk"))
            .values_list("y", "n")
        )
        outgoing = dict(
            issued_outgoing([p.agency.pk], p)
            .annotate(y=ExtractYear("document__issued_date"))
            .values("y")
            .annotate(n=Count("pk"))
            .values_list("y", "n")
        )
        return [
            {"year": y, "incoming": incoming.get(y, 0), "outgoing": outgoing.get(y, 0)}
            for y in range(p.start.year, p.end.year + 1)
        ]

    def cell_queryset(self, p, key, column):
        year = int(key)
        if column == "incoming":
            return registered_incoming([p.agency.pk], p).filter(arrival_date__year=year)
        return issued_outgoing([p.agency.pk], p).filter(document__issued_date__year=year)


class ElectronicRatio(Report):
    name = "electronic-ratio"
    title = "Tỷ lệ văn bản đi gửi điện tử và bản giấy"
    key_column = ""
    columns = [
        Column("outgoing_total", "Tổng số văn bản đi"),
        Column("electronic_only", "Hoàn toàn điện tử"),
        Column("electronic_and_paper", "Điện tử song song bản giấy"),
        Column("paper_only", "Chỉ bản giấy"),
        Column("electronic_only_pct", "Hoàn toàn điện tử (%)", False),
        Column("electronic_and_paper_pct", "Điện tử và giấy (%)", False),
        Column("electronic_to_paper_ratio", "Văn bản điện tử / văn bản giấy", False),
    ]

    def _annotated(self, p):
        e = Recipient.objects.filter(outgoing=OuterRef("pk"), medium__in=ELECTRONIC)
        paper = Recipient.objects.filter(outgoing=OuterRef("pk"), medium__in=PAPER_COPY)
        return issued_outgoing([p.agency.pk], p).annotate(has_e=Exists(e), has_p=Exists(paper))

    FILTERS = {
        "outgoing_total": Q(),
        "electronic_only": Q(has_e=True, has_p=False),
        "electronic_and_paper": Q(has_e=True, has_p=True),
        "paper_only": Q(has_e=False),
    }

    # rows(): the same two facts per document, from one pass over its recipients (counts
    # grouped by document) instead of two EXISTS probes per document and per column.
    COUNTED = {
        "outgoing_total": Q(),
        "electronic_only": Q(n_e__gt=0, n_p=0),
        "electronic_and_paper": Q(n_e__gt=0, n_p__gt=0),
        "paper_only": Q(n_e=0),
    }

    def rows(self, p):
        per_document = issued_outgoing([p.agency.pk], p).annotate(
            n_e=Count("recipients", filter=Q(recipients__medium__in=ELECTRONIC)),
            n_p=Count("recipients", filter=Q(recipients__medium__in=PAPER_COPY)),
        )
        f = per_document.aggregate(**{k: Count("pk", filter=q) for k, q in self.COUNTED.items()})
        total = f["outgoing_total"]
        return [
            {
                **f,
                "electronic_only_pct": percent(f["electronic_only"], total),
                "electronic_and_paper_pct": percent(f["electronic_and_paper"], total),
                "electronic_to_paper_ratio": one_decimal(
                    f["electronic_only"] + f["electronic_and_paper"],
                    f["paper_only"] + f["electronic_and_paper"],
                ),
            }
        ]

    def cell_queryset(self, p, key, column):
        return self._annotated(p).filter(self.FILTERS[column])


class IncomingHandling(Report):
    name = "incoming-handling"
    title = "Tình hình giải quyết văn bản đến"
    key_column = "assignee_key"
    columns = [
        Column("assignee", "Đơn vị, cá nhân chủ trì", False),
        Column("received", "Số văn bản nhận"),
        Column("done_on_time", "Đã giải quyết đúng hạn"),
        Column("done_late", "Đã giải quyết quá hạn"),
        Column("open_on_time", "Chưa giải quyết, trong hạn"),
        Column("open_overdue", "Chưa giải quyết, quá hạn"),
    ]

    @staticmethod
    def filters(now):
        done = Q(completed_at__isnull=False)
        return {
            "received": Q(),
            "done_on_time": done & (Q(due_at__isnull=True) | Q(completed_at__lte=F("due_at"))),
            "done_late": done & Q(completed_at__gt=F("due_at")),
            "open_on_time": Q(completed_at__isnull=True)
            & (Q(due_at__isnull=True) | Q(due_at__gte=now)),
            "open_overdue": Q(completed_at__isnull=True, due_at__lt=now),
        }

    def _base(self, p):
        return Assignment.objects.filter(
            kind=AssignmentKind.LEAD,
            incoming__in=registered_incoming([p.agency.pk], p),
        ).annotate(document_id=F("incoming__document_id"))

    def rows(self, p):
        # Grouped by ids alone (a hash of integers, not a sort on names), straight over the
        # join to the incoming document; the names come after, for the few groups.
        groups = list(
            Assignment.objects.filter(kind=AssignmentKind.LEAD)
            .filter(_registered_q([p.agency.pk], p, "incoming__"))
            .values("department_id", "person_id")
            .annotate(**{k: Count("pk", filter=q) for k, q in self.filters(p.now).items()})
        )
        departments = dict(
            Department.objects.filter(
                pk__in={g["department_id"] for g in groups if g["department_id"]}
            ).values_list("pk", "name")
        )
        people = dict(
            Person.objects.filter(
                pk__in={g["person_id"] for g in groups if g["person_id"]}
            ).values_list("pk", "full_name")
        )
        rows = []
        for g in groups:
            if g["department_id"]:
                key, name = f"d{g['department_id']}", departments[g["department_id"]]
            else:
                key, name = f"p{g['person_id']}", people.get(g["person_id"])
            rows.append(
                {"assignee_key": key, "assignee": name, **{k: g[k] for k in self.filters(p.now)}}
            )
        rows.sort(key=lambda r: (r["assignee"], r["assignee_key"]))
        return rows

    def cell_queryset(self, p, key, column):
        base = self._base(p).filter(self.filters(p.now)[column])
        if key.startswith("d"):
            return base.filter(department_id=int(key[1:]))
        return base.filter(department__isnull=True, person_id=int(key[1:]))


class OutgoingHandling(Report):
    name = "outgoing-handling"
    title = "Tình hình xử lý văn bản đi tại nơi nhận"
    columns = [
        Column("agency_code", "Mã cơ quan", False),
        Column("agency_name", "Cơ quan nhận", False),
        Column("delivered", "Đã đến"),
        Column("accepted", "Đã tiếp nhận"),
        Column("rejected", "Từ chối"),
        Column("done", "Hoàn thành"),
        Column("late", "Quá hạn"),
    ]

    @staticmethod
    def filters(today):
        return {
            "delivered": Q(delivered_at__isnull=False),
            "accepted": Q(accepted_at__isnull=False),
            "rejected": Q(status=DeliveryStatus.REJECTED),
            "done": Q(done_at__isnull=False),
            "late": Q(due_date__isnull=False)
            & (
                Q(done_at__isnull=False, done_at__date__gt=F("due_date"))
                | Q(done_at__isnull=True, due_date__lt=today)
            ),
        }

    def _base(self, p):
        return Delivery.objects.filter(outgoing__in=issued_outgoing([p.agency.pk], p)).annotate(
            document_id=F("outgoing__document_id")
        )

    def rows(self, p):
        today = timezone.localdate(p.now)
        groups = list(
            Delivery.objects.filter(_issued_q([p.agency.pk], p, "outgoing__"))
            .values("recipient_agency_id")
            .annotate(**{k: Count("pk", filter=q) for k, q in self.filters(today).items()})
        )
        names = _agency_names(g["recipient_agency_id"] for g in groups)
        rows = [
            {
                "agency_code": names[g["recipient_agency_id"]][0],
                "agency_name": names[g["recipient_agency_id"]][1],
                **{k: g[k] for k in self.filters(today)},
            }
            for g in groups
        ]
        rows.sort(key=lambda r: r["agency_code"])
        return rows

    def cell_queryset(self, p, key, column):
        today = timezone.localdate(p.now)
        return self._base(p).filter(recipient_agency__code=key).filter(self.filters(today)[column])


class Tasks(Report):
    name = "tasks"
    title = "Tình hình thực hiện nhiệm vụ được giao"
    columns = [
        Column("agency_code", "Mã cơ quan", False),
        Column("agency_name", "Cơ quan chủ trì", False),
        Column("total", "Tổng số nhiệm vụ"),
        *[Column(s.value, s.label) for s in STATUS_ORDER],
    ]

    def _periods(self, p):
        start, end = p.moment_range()
        qs = TaskPeriod.objects.filter(
            task__parent__isnull=True, effective_due_at__gte=start, effective_due_at__lt=end
        )
        if not p.agency.code.startswith(PROVINCE_OFFICE_PREFIX):
            qs = qs.filter(Q(lead_agency_id=p.agency.pk) | Q(assigning_agency_id=p.agency.pk))
        return qs

    def _base(self, p):
        return self._periods(p).annotate(document_id=F("task__source_document_id"))

    def filters(self, now):
        return {"total": Q(), **{s.value: status_q(s, now) for s in STATUS_ORDER}}

    def rows(self, p):
        groups = list(
            self._periods(p)
            .values("lead_agency_id")
            .annotate(**{k: Count("pk", filter=q) for k, q in self.filters(p.now).items()})
        )
        names = _agency_names(g["lead_agency_id"] for g in groups)
        rows = [
            {
                "agency_code": names[g["lead_agency_id"]][0],
                "agency_name": names[g["lead_agency_id"]][1],
                **{k: g[k] for k in self.filters(p.now)},
            }
            for g in groups
        ]
        rows.sort(key=lambda r: r["agency_code"])
        return rows

    def cell_queryset(self, p, key, column):
        return self._base(p).filter(lead_agency__code=key).filter(self.filters(p.now)[column])

    def periods(self, p, key, column):
        return self.cell_queryset(p, key, column).select_related("task")


REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        ExchangeSummary(),
        ExchangeByAgency(),
        YearlyVolume(),
        ElectronicRatio(),
        IncomingHandling(),
        OutgoingHandling(),
        Tasks(),
    )
}


def get_report(name: str) -> Report:
    report = REPORTS.get(name)
    if report is None:
        raise NotFound(f"Không có báo cáo {name}. Các báo cáo: {', '.join(REPORTS)}.")
    return report


def params_for(
    *, viewer, agency_code: str | None, start: dt.date | None, end: dt.date | None, now=None
) -> Params:
    agency = report_agency(viewer, agency_code)
    today = timezone.localdate()
    start = start or today.replace(month=1, day=1)
    end = end or today
    if end < start:
        raise ValidationFailed(
            "Ngày cuối kỳ báo cáo phải sau ngày đầu kỳ.", errors={"to": ["Trước ngày đầu kỳ."]}
        )
    return Params(agency=agency, start=start, end=end, now=now or timezone.now())


@contextmanager
def _report_reads():
    """On the reports' replica when there is one; on PostgreSQL without JIT compilation: the
    report queries run well under a second, and compiling them (chosen by cost at this size)
    took seconds on a busy machine (docs/benchmarks.md)."""
    with replica_reads():
        alias = router.db_for_read(Document)
        if connections[alias].vendor != "postgresql":
            yield
            return
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            yield


def figures(report: Report, p: Params) -> list[dict]:
    """The report's rows, read as reports are read (replica, no JIT): pages, API, files."""
    with _report_reads():
        return report.rows(p)


def report_rows(*, viewer, name: str, agency_code=None, start=None, end=None, now=None):
    report = get_report(name)
    p = params_for(viewer=viewer, agency_code=agency_code, start=start, end=end, now=now)
    return report, p, figures(report, p)


def cell_documents(*, viewer, name, key, column, agency_code=None, start=None, end=None, now=None):
    report = get_report(name)
    p = params_for(viewer=viewer, agency_code=agency_code, start=start, end=end, now=now)
    return report.documents(p, key, column)
