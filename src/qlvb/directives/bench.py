"""Directives benchmarks (issue 7, "Measured"): the tracking screen of Văn phòng UBND tỉnh's
tracking officer over the province-sized dataset of `qlvb generate` (1,000,000 documents give
~100,000 tasks over 220 agencies), and its drill-down to the agency with the most overdue tasks.

The dataset is the incoming benchmarks' (qlvb.incoming.bench.ensure_dataset), reused between
runs; one that predates the generator's tasks is reported as such rather than measured empty.
"""

from __future__ import annotations

import functools
import time

from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from qlvb.core.bench import Benchmark, register, timed
from qlvb.incoming.bench import _reps, _size, _words, ensure_dataset, use_database

TARGET = 0.200
OFFICE = "000.00.01.H15"


@functools.cache
def _context(quick: bool) -> dict:
    from qlvb.agencies.models import Person
    from qlvb.directives.models import Task, TaskPeriod
    from qlvb.directives.selectors import tracking_counts

    name = ensure_dataset(quick)
    with use_database(name):
        tasks = Task.objects.count()
        if not tasks:
            raise RuntimeError(
                f"the dataset {name} has no tasks (generated before `qlvb generate` made them): "
                "drop it and run the benchmarks again"
            )
        viewer = (
            Person.objects.filter(roles__role="tracking", agency__code=OFFICE)
            .order_by("id")
            .first()
        )
        rows = tracking_counts(viewer=viewer, now=timezone.now())
        worst = max(rows, key=lambda r: r["overdue"])
        out = {
            "db": name,
            "pk": viewer.pk,
            "worst": worst["lead_agency_id"],
            "tasks": tasks,
            "periods": TaskPeriod.objects.count(),
            "agencies": len(rows),
        }
    documents, _ = _size(quick)
    size = (
        f"{_words(documents)}; {_words(tasks).replace('documents', 'tasks')} "
        f"({_words(out['periods']).replace('documents', 'periods')}) over {len(rows)} agencies"
    )
    for bench in (tracking, drilldown):
        bench.size = size
    return out


def _viewer(state):
    from qlvb.agencies.models import Person

    return Person.objects.select_related("agency").get(pk=state["pk"])


def _tracking_run(state, quick: bool) -> list[float]:
    from qlvb.directives.views import tracking_view

    factory = RequestFactory()
    samples = []
    with use_database(state["db"]):
        for i in range(_reps(quick) + 2):
            request = factory.get("/nhiem-vu/")
            request.user = _viewer(state)  # a request loads its user
            took = timed(lambda r=request: tracking_view(r).content)  # rendered by render()
            if i >= 2:
                samples.append(took)
    return samples


def _bare(compiled: list[tuple[str, tuple]], quick: bool) -> list[float]:
    """The queries run one after the other on the raw cursor, timed together."""
    samples = []
    with connection.cursor() as raw:
        for i in range(_reps(quick) + 2):
            start = time.perf_counter()
            for sql, params in compiled:
                raw.execute(sql, params)
                raw.fetchall()
            if i >= 2:
                samples.append(time.perf_counter() - start)
    return samples


def _tracking_floor(state, quick: bool) -> list[float]:
    """The two grouped count queries tracking_counts sends, bare (no names, no template)."""
    from qlvb.directives.selectors import tracking_count_queries

    with use_database(state["db"]):
        queries = tracking_count_queries(viewer=_viewer(state), now=timezone.now())
        return _bare([q.query.sql_with_params() for q in queries], quick)


def _drill_query(state):
    from qlvb.agencies.models import Agency
    from qlvb.directives.selectors import period_list

    return period_list(
        viewer=_viewer(state),
        now=timezone.now(),
        agency=Agency.objects.get(pk=state["worst"]),
    )[:50]


def _drill_run(state, quick: bool) -> list[float]:
    samples = []
    with use_database(state["db"]):
        for i in range(_reps(quick) + 2):
            took = timed(lambda: list(_drill_query(state)))
            if i >= 2:
                samples.append(took)
    return samples


def _drill_floor(state, quick: bool) -> list[float]:
    with use_database(state["db"]):
        return _bare([_drill_query(state).query.sql_with_params()], quick)


tracking = register(
    Benchmark(
        name="directives_tracking_screen",
        title="tracking screen of Văn phòng UBND tỉnh's tracking officer: every agency with its "
        "counts by computed status (tracking_view rendered: counts, queue, urges), server time",
        size="",
        target_seconds=TARGET,
        metric="p95",
        setup=_context,
        run=_tracking_run,
        floor=_tracking_floor,
        notes="Floor: the two grouped queries over task periods (finished / not, each from its "
        "partial index), run bare.",
    )
)
drilldown = register(
    Benchmark(
        name="directives_tracking_drilldown",
        title="drill-down from the tracking screen to the agency with the most overdue tasks: "
        "period_list, first 50 rows, overdue first, server time",
        size="",
        target_seconds=TARGET,
        metric="p95",
        setup=_context,
        run=_drill_run,
        floor=_drill_floor,
        notes="Floor: the SQL period_list sends, run bare.",
    )
)
