"""Real worker processes against PostgreSQL: several workers never run the same row, a killed
worker's row is taken over after its lease, and `qlvb worker` consumes the queue.

The worker processes use the test database by name (DATABASE_URL), so the tests commit for
real (transaction=True) and clean up their own table."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from qlvb.jobs import runner, tasks
from qlvb.jobs.models import Job, WorkState
from qlvb.jobs.tests.handlers import EXECUTIONS_TABLE

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL (set DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]

DRAIN = """
import os, sys, time
from pathlib import Path
import django
django.setup()
import qlvb.jobs.tests.handlers
from qlvb.jobs import runner
# Start together: both workers must really compete for the same rows.
ready = Path(sys.argv[1])
(ready / str(os.getpid())).touch()
deadline = time.monotonic() + 30
while len(list(ready.iterdir())) < int(sys.argv[2]) and time.monotonic() < deadline:
    time.sleep(0.01)
print(runner.run_due(batch=25), flush=True)
"""


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(tmp_path: Path, **extra) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "QLVB_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "qlvb.settings",
        "QLVB_HUEY_IMMEDIATE": "1",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture
def executions():
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {EXECUTIONS_TABLE} "
            "(id bigserial PRIMARY KEY, job_id bigint NOT NULL, worker int, attempt int)"
        )
        cursor.execute(f"TRUNCATE {EXECUTIONS_TABLE}")

    def rows():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT job_id, worker, attempt FROM {EXECUTIONS_TABLE} ORDER BY id"  # noqa: S608
            )
            return cursor.fetchall()

    yield rows
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {EXECUTIONS_TABLE}")


def test_two_worker_processes_run_every_row_exactly_once(tmp_path, executions):
    jobs = Job.objects.bulk_create([Job(kind="test.count", payload={}) for _ in range(200)])
    ready = tmp_path / "ready"
    ready.mkdir()
    env = worker_env(tmp_path)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", DRAIN, str(ready), "2"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err

    rows = executions()
    ran = [job_id for job_id, _, _ in rows]
    assert sorted(ran) == sorted(j.pk for j in jobs)  # every row, none twice
    assert Job.objects.filter(state=WorkState.DONE, attempts=1).count() == 200
    # Both workers took part (otherwise this proves nothing about concurrency).
    per_worker = {w: sum(1 for _, x, _ in rows if x == w) for w in {p.pid for p in procs}}
    assert all(n > 0 for n in per_worker.values()), (per_worker, outputs)


def test_a_killed_worker_leaves_a_lease_the_sweep_takes_over(tmp_path, executions):
    job = Job.objects.create(kind="test.count", payload={"sleep": 60})
    ready = tmp_path / "ready"
    ready.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", DRAIN, str(ready), "1"],
        env=worker_env(tmp_path, QLVB_JOB_LEASE_SECONDS=3),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not executions() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert executions(), "the worker never started the job"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    job.refresh_from_db()
    assert job.state == WorkState.RUNNING
    assert f":{proc.pid}:" in job.leased_by
    assert job.lease_until > timezone.now()
    # While the lease holds, nobody takes the row over.
    report = runner.sweep()
    assert ("jobs.job", job.pk) not in report.nudged
    assert runner.run_item("jobs.job", job.pk) == "skipped"

    time.sleep(max(0.0, (job.lease_until - timezone.now()).total_seconds()) + 0.2)
    tasks.sweep.call_local()  # immediate queue: the nudge runs here

    job.refresh_from_db()
    assert job.state == WorkState.DONE
    assert job.attempts == 2
    assert [(w, a) for _, w, a in executions()] == [(proc.pid, 1), (os.getpid(), 2)]


def test_qlvb_worker_consumes_the_queue(tmp_path):
    from huey import SqliteHuey

    env = worker_env(tmp_path)
    del env["QLVB_HUEY_IMMEDIATE"]
    queue_file = tmp_path / "data" / "huey.sqlite3"
    queue_file.parent.mkdir(parents=True)
    # The worker's queue (the test process itself runs huey in immediate mode).
    queue = SqliteHuey("qlvb", filename=str(queue_file))
    queue._registry.register(tasks.run_item_task.task_class)
    ping = Job.objects.create(kind="jobs.ping")
    broken = Job.objects.create(kind="no.such.kind")
    for job in (ping, broken):
        queue.enqueue(tasks.run_item_task.s("jobs.job", job.pk))

    qlvb = Path(sys.executable).with_name("qlvb")
    proc = subprocess.Popen(
        [str(qlvb), "worker", "--workers", "2", "--no-periodic"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            states = set(
                Job.objects.filter(pk__in=[ping.pk, broken.pk]).values_list("state", flat=True)
            )
            if states <= {WorkState.DONE, WorkState.FAILED} and proc.poll() is None:
                break
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGINT)  # huey's graceful shutdown
        try:
            output, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()

    ping.refresh_from_db()
    broken.refresh_from_db()
    assert ping.state == WorkState.DONE, output
    assert ping.result["pid"] != os.getpid()
    assert broken.state == WorkState.FAILED
    assert "no.such.kind" in broken.last_error
    assert timezone.now() - ping.finished_at < timedelta(minutes=1)
