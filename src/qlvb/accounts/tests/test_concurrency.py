"""Concurrent failed sign-ins on PostgreSQL: every failure counts and exactly one locks."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import RequestFactory, override_settings

from qlvb.accounts.services import login_attempt
from qlvb.agencies.models import Agency, AgencyLevel, Person
from qlvb.audit.models import AuditEvent
from qlvb.audit.selectors import audit_chain_verify

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL (set DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]


@override_settings(QLVB_LOGIN_MAX_FAILURES=5)
def test_parallel_failures_lock_exactly_once():
    agency = Agency.objects.create(
        code="000.00.01.H15", name="VP", short_name="VP", level=AgencyLevel.PROVINCE
    )
    person = Person.objects.create_user("song.song", "mat-khau-dung-2026", agency=agency)
    barrier = threading.Barrier(8)
    results = []

    def attempt():
        try:
            request = RequestFactory().post("/tai-khoan/dang-nhap/")
            request.session = SessionStore()
            barrier.wait()
            results.append(login_attempt(request=request, username="song.song", password="sai"))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 8
    person.refresh_from_db()
    assert person.locked_until is not None
    assert AuditEvent.objects.filter(action="auth.locked").count() == 1
    # 8 failures: 5 locked the account (counter reset to 0), those after it either counted
    # (before they saw the lock) or were refused as locked; none was lost.
    failed = AuditEvent.objects.filter(action="auth.login_failed")
    assert failed.count() == 8
    counted = failed.filter(details__reason="wrong_password").count()
    assert counted - 5 == person.failed_login_count
    assert audit_chain_verify().ok
