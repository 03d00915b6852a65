"""A worker killed in the middle of the deadline scan leaves nothing half-done; the scan run
again (by another worker, then once more) notifies each person exactly once."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings

from qlvb.jobs.tests.test_workers import worker_env
from qlvb.notifications import deadlines
from qlvb.notifications.models import Message, Notification
from qlvb.notifications.tests.test_deadlines import at, items  # noqa: F401 (fixture)

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL (set DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]

SCAN = """
import sys, time, datetime as dt, pathlib
import django
django.setup()
from django.utils import timezone
from qlvb.notifications import deadlines
now = dt.datetime(2026, 12, 2, 9, 0, tzinfo=timezone.get_default_timezone())
def pause():
    pathlib.Path(sys.argv[1]).touch()
    time.sleep(120)
deadlines.scan(now=now, pause=pause)
"""


def test_scan_killed_midway_then_run_twice_notifies_once(items, tmp_path):  # noqa: F811
    from qlvb.documents.defaults import ensure_document_types

    ensure_document_types()
    marker = tmp_path / "paused"
    proc = subprocess.Popen(
        [sys.executable, "-c", SCAN, str(marker)],
        env=worker_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert marker.exists(), proc.stderr.read() if proc.poll() is not None else "no pause"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    # The killed scan's rows were never committed.
    assert not Notification.objects.exclude(rule="").exists()
    first = deadlines.scan(now=at(2))
    second = deadlines.scan(now=at(2, 10))
    assert first.notifications == 3 and second.notifications == 0
    assert Notification.objects.exclude(rule="").count() == 3
    assert Message.objects.count() == 2
