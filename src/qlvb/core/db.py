"""The database connection's small settings of qlvb's own.

PostgreSQL time stamps: Django reads every `timestamptz` through a loader subclassed from
psycopg's pure-Python one (to make it aware in UTC), so the compiled loader of psycopg's binary
package is never used: ~2.5 µs of regular expressions a value, ~270 values on a list page of
50 documents. `UtcTimestamptzLoader` hands the parsing to the compiled loader and keeps Django's
contract (aware, in UTC, whatever the session's TimeZone); installed on each new connection."""

from __future__ import annotations

import datetime as dt

from django.db.backends.signals import connection_created


def _compiled_loader():
    try:
        from psycopg import _cmodule
    except ImportError:  # psycopg 2 or no psycopg: nothing to do
        return None
    return getattr(_cmodule._psycopg, "TimestamptzLoader", None) if _cmodule._psycopg else None


def _utc_loader_class(compiled):
    from psycopg.adapt import Loader

    class UtcTimestamptzLoader(Loader):
        timezone = dt.UTC  # what Django's create_cursor compares with its own time zone

        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._load = compiled(oid, context).load

        def load(self, data):
            return self._load(data).astimezone(dt.UTC)

    return UtcTimestamptzLoader


def _on_connection(sender, connection, **kwargs):
    if connection.vendor != "postgresql" or connection.timezone is not dt.UTC:
        return  # USE_TZ off or another zone: Django's own loader stays
    loader = _loader[0]
    if loader is not None:
        connection.connection.adapters.register_loader("timestamptz", loader)


_loader: list = [None]


def install() -> None:
    """Called once from the core app's ready()."""
    compiled = _compiled_loader()
    if compiled is not None:
        _loader[0] = _utc_loader_class(compiled)
        connection_created.connect(_on_connection, dispatch_uid="qlvb-utc-timestamptz")
