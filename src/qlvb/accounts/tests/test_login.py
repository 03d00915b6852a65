from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from qlvb.accounts.services import MSG_INACTIVE, MSG_INVALID
from qlvb.agencies.models import Person
from qlvb.audit.models import AuditEvent

from .conftest import PASSWORD

LOGIN = "/tai-khoan/dang-nhap/"


def post_login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def actions():
    return list(AuditEvent.objects.values_list("action", flat=True))


def test_urls_are_under_tai_khoan():
    assert reverse("accounts:login") == LOGIN
    assert reverse("accounts:logout") == "/tai-khoan/dang-xuat/"


@pytest.mark.django_db
def test_login_page_renders(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content
    assert b"csrfmiddlewaretoken" in response.content


@pytest.mark.django_db
def test_password_is_hashed_with_argon2(person):
    assert person.password.startswith("argon2")


@pytest.mark.django_db
def test_login_ok_goes_home_and_is_audited(client, person):
    response = post_login(client, "vanthu", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).status_code == 200
    assert int(client.session["_auth_user_id"]) == person.pk
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor_id == person.pk
    assert event.agency_id == person.agency_id
    assert event.client_address == "127.0.0.1"
    assert event.channel == "web"


@pytest.mark.django_db
def test_login_follows_safe_next_only(client, person):
    response = post_login(client, "vanthu", PASSWORD, next="/van-ban-den/")
    assert response["Location"] == "/van-ban-den/"
    client.post(reverse("accounts:logout"))
    response = post_login(client, "vanthu", PASSWORD, next="https://evil.example/x")
    assert response["Location"] == reverse("web:home")


@pytest.mark.django_db
def test_login_username_case_insensitive_when_unambiguous(client, person):
    response = post_login(client, "VanThu", PASSWORD)
    assert response.status_code == 302


@pytest.mark.django_db
def test_wrong_password_and_unknown_user_get_the_same_message(client, person):
    wrong = post_login(client, "vanthu", "sai-mat-khau")
    unknown = post_login(client, "khongco", "sai-mat-khau")
    assert wrong.status_code == unknown.status_code == 200
    assert MSG_INVALID in wrong.content.decode()
    assert MSG_INVALID in unknown.content.decode()
    assert "_auth_user_id" not in client.session
    failures = AuditEvent.objects.filter(action="auth.login_failed").order_by("id")
    assert [e.details["reason"] for e in failures] == ["wrong_password", "unknown_user"]
    assert failures[0].object_id == str(person.pk)
    assert failures[1].details["username"] == "khongco"
    person.refresh_from_db()
    assert person.failed_login_count == 1


@pytest.mark.django_db
def test_inactive_person_cannot_sign_in(client, make_person):
    make_person("nghiviec", is_active=False)
    response = post_login(client, "nghiviec", PASSWORD)
    assert response.status_code == 200
    assert MSG_INACTIVE in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Without the right password an inactive account looks like any wrong password.
    response = post_login(client, "nghiviec", "sai-mat-khau")
    assert MSG_INVALID in response.content.decode()


@pytest.mark.django_db
def test_deactivated_person_loses_the_session(client, person):
    post_login(client, "vanthu", PASSWORD)
    Person.objects.filter(pk=person.pk).update(is_active=False)
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.django_db
@override_settings(QLVB_LOGIN_MAX_FAILURES=3, QLVB_LOGIN_LOCK_MINUTES=15)
def test_lockout_after_max_failures_then_unlock(client, person):
    for _ in range(2):
        assert MSG_INVALID in post_login(client, "vanthu", "sai").content.decode()
    response = post_login(client, "vanthu", "sai")
    body = response.content.decode()
    assert "tạm thời bị khóa" in body
    person.refresh_from_db()
    assert person.locked_until is not None
    assert person.locked_until - timezone.now() > timedelta(minutes=14)
    local = timezone.localtime(person.locked_until)
    assert f"{local:%H:%M}" in body
    assert actions().count("auth.locked") == 1

    # The right password is still refused while locked, and does not reset anything.
    response = post_login(client, "vanthu", PASSWORD)
    assert "tạm thời bị khóa" in response.content.decode()
    assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.filter(action="auth.login_failed").last()
    assert failed.details["reason"] == "locked"

    # The period ends: the right password works and the counters are reset.
    Person.objects.filter(pk=person.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    response = post_login(client, "vanthu", PASSWORD)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.failed_login_count == 0
    assert person.locked_until is None


@pytest.mark.django_db
@override_settings(QLVB_LOGIN_MAX_FAILURES=3)
def test_after_a_lock_expires_the_counter_starts_again(client, person):
    for _ in range(3):
        post_login(client, "vanthu", "sai")
    Person.objects.filter(pk=person.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    # One more failure after the lock is not enough to lock again.
    response = post_login(client, "vanthu", "sai")
    assert MSG_INVALID in response.content.decode()
    person.refresh_from_db()
    assert person.failed_login_count == 1


@pytest.mark.django_db
@override_settings(QLVB_LOGIN_MAX_FAILURES=3)
def test_success_resets_the_failure_counter(client, person):
    post_login(client, "vanthu", "sai")
    post_login(client, "vanthu", "sai")
    assert post_login(client, "vanthu", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    post_login(client, "vanthu", "sai")
    post_login(client, "vanthu", "sai")
    person.refresh_from_db()
    assert person.locked_until is None
    assert person.failed_login_count == 2


@pytest.mark.django_db
def test_unknown_usernames_never_lock(client, person):
    for _ in range(8):
        response = post_login(client, "khongco", "sai")
    assert MSG_INVALID in response.content.decode()
    assert "auth.locked" not in actions()


@pytest.mark.django_db
def test_logout_is_post_only_and_audited(client, person):
    post_login(client, "vanthu", PASSWORD)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.logout")
    assert event.actor_id == person.pk


@pytest.mark.django_db
def test_signed_in_person_visiting_login_goes_home(client, person):
    client.force_login(person)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")


@pytest.mark.django_db
def test_login_rotates_the_session_key(client, person):
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    post_login(client, "vanthu", PASSWORD)
    assert client.session.session_key != before


@pytest.mark.django_db
def test_audit_chain_still_verifies_after_sign_in_events(client, person):
    post_login(client, "vanthu", "sai")
    post_login(client, "khongco", "sai")
    post_login(client, "vanthu", PASSWORD)
    client.post(reverse("accounts:logout"))
    from django.core.management import call_command

    call_command("audit", "verify")
