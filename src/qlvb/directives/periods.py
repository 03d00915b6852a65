"""The periods of a task: one for a plain task, one per month or quarter for a recurring one.

Period k runs from the previous deadline (the assignment for the first) to its own deadline:
periods meet at their boundaries, so at any instant one period is running."""

from __future__ import annotations

import calendar
import datetime as dt

from qlvb.directives.models import Recurrence

MAX_PERIODS = 120
STEP_MONTHS = {Recurrence.MONTHLY: 1, Recurrence.QUARTERLY: 3}


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` later, on the month's last day when it is shorter
    (31/01 + 1 month = 28/02 or 29/02)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def build_periods(
    *,
    assigned_at: dt.datetime,
    due_at: dt.datetime,
    recurrence: str = "",
    until: dt.date | None = None,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """[(starts_at, due_at), ...] in order."""
    step = STEP_MONTHS.get(recurrence)
    if not step or until is None:
        return [(assigned_at, due_at)]
    periods: list[tuple[dt.datetime, dt.datetime]] = []
    start = assigned_at
    k = 0
    while len(periods) < MAX_PERIODS:
        deadline = add_months(due_at, step * k)
        if deadline.date() > until:
            break
        periods.append((start, deadline))
        start = deadline
        k += 1
    return periods or [(assigned_at, due_at)]
