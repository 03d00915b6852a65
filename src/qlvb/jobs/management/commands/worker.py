"""`qlvb worker`: run background work (the huey consumer, with the periodic sweep).

Run one per machine, or several: rows are claimed one UPDATE at a time, so workers never run the
same row at once. With the default SQLite queue all workers must share QLVB_DATA_DIR (one
machine); across machines set QLVB_HUEY_URL=redis://... ."""

from __future__ import annotations

import logging

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Chạy tác vụ nền (huey consumer kèm quét định kỳ)."

    def add_arguments(self, parser):
        parser.add_argument(
            "-w", "--workers", type=int, default=None, help="số luồng/tiến trình xử lý"
        )
        parser.add_argument(
            "-k",
            "--worker-type",
            choices=["thread", "process", "greenlet"],
            default=None,
            help="kiểu xử lý (mặc định: thread)",
        )
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="không chạy quét định kỳ ở tiến trình này",
        )

    def handle(self, *args, workers=None, worker_type=None, no_periodic=False, **options):
        kwargs = {}
        if workers:
            kwargs["workers"] = workers
        if worker_type:
            kwargs["worker_type"] = worker_type
        if no_periodic:
            kwargs["periodic"] = False
        # run_huey gives the "huey" logger its own handler; without this every line would also
        # reach the root handler and be printed twice.
        logging.getLogger("huey").propagate = False
        call_command("run_huey", **kwargs)
