"""huey tasks: thin. They carry a nudge ("process row pk of model label"); the state of the work
is in the database (see runner.py)."""

from __future__ import annotations

import logging
import os
import socket

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from qlvb.jobs import runner
from qlvb.jobs.registry import job_handler

logger = logging.getLogger("qlvb.jobs")


@db_task()
def run_item_task(label: str, pk) -> None:
    try:
        runner.run_item(label, pk)
    except LookupError:
        # A nudge for a model this worker's code does not know (rolling upgrade): the row stays
        # pending and a worker that knows it will take it.
        logger.warning("no handler for %s (row %s); left for another worker", label, pk)


@db_periodic_task(crontab(minute="*"))
def sweep() -> None:
    report = runner.sweep()
    for label, pk in report.nudged:
        run_item_task(label, pk)
    if report.nudged or report.failed_expired:
        logger.info(
            "sweep: nudged %s rows, failed %s expired", len(report.nudged), report.failed_expired
        )


@job_handler("jobs.ping")
def ping(job) -> dict:
    """`qlvb jobs ping`: proves a worker is consuming the queue; says which one."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "at": timezone.now().isoformat()}
