"""The status rule: properties of the pure function, and the SQL form agreeing with it."""

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qlvb.directives.periods import add_months, build_periods
from qlvb.directives.status import (
    Status,
    compute_status,
    effective_due,
    status_expression,
    status_q,
)

UTC = dt.UTC
BASE = dt.datetime(2026, 1, 31, 17, 0, tzinfo=UTC)
# Offsets in minutes around the deadline: most examples land right on or next to a boundary.
near = st.one_of(
    st.integers(-3, 3), st.integers(-60 * 24 * 40, 60 * 24 * 40), st.sampled_from([-1, 0, 1])
)


def at(minutes: int) -> dt.datetime:
    return BASE + dt.timedelta(minutes=minutes)


@given(now=near, extensions=st.lists(st.integers(0, 60 * 24 * 60), max_size=3))
def test_an_open_task_is_overdue_exactly_when_now_is_past_the_extended_deadline(now, extensions):
    ext = [at(e) for e in extensions]
    status = compute_status(due_at=BASE, now=at(now), extensions=ext)
    deadline = effective_due(BASE, ext)
    assert status == (Status.OVERDUE if at(now) > deadline else Status.ON_TIME)


@given(completed=near, now=near, extensions=st.lists(st.integers(0, 60 * 24 * 60), max_size=3))
def test_a_confirmed_task_is_judged_by_its_completion_time_not_by_now(completed, now, extensions):
    ext = [at(e) for e in extensions]
    status = compute_status(
        due_at=BASE, now=at(now), extensions=ext, completed_at=at(completed), confirmed=True
    )
    on_time = at(completed) <= max([BASE, *ext])
    assert status == (Status.DONE_ON_TIME if on_time else Status.DONE_LATE)


@given(completed=near, now=near)
def test_the_clock_stops_while_the_assigner_decides(completed, now):
    status = compute_status(due_at=BASE, now=at(now), completed_at=at(completed))
    assert status == (Status.ON_TIME if completed <= 0 else Status.OVERDUE)
    assert status not in (Status.DONE_ON_TIME, Status.DONE_LATE)


@given(completed=near, extension=st.integers(1, 60 * 24 * 60))
def test_a_granted_extension_never_makes_a_task_worse(completed, extension):
    before = compute_status(
        due_at=BASE, now=at(completed), completed_at=at(completed), confirmed=True
    )
    after = compute_status(
        due_at=BASE,
        now=at(completed),
        extensions=[at(extension)],
        completed_at=at(completed),
        confirmed=True,
    )
    assert not (before == Status.DONE_ON_TIME and after == Status.DONE_LATE)
    if completed <= extension:
        assert after == Status.DONE_ON_TIME


@given(start=near, now=near)
def test_a_period_not_started_is_not_yet_due(start, now):
    starts_at = at(start - 60 * 24 * 31)
    status = compute_status(due_at=BASE, now=at(now), starts_at=starts_at)
    if at(now) < starts_at:
        assert status == Status.NOT_YET_DUE
    else:
        assert status in (Status.ON_TIME, Status.OVERDUE)


@given(
    day=st.integers(1, 31),
    month=st.integers(1, 12),
    months=st.integers(1, 36),
    recurrence=st.sampled_from(["monthly", "quarterly"]),
)
def test_periods_meet_at_their_boundaries_and_one_is_running_at_any_time(
    day, month, months, recurrence
):
    day = min(day, 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)
    due = dt.datetime(2026, month, day, 17, 0, tzinfo=UTC)
    assigned = due - dt.timedelta(days=10)
    until = add_months(due, months).date()
    periods = build_periods(assigned_at=assigned, due_at=due, recurrence=recurrence, until=until)
    assert periods[0] == (assigned, due)
    for (_, previous_due), (start, deadline) in itertools.pairwise(periods):
        assert start == previous_due < deadline
    assert all(d.date() <= until for _, d in periods)
    step = 1 if recurrence == "monthly" else 3
    assert len(periods) == months // step + 1
    # at a boundary the ending period is still on time and the next one has started
    for (_, boundary), (start, _) in itertools.pairwise(periods):
        assert compute_status(due_at=boundary, now=boundary) == Status.ON_TIME
        assert compute_status(due_at=boundary, now=boundary, starts_at=start) == Status.ON_TIME


def test_a_plain_task_has_one_period():
    assert build_periods(assigned_at=at(-100), due_at=BASE) == [(at(-100), BASE)]
    assert add_months(BASE, 1).date() == dt.date(2026, 2, 28)


# ---- SQL agreement -------------------------------------------------------------------------

period_case = st.fixed_dictionaries(
    {
        "start": st.integers(-60 * 24 * 40, 0),
        "extension": st.one_of(st.none(), st.integers(0, 60 * 24 * 10)),
        "completed": st.one_of(st.none(), near),
        "confirmed": st.booleans(),
    }
)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases=st.lists(period_case, min_size=1, max_size=8), now=near)
def test_the_sql_status_agrees_with_the_pure_function(world, task_factory, cases, now):
    from qlvb.directives.models import TaskPeriod
    from qlvb.directives.selectors import tracking_counts

    task = task_factory()
    TaskPeriod.objects.all().delete()  # examples share the database: count this one's alone
    expected = {}
    for number, case in enumerate(cases, start=1):
        completed = at(case["completed"]) if case["completed"] is not None else None
        confirmed = case["confirmed"] and completed is not None
        ext = [at(case["extension"])] if case["extension"] is not None else []
        period = TaskPeriod.objects.create(
            task=task,
            number=number,
            starts_at=at(case["start"]) + dt.timedelta(days=20),
            due_at=BASE,
            effective_due_at=effective_due(BASE, ext),
            completed_at=completed,
            confirmed_at=completed if confirmed else None,
            lead_agency=task.lead_agency,
            assigning_agency=task.assigning_agency,
        )
        expected[period.pk] = compute_status(
            due_at=BASE,
            now=at(now),
            extensions=ext,
            completed_at=completed,
            confirmed=confirmed,
            starts_at=period.starts_at,
        )
    rows = TaskPeriod.objects.filter(task=task).annotate(status=status_expression(at(now)))
    assert {r.pk: r.status for r in rows} == expected
    for status in Status:
        filtered = set(
            TaskPeriod.objects.filter(task=task)
            .filter(status_q(status, at(now)))
            .values_list("pk", flat=True)
        )
        assert filtered == {pk for pk, s in expected.items() if s == status}, status
    # The tracking screen's counts (two grouped queries split on DONE) tell the same story.
    [row] = tracking_counts(viewer=world["tracking"], now=at(now))
    assert {s.value: row[s.value] for s in Status} == {
        s.value: sum(1 for x in expected.values() if x == s) for s in Status
    }
    assert row["total"] == len(cases)
