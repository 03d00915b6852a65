"""Audit benchmark (issue 11, "the audit log serialises every request"): 8 threads, each a
person appending 50 events, one transaction per event (a page view: the append is the
transaction's last write, then it commits), on PostgreSQL. One sample is the whole 400 events;
events/s = 400 / figure. `audit_append_16_chains` runs with the default 16 chains,
`audit_append_1_chain` with one, which is the log as it was before striping (every append
waits for the commit of the one before).

Floor: the same 400 transactions each inserting a bare event row (no hash, no head lock).
SQLite serialises writers itself, so there the threads are one."""

from __future__ import annotations

import threading
import time

from django.db import connection, connections, transaction
from django.utils import timezone

from qlvb.core.bench import Benchmark, register

THREADS, EACH, SAMPLES = 8, 50, 5


def _threads() -> int:
    return THREADS if connection.vendor == "postgresql" else 1


def setup(quick: bool):
    from qlvb.agencies.models import Agency, AgencyLevel, Person

    # Both benchmarks run in one scratch database: the second reuses the first's people.
    agency, created = Agency.objects.get_or_create(
        code="000.00.98.H15",
        defaults={"name": "Sở Bench nhật ký", "level": AgencyLevel.DEPARTMENT},
    )
    if not created:
        return {"people": list(Person.objects.filter(agency=agency).order_by("id"))}
    people = Person.objects.bulk_create(
        Person(
            username=f"audit{i}",
            full_name=f"Cán bộ {i}",
            agency=agency,
            password="!",  # noqa: S106 (unusable password marker)
        )
        for i in range(THREADS)
    )
    return {"people": people}


def _parallel(work, people) -> float:
    errors: list[Exception] = []

    def body(person):
        try:
            for i in range(EACH * THREADS // _threads()):
                work(person, i)
        except Exception as exc:  # a failed append fails the figure
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=body, args=(p,)) for p in people[: _threads()]]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return elapsed


def _append(person, i):
    from qlvb.audit.services import audit_record

    with transaction.atomic():
        audit_record(
            actor=person,
            action="document.view",
            object_type="documents.document",
            object_id=str(i),
            object_repr=f"Công văn số {i}",
        )


def _run_with(chains: int):
    def run(state, quick: bool) -> list[float]:
        from django.conf import settings

        saved = settings.QLVB_AUDIT_CHAINS
        settings.QLVB_AUDIT_CHAINS = chains
        try:
            samples = [_parallel(_append, state["people"]) for _ in range(SAMPLES)]
        finally:
            settings.QLVB_AUDIT_CHAINS = saved
        from qlvb.audit.selectors import audit_chain_verify

        report = audit_chain_verify()
        if not report.ok:
            raise AssertionError(f"chain broken at #{report.broken_at}: {report.reason}")
        events_s = [round(EACH * THREADS / s) for s in samples]
        print(f"   {chains} chain(s), {_threads()} thread(s): events/s {events_s}")
        return samples

    return run


def _bare_insert(person, i):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (occurred_at, actor_id, actor_name, action, "
            "object_type, object_id, object_repr, details, client_address, channel, chain, "
            "prev_hash, hash) VALUES (%s, %s, %s, 'bench.floor', '', %s, '', '{}', '', '', 0, "
            "'', %s)",
            [timezone.now(), person.pk, person.full_name, str(i), f"{person.pk}-{time.time_ns()}"],
        )


def floor(state, quick: bool) -> list[float]:
    samples = [_parallel(_bare_insert, state["people"]) for _ in range(SAMPLES)]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE action = 'bench.floor'")
    return samples


# The one-chain row is the reference (the log before striping), not a target of its own: its
# bound only catches a hang; what counts is the 16-chain row and the ratio between the two.
for _chains, _name, _target in (
    (16, "audit_append_16_chains", 2.0),
    (1, "audit_append_1_chain", 30.0),
):
    register(
        Benchmark(
            name=_name,
            title=f"{THREADS} people appending {EACH} audit events each, one transaction per "
            f"event, at once ({_chains} chain{'s' if _chains > 1 else ''})",
            size=f"{THREADS * EACH} events in {THREADS} threads (PostgreSQL; 1 thread on SQLite)",
            target_seconds=_target,
            metric="total",
            setup=setup,
            run=_run_with(_chains),
            floor=floor,
            notes="Each sample is all 400 events; events/s = 400 / median. Floor: the same "
            "transactions inserting a bare event row (no hash, no head lock)."
            + ("" if _chains > 1 else " Reference row: the log as it was before striping."),
        )
    )
