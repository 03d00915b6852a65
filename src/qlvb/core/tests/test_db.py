"""The compiled time-stamp loader on PostgreSQL (core/db.py): same values as Django's own."""

import datetime as dt

import pytest
from django.db import connection

from qlvb.core import db

pytestmark = pytest.mark.django_db


def _postgres():
    if connection.vendor != "postgresql":
        pytest.skip("psycopg's loaders are PostgreSQL's")


def test_timestamps_are_read_by_the_compiled_loader_aware_in_utc():
    _postgres()
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(1184, 0)  # timestamptz, text
        assert loader is db._loader[0]
        cursor.execute(
            "SELECT '2026-03-04 09:05:06.123456+07'::timestamptz, NULL::timestamptz, "
            "'0001-01-01 00:00:00+00'::timestamptz"
        )
        moment, nothing, first = cursor.fetchone()
    assert moment == dt.datetime(2026, 3, 4, 2, 5, 6, 123456, tzinfo=dt.UTC)
    assert moment.tzinfo is dt.UTC
    assert nothing is None
    assert first == dt.datetime(1, 1, 1, tzinfo=dt.UTC)


def test_a_session_in_another_zone_still_reads_the_same_instant():
    _postgres()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'Asia/Ho_Chi_Minh'")
        cursor.execute("SELECT '2026-03-04 00:30:00+00'::timestamptz")
        (moment,) = cursor.fetchone()
    assert moment == dt.datetime(2026, 3, 4, 0, 30, tzinfo=dt.UTC)
    assert moment.tzinfo is dt.UTC


def test_a_model_reads_back_what_it_wrote():
    _postgres()
    from django.contrib.sessions.models import Session

    written = dt.datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
    Session.objects.create(session_key="k" * 32, session_data="", expire_date=written)
    read = Session.objects.get(session_key="k" * 32).expire_date
    assert read == written
    assert read.tzinfo is dt.UTC
    assert Session.objects.filter(expire_date__lt=written + dt.timedelta(microseconds=1)).exists()
