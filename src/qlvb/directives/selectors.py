"""Every read of tasks, scoped to what the viewer may see.

An agency sees the tasks given to it (chủ trì or phối hợp) and those it gave; tracking officers
and the leaders of the province (UBND tỉnh, Văn phòng UBND tỉnh) see every task."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from qlvb.agencies.models import Agency, AgencyLevel, Role
from qlvb.directives.models import Task, TaskCooperation, TaskFile, TaskPeriod, Urge
from qlvb.directives.status import (
    DONE,
    OPEN_STATUSES,
    STATUS_ORDER,
    STATUS_RANK,
    Status,
    status_expression,
    status_q,
)

# The province office's own code shape (QĐ 20/2020: 000.00.01.Lnn under UBND tỉnh 000.00.00.Lnn).
PROVINCE_OFFICE_PREFIX = "000.00.01."


def is_province_leadership_agency(agency: Agency | None) -> bool:
    if agency is None:
        return False
    return agency.level == AgencyLevel.PROVINCE or agency.code.startswith(PROVINCE_OFFICE_PREFIX)


def can_oversee(viewer) -> bool:
    """Sees every task and may urge any agency: the installation administrator, a tracking
    officer, a leader of UBND tỉnh or its Office."""
    if not getattr(viewer, "is_authenticated", False) or getattr(viewer, "is_token", False):
        return False
    if viewer.is_superuser or viewer.has_role(Role.TRACKING):
        return True
    return viewer.has_role(Role.LEADER) and is_province_leadership_agency(viewer.agency)


def task_visible(*, viewer) -> QuerySet[Task]:
    if can_oversee(viewer):
        return Task.objects.all()
    agency_id = getattr(viewer, "agency_id", None)
    if agency_id is None:
        return Task.objects.none()
    cooperating = TaskCooperation.objects.filter(task=OuterRef("pk"), agency_id=agency_id)
    return Task.objects.filter(
        Q(lead_agency_id=agency_id) | Q(assigning_agency_id=agency_id) | Exists(cooperating)
    )


def period_visible(*, viewer) -> QuerySet[TaskPeriod]:
    if can_oversee(viewer):
        return TaskPeriod.objects.all()
    agency_id = getattr(viewer, "agency_id", None)
    if agency_id is None:
        return TaskPeriod.objects.none()
    cooperating = TaskCooperation.objects.filter(task=OuterRef("task_id"), agency_id=agency_id)
    return TaskPeriod.objects.filter(
        Q(lead_agency_id=agency_id) | Q(assigning_agency_id=agency_id) | Exists(cooperating)
    )


def task_get(*, viewer, pk: int) -> Task | None:
    return (
        task_visible(viewer=viewer)
        .select_related(
            "assigning_agency",
            "assigned_by",
            "lead_agency",
            "lead_department",
            "source_document",
            "parent",
        )
        .filter(pk=pk)
        .first()
    )


def _in_range(qs, date_from: dt.date | None, date_to: dt.date | None):
    # A period belongs to the reporting period it starts in (the work given in that period).
    if date_from:
        qs = qs.filter(starts_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(starts_at__date__lte=date_to)
    return qs


DONE_STATUSES = (Status.DONE_ON_TIME, Status.DONE_LATE)


def tracking_count_queries(
    *,
    viewer,
    now: dt.datetime,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    given_by_me: bool = False,
) -> tuple[QuerySet, QuerySet]:
    """The two grouped queries behind the tracking screen: per lead agency, the finished
    periods counted by done on time / late, the others by the clock (not yet due, on time,
    overdue), each status by its `status_q` of status.py. Split on `DONE` so that PostgreSQL
    reads each from its partial index alone, in lead agency order, with no hashing (half the
    CPU of one query over all periods). Sub-tasks are the lead unit's own split and are not
    counted."""
    qs = _in_range(period_visible(viewer=viewer).filter(is_top=True), date_from, date_to)
    if given_by_me:
        qs = qs.filter(assigning_agency_id=viewer.agency_id)

    def grouped(part: Q, statuses) -> QuerySet:
        # COUNT of a column the index holds (Django refuses COUNT(*) with a filter; id is not
        # in the index and would send every row to the table).
        counts = {s.value: Count("lead_agency_id", filter=status_q(s, now)) for s in statuses}
        return qs.filter(part).values("lead_agency_id").annotate(**counts).order_by()

    return grouped(DONE, DONE_STATUSES), grouped(~DONE, OPEN_STATUSES)


@contextmanager
def _without_jit():
    """An agency's own screen (lead, assigning or co-operating) costs more than
    jit_above_cost at a million documents, and compiling the plan took 210 ms to run 25 ms of
    work (docs/benchmarks.md): no JIT for the count queries, as the reports and search do."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def tracking_counts(
    *,
    viewer,
    now: dt.datetime,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    given_by_me: bool = False,
) -> list[dict]:
    """Per lead agency: how many task periods in each status, its total, done and on-time
    rate; most overdue first."""
    queries = tracking_count_queries(
        viewer=viewer, now=now, date_from=date_from, date_to=date_to, given_by_me=given_by_me
    )
    keys = [s.value for s in STATUS_ORDER]  # plain strings: enum lookups cost, 220 rows × 5
    by_agency: dict[int, dict] = {}
    with _without_jit():
        for query in queries:
            for counts in query:
                row = by_agency.get(counts["lead_agency_id"])
                if row is None:
                    row = by_agency[counts["lead_agency_id"]] = dict.fromkeys(keys, 0)
                row.update(counts)
    names = dict(Agency.objects.filter(pk__in=list(by_agency)).values_list("pk", "name"))
    overdue, done_late = Status.OVERDUE.value, Status.DONE_LATE.value
    done_on_time = Status.DONE_ON_TIME.value
    rows = list(by_agency.values())
    for row in rows:
        row["agency_name"] = names.get(row["lead_agency_id"], "")
        row["total"] = sum(row[k] for k in keys)
        done = row[done_on_time] + row[done_late]
        row["done"] = done
        row["on_time_rate"] = round(100 * row[done_on_time] / done, 1) if done else None
    rows.sort(key=lambda r: (-r[overdue], r["agency_name"]))
    return rows


def _rank_expression():
    return Case(
        *[When(status=Value(s.value), then=Value(STATUS_RANK[s.value])) for s in STATUS_ORDER],
        output_field=IntegerField(),
    )


def period_list(
    *,
    viewer,
    now: dt.datetime,
    agency: Agency | None = None,
    status: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    include_sub_tasks: bool = False,
    role: str | None = None,
) -> QuerySet[TaskPeriod]:
    """Task periods with their computed `status`, overdue first, then by deadline.
    `role`: "lead" (given to the viewer's agency), "given" (given by it)."""
    qs = period_visible(viewer=viewer)
    if not include_sub_tasks:
        qs = qs.filter(is_top=True)
    if agency is not None:
        qs = qs.filter(lead_agency=agency)
    if role == "lead":
        qs = qs.filter(lead_agency_id=viewer.agency_id)
    elif role == "given":
        qs = qs.filter(assigning_agency_id=viewer.agency_id)
    if status:
        qs = qs.filter(status_q(status, now))
    qs = _in_range(qs, date_from, date_to)
    return (
        qs.annotate(status=status_expression(now))
        .annotate(status_rank=_rank_expression())
        .select_related("task", "lead_agency", "task__assigning_agency")
        .order_by("status_rank", "effective_due_at", "id")
    )


def task_queue(*, viewer) -> QuerySet[Task]:
    """Nhiệm vụ mới giao cho cơ quan mình, chưa tiếp nhận."""
    if getattr(viewer, "agency_id", None) is None:
        return Task.objects.none()
    return Task.objects.filter(
        lead_agency_id=viewer.agency_id, received_at__isnull=True, parent__isnull=True
    ).order_by("-id")


def urges_for_agency(*, viewer, agency_id: int) -> QuerySet[Urge]:
    qs = Urge.objects.filter(agency_id=agency_id).select_related("task", "urged_by")
    if can_oversee(viewer) or viewer.agency_id == agency_id:
        return qs
    return qs.filter(task__assigning_agency_id=viewer.agency_id)


def task_file_get(*, viewer, pk: int) -> TaskFile | None:
    """A file of a progress or completion report, for those who may see its task."""
    return (
        TaskFile.objects.select_related("blob")
        .filter(pk=pk, task__in=task_visible(viewer=viewer))
        .first()
    )
