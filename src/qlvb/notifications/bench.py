"""Notifications benchmark (issue 8, "Measured"): the deadline scan over 1,000,000 open
assignments (PostgreSQL; 200,000 on SQLite), target under 5 s.

The dataset is made here with set-based SQL in the benchmark's scratch database: 2,000 people
in 20 departments, 1,000 incoming documents, N open assignments (one in ten to a department)
with deadlines spread evenly from 60 days ago to 120 days ahead. About 8% of the items are in
a window (3 and 1 working days ahead, overdue in the last 7 days). After a first scan of that
whole backlog (~72,000 reminders and ~30,000 e-mail rows on 1,000,000 assignments; its time is
printed), each sample is the scan one day later: it reads every open assignment again and
inserts the reminders of the items that entered a window that day (~16,000), which is what a
scan does in production after the clock moves (it runs every 15 minutes, so usually less).
The repeat with nothing new is printed too.

Floor: the bare SELECT counting the candidate assignments of the same windows (what any scan
must read), without inserting anything."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from qlvb.core.bench import Benchmark, register, timed

SIZES = {
    ("postgresql", False): 1_000_000,
    ("postgresql", True): 100_000,
    ("sqlite", False): 200_000,
    ("sqlite", True): 50_000,
}
PEOPLE, DEPARTMENTS, DOCUMENTS = 2000, 20, 1000


def _size(quick: bool) -> int:
    return SIZES[(connection.vendor, quick)]


def _series(n: int) -> str:
    if connection.vendor == "postgresql":
        return f"(SELECT generate_series(1, {int(n)}) AS x) g"
    recursive = "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < "
    return f"({recursive}{int(n)}) SELECT x FROM s) g"  # noqa: S608


def _due_sql() -> str:
    if connection.vendor == "postgresql":
        return (
            "%(now)s::timestamptz + ((g.x %% 180) - 60) * interval '1 day' "
            "+ (g.x %% 24) * interval '1 hour'"
        )
    return (
        "strftime('%%Y-%%m-%%d %%H:%%M:%%f', %(now)s, ((g.x %% 180) - 60) || ' days', "
        "(g.x %% 24) || ' hours')"
    )


def setup(quick: bool):
    from qlvb.agencies.models import Agency, AgencyLevel, Department, Person, RoleAssignment
    from qlvb.documents.models import Document
    from qlvb.incoming.models import IncomingDocument
    from qlvb.notifications import deadlines

    n = _size(quick)
    now = timezone.now()
    with transaction.atomic():
        agency = Agency.objects.create(
            code="000.00.99.H15", name="Sở Bench", level=AgencyLevel.DEPARTMENT
        )
        departments = Department.objects.bulk_create(
            Department(agency=agency, name=f"Phòng {i}") for i in range(DEPARTMENTS)
        )
        people = Person.objects.bulk_create(
            Person(
                username=f"bench{i}",
                full_name=f"Cán bộ {i}",
                agency=agency,
                department=departments[i % DEPARTMENTS],
                email=f"bench{i}@example.vn",
                password="!",  # noqa: S106 (unusable password marker)
            )
            for i in range(PEOPLE)
        )
        RoleAssignment.objects.bulk_create(
            RoleAssignment(person=people[i], agency=agency, role="leader")
            for i in range(DEPARTMENTS)
        )
        documents = Document.objects.bulk_create(
            Document(agency=agency, subject=f"Về việc số {i}", type_name="Công văn")
            for i in range(DOCUMENTS)
        )
        incoming = IncomingDocument.objects.bulk_create(
            IncomingDocument(document=d, agency=agency, state="assigned", source="paper")
            for d in documents
        )
        first_incoming, first_person = incoming[0].pk, people[0].pk
        first_department = departments[0].pk
        with connection.cursor() as cursor:
            # Integers and constant SQL only; the time is a parameter.
            cursor.execute(
                "INSERT INTO incoming_assignment (incoming_id, kind, person_id, department_id, "  # noqa: S608
                "due_at, assigned_at, state, result) "
                f"SELECT {first_incoming} + (g.x %% {DOCUMENTS}), 'lead', "
                f"CASE WHEN g.x %% 10 = 0 THEN NULL ELSE {first_person} + (g.x %% {PEOPLE}) END, "
                f"CASE WHEN g.x %% 10 = 0 THEN {first_department} + (g.x %% {DEPARTMENTS}) "
                f"ELSE NULL END, {_due_sql()}, %(now)s, 'open', '' FROM {_series(n)}",
                {
                    "now": now
                    if connection.vendor == "postgresql"
                    else now.strftime("%Y-%m-%d %H:%M:%S")
                },
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE incoming_assignment")
    # The scan's links need the URLconf, whose first import (every app's API) takes about 2 s;
    # a running worker has it loaded after its first job, so it is loaded here, untimed.
    deadlines.sources()
    return {"now": now, "n": n}


def _clear() -> None:
    from qlvb.notifications.models import Message, Notification

    Message.objects.all().delete()
    Notification.objects.all().delete()


def run(state, quick: bool) -> list[float]:
    """Samples: the scan as it runs in production, each a day after the previous one (the
    items that entered a window that day are new: ~16,000 reminders on 1,000,000). Printed
    besides: the very first scan over the whole backlog and a repeat with nothing new."""
    from qlvb.notifications import deadlines

    _clear()
    now = state["now"]
    reports = []
    first = timed(lambda: reports.append(deadlines.scan(now=now)))
    samples = []
    for day in range(1, 4):
        at = now + dt.timedelta(days=day)
        samples.append(timed(lambda at=at: reports.append(deadlines.scan(now=at))))
    again = timed(lambda: deadlines.scan(now=now + dt.timedelta(days=3, minutes=15)))
    daily = ", ".join(f"{r.notifications:,}" for r in reports[1:])
    print(
        f"  deadline scan over {state['n']:,} assignments: first scan of the whole backlog "
        f"{first:.2f} s ({reports[0].notifications:,} reminders, {reports[0].messages:,} "
        f"e-mails); daily scans inserted {daily} reminders; a repeat with nothing new "
        f"{again:.3f} s"
    )
    return samples


def floor(state, quick: bool) -> list[float]:
    from qlvb.notifications import deadlines

    windows = deadlines.windows(state["now"])
    lo, hi = min(w.lo for w in windows), max(w.hi for w in windows)

    def count():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM incoming_assignment WHERE state = 'open' "
                "AND due_at > %s AND due_at <= %s",
                [lo, hi],
            )
            return cursor.fetchone()

    return [timed(count) for _ in range(3)]


register(
    Benchmark(
        name="notifications_deadline_scan",
        title="deadline scan (3 and 1 working days ahead, overdue): set-based INSERT ... ON "
        "CONFLICT DO NOTHING of the reminders and their e-mail rows, a day after the last scan",
        size="1 000 000 open assignments (PostgreSQL), 200 000 (SQLite)",
        target_seconds=5.0,
        metric="total",
        setup=setup,
        run=run,
        floor=floor,
        notes="Each sample is a scan one day after the previous one (the first scan of the whole "
        "backlog is printed by the run, not sampled). Floor: the bare SELECT count(*) of the "
        "candidate assignments over the same span.",
    )
)
