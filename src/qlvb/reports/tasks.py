"""Background work of the reports app: one legacy register file per job."""

from __future__ import annotations

from qlvb.jobs.registry import job_handler
from qlvb.reports.services import IMPORT_JOB, register_import_run


@job_handler(IMPORT_JOB)
def import_register_job(job):
    item = register_import_run(job.payload["import_id"])
    return {"state": item.state, "created": item.created_count, "skipped": item.skipped_count}
