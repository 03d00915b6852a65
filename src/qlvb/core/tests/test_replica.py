"""The reports' replica router with two database aliases on one server (the same SQLite file
under both names), in a process of its own: settings read QLVB_REPLICA_DATABASE_URL at start."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from qlvb.core.replica import ReplicaRouter, replica_reads

CHECK = textwrap.dedent(
    """
    from django.db import connections
    from django.test.utils import CaptureQueriesContext
    from qlvb.agencies.models import Agency
    from qlvb.core.replica import replica_reads
    from qlvb.directives.models import Task

    assert Agency.objects.all().db == "default"
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        with CaptureQueriesContext(connections["default"]) as on_primary:
            with replica_reads():
                assert Task.objects.all().db == "replica"
                seen = Agency.objects.count()
                agency = Agency.objects.create(code="000.00.99.H15", name="Cơ quan thử")
            assert Agency.objects.filter(pk=agency.pk).exists()
    assert any("agencies_agency" in q["sql"] and "COUNT" in q["sql"] for q in on_replica)
    assert not any("INSERT" in q["sql"] for q in on_replica)
    assert any("INSERT" in q["sql"] for q in on_primary)
    with replica_reads():
        assert Agency.objects.count() == seen + 1  # the same data under both names
    print("replica-ok")
    """
)


def test_report_reads_go_to_the_replica_and_writes_to_the_primary(tmp_path):
    url = f"sqlite:///{tmp_path / 'one.sqlite3'}"
    env = {
        **os.environ,
        "QLVB_DATA_DIR": str(tmp_path),
        "DATABASE_URL": url,
        "QLVB_REPLICA_DATABASE_URL": url,
    }
    qlvb = [sys.executable, "-m", "qlvb"]
    subprocess.run([*qlvb, "migrate", "-v0"], env=env, check=True, timeout=600)
    done = subprocess.run(
        [*qlvb, "shell", "-c", CHECK], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "replica-ok" in done.stdout


def test_router_outside_a_report_block_and_migrations():
    router = ReplicaRouter()
    assert router.db_for_read(None) == "default"
    with replica_reads():
        assert router.db_for_read(None) == "replica"
        assert router.db_for_write(None) == "default"
    assert router.db_for_read(None) == "default"
    assert router.allow_migrate("replica", "agencies") is False
    assert router.allow_migrate("default", "agencies") is True


@pytest.mark.parametrize("nested", [1, 2])
def test_blocks_nest(nested):
    router = ReplicaRouter()
    with replica_reads():
        if nested == 2:
            with replica_reads():
                pass
        assert router.db_for_read(None) == "replica"
