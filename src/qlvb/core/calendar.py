"""Working days (ngày làm việc) for deadlines given in days: Monday to Friday, minus holidays,
plus compensatory working Saturdays, both kept as data (core.models.Holiday)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def _exceptions(start: dt.date, end: dt.date) -> tuple[set[dt.date], set[dt.date]]:
    from qlvb.core.models import Holiday

    off, on = set(), set()
    for day, working in Holiday.objects.filter(date__gte=start, date__lte=end).values_list(
        "date", "working_day"
    ):
        (on if working else off).add(day)
    return off, on


def is_working_day(day: dt.date, off: set[dt.date], on: set[dt.date]) -> bool:
    if day in on:
        return True
    return day.weekday() < 5 and day not in off


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself not counted)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    # Generous window: even a long Tết break fits in twice the days plus a month.
    off, on = _exceptions(start, start + dt.timedelta(days=days * 2 + 40))
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current, off, on):
            remaining -= 1
    return current


def due_at_after_working_days(days: int, *, start: dt.datetime | None = None) -> dt.datetime:
    """End of the working day that is `days` working days from now (Vietnam time)."""
    local = timezone.localtime(start or timezone.now())
    day = add_working_days(local.date(), days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))
