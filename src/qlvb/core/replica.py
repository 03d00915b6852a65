"""Report reads on a PostgreSQL replica (docs/deploy.md).

With `QLVB_REPLICA_DATABASE_URL` set, settings add a `replica` database alias and this router.
Only reads inside `replica_reads()` go to the replica (the reports: heavy, read-only, and fine a
few seconds behind); every other read and every write stays on the primary, so a person never
reads, on a page, less than what they just wrote. Without the setting the block is a no-op.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.conf import settings

REPLICA = "replica"
_reading = contextvars.ContextVar("qlvb_replica_reads", default=False)


@contextmanager
def replica_reads():
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def replica_enabled() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _reading.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both aliases

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"  # the replica follows the primary's WAL
