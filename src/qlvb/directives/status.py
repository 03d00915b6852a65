"""Tình trạng nhiệm vụ: computed, never typed.

One rule, in two forms that must agree (a property-based test checks they do):
- `compute_status(...)`, a pure function for one task period;
- `status_expression(now)`, the same rule as a SQL `Case` over `TaskPeriod` columns, so the
  tracking screen counts by status in the database.

The rule, for a period with deadline D (the original deadline, or the latest granted
extension: an extension only ever moves it later), completion time C (reported by the lead
unit) and the assigner's confirmation:
- confirmed: done on time if C <= D, else done late (the lead unit is not blamed for the time
  the assigner takes to confirm);
- not completed and the period has not started yet (a future month of a recurring task):
  not yet due;
- otherwise the clock runs until C while the assigner decides, until now when nothing is
  reported: in progress on time while it is <= D, overdue after. A returned completion clears
  C and the clock runs again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import models
from django.db.models import Case, F, Q, Value, When


class Status(models.TextChoices):
    NOT_YET_DUE = "not_yet_due", "Chưa đến hạn"
    ON_TIME = "in_progress_on_time", "Đang thực hiện trong hạn"
    OVERDUE = "overdue", "Quá hạn"
    DONE_ON_TIME = "done_on_time", "Hoàn thành đúng hạn"
    DONE_LATE = "done_late", "Hoàn thành quá hạn"


# The tracking screen's column order; overdue first where lists are sorted by urgency.
STATUS_ORDER = [
    Status.OVERDUE,
    Status.ON_TIME,
    Status.NOT_YET_DUE,
    Status.DONE_LATE,
    Status.DONE_ON_TIME,
]
STATUS_RANK = {s.value: i for i, s in enumerate(STATUS_ORDER)}
OPEN_STATUSES = (Status.OVERDUE, Status.ON_TIME, Status.NOT_YET_DUE)


# Confirmed and completed: the status no longer depends on the clock. The tracking screen's
# partial indexes split the periods on this condition (models.TaskPeriod.Meta.indexes).
DONE = Q(confirmed_at__isnull=False, completed_at__isnull=False)


def effective_due(due_at: dt.datetime, extensions: Iterable[dt.datetime] = ()) -> dt.datetime:
    """The deadline after granted extensions (their new dates)."""
    return max([due_at, *extensions])


def compute_status(
    *,
    due_at: dt.datetime,
    now: dt.datetime,
    extensions: Iterable[dt.datetime] = (),
    completed_at: dt.datetime | None = None,
    confirmed: bool = False,
    starts_at: dt.datetime | None = None,
) -> Status:
    deadline = effective_due(due_at, extensions)
    if confirmed and completed_at is not None:
        return Status.DONE_ON_TIME if completed_at <= deadline else Status.DONE_LATE
    if completed_at is None and starts_at is not None and now < starts_at:
        return Status.NOT_YET_DUE
    clock = completed_at if completed_at is not None else now
    return Status.ON_TIME if clock <= deadline else Status.OVERDUE


def status_expression(now: dt.datetime) -> Case:
    """`compute_status` over TaskPeriod columns (effective_due_at, completed_at, confirmed_at,
    starts_at) for `.annotate(status=...)`."""
    return Case(
        When(DONE & Q(completed_at__lte=F("effective_due_at")), then=Value(Status.DONE_ON_TIME)),
        When(DONE, then=Value(Status.DONE_LATE)),
        When(Q(completed_at__isnull=True, starts_at__gt=now), then=Value(Status.NOT_YET_DUE)),
        When(
            Q(completed_at__isnull=False, completed_at__lte=F("effective_due_at")),
            then=Value(Status.ON_TIME),
        ),
        When(Q(completed_at__isnull=True, effective_due_at__gte=now), then=Value(Status.ON_TIME)),
        default=Value(Status.OVERDUE),
        output_field=models.CharField(max_length=20),
    )


def status_q(status: str, now: dt.datetime) -> Q:
    """A filter selecting one status (uses the partial index on lead agency and deadline)."""
    not_done = ~DONE
    if status == Status.DONE_ON_TIME:
        return DONE & Q(completed_at__lte=F("effective_due_at"))
    if status == Status.DONE_LATE:
        return DONE & Q(completed_at__gt=F("effective_due_at"))
    if status == Status.NOT_YET_DUE:
        return Q(completed_at__isnull=True, starts_at__gt=now)
    pending_on_time = Q(completed_at__isnull=False, completed_at__lte=F("effective_due_at"))
    running_on_time = Q(completed_at__isnull=True, starts_at__lte=now, effective_due_at__gte=now)
    if status == Status.ON_TIME:
        return not_done & (pending_on_time | running_on_time)
    if status == Status.OVERDUE:
        return not_done & (
            Q(completed_at__isnull=False, completed_at__gt=F("effective_due_at"))
            | Q(completed_at__isnull=True, starts_at__lte=now, effective_due_at__lt=now)
        )
    raise ValueError(status)


def period_status(period, now: dt.datetime) -> Status:
    """The status of a loaded TaskPeriod (its effective deadline already includes extensions)."""
    return compute_status(
        due_at=period.effective_due_at,
        now=now,
        completed_at=period.completed_at,
        confirmed=period.confirmed_at is not None,
        starts_at=period.starts_at,
    )


def current_period(periods: list, now: dt.datetime):
    """The period a recurring task is judged by today: the earliest started one not yet
    confirmed, else the last one that started, else the first."""
    started = [p for p in periods if p.starts_at <= now]
    for period in started:
        if period.confirmed_at is None:
            return period
    if started:
        return started[-1]
    return periods[0] if periods else None
