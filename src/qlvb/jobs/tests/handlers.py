"""Job kinds used by the tests (imported by the tests and by the worker processes they start)."""

from __future__ import annotations

import os
import time

from django.db import connection

from qlvb.jobs.models import Job
from qlvb.jobs.registry import job_handler
from qlvb.jobs.runner import PermanentError

calls: list[tuple[int, int]] = []  # (job id, attempt) for in-process tests
EXECUTIONS_TABLE = "jobs_test_execution"


@job_handler("test.record")
def record(job: Job):
    """Records the call; fails while attempts <= payload["fail_times"]."""
    calls.append((job.pk, job.attempts))
    if job.attempts <= job.payload.get("fail_times", 0):
        raise RuntimeError(f"boom on attempt {job.attempts}")
    return {"attempt": job.attempts}


@job_handler("test.permanent")
def permanent(job: Job):
    raise PermanentError("tệp không đúng định dạng")


@job_handler("test.effect")
def effect(job: Job):
    """Idempotent: one marker row per source job, however often it runs."""
    calls.append((job.pk, job.attempts))
    Job.objects.get_or_create(
        kind="test.marker",
        payload__source=job.pk,
        defaults={"payload": {"source": job.pk}, "state": "done"},
    )


@job_handler("test.count")
def count(job: Job):
    """For the multi-process tests: one row per execution in a plain table (no unique
    constraint, so a double run shows up as two rows). Sleeps on the first attempt when asked,
    so a test can kill the worker in the middle."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {EXECUTIONS_TABLE} (job_id, worker, attempt) VALUES (%s, %s, %s)",  # noqa: S608
            [job.pk, os.getpid(), job.attempts],
        )
    if job.attempts == 1 and job.payload.get("sleep"):
        time.sleep(job.payload["sleep"])
