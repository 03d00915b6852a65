from __future__ import annotations

import time

import pyotp
import pytest
from django.test import override_settings
from django.urls import reverse

from qlvb.accounts.models import TotpState
from qlvb.accounts.services import (
    CANDIDATE_SESSION_KEY,
    MSG_CODE_INVALID,
    PENDING_SESSION_KEY,
)
from qlvb.audit.models import AuditEvent

from .conftest import PASSWORD

LOGIN = "/tai-khoan/dang-nhap/"
VERIFY = "/tai-khoan/dang-nhap/xac-thuc/"
SETUP = "/tai-khoan/xac-thuc-hai-lop/"


def code_for(person, offset_steps=0):
    totp = pyotp.TOTP(person.totp_secret)
    return totp.at(time.time(), counter_offset=offset_steps)


def wrong_code(person):
    # A well-formed code that is none of the accepted steps (current and one either side).
    totp = pyotp.TOTP(person.totp_secret)
    accepted = {totp.at(time.time(), counter_offset=k) for k in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


def password_step(client, username="lanhdao", next_url=""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def signed_in(client):
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_two_step_login(client, totp_person):
    response = password_step(client, next_url="/nhiem-vu/")
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert not signed_in(client)
    assert PENDING_SESSION_KEY in client.session
    assert not AuditEvent.objects.filter(action="auth.login").exists()

    page = client.get(VERIFY)
    assert page.status_code == 200
    assert b'name="code"' in page.content

    response = client.post(VERIFY, {"code": code_for(totp_person)})
    assert response.status_code == 302
    assert response["Location"] == "/nhiem-vu/"
    assert signed_in(client)
    assert PENDING_SESSION_KEY not in client.session
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor_id == totp_person.pk
    assert event.details == {"second_factor": True}


@pytest.mark.django_db
def test_pending_second_factor_redirects_every_page_to_verify(client, totp_person):
    password_step(client)
    for url in ("/", "/tai-khoan/doi-mat-khau/", LOGIN, "/danh-ba/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == VERIFY, url
    htmx = client.get("/", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == VERIFY
    # The API is not redirected and does not treat the session as signed in.
    assert client.get("/api/v1/openapi.json").status_code == 200
    # Cancelling (sign out) is allowed and clears the pending step.
    client.post(reverse("accounts:logout"))
    assert PENDING_SESSION_KEY not in client.session
    assert client.get(LOGIN).status_code == 200


@pytest.mark.django_db
def test_wrong_code_refused_and_counted(client, totp_person):
    password_step(client)
    response = client.post(VERIFY, {"code": wrong_code(totp_person)})
    assert response.status_code == 200
    assert MSG_CODE_INVALID in response.content.decode()
    assert not signed_in(client)
    totp_person.refresh_from_db()
    assert totp_person.failed_login_count == 1
    event = AuditEvent.objects.filter(action="auth.login_failed").last()
    assert event.details["reason"] == "wrong_totp"


@pytest.mark.django_db
def test_code_cannot_be_reused(client, totp_person):
    code = code_for(totp_person)
    password_step(client)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post(reverse("accounts:logout"))

    password_step(client)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert MSG_CODE_INVALID in response.content.decode()
    assert not signed_in(client)


@pytest.mark.django_db
def test_one_step_of_clock_drift_is_accepted_two_are_not(client, totp_person):
    password_step(client)
    response = client.post(VERIFY, {"code": code_for(totp_person, -2)})
    assert response.status_code == 200
    response = client.post(VERIFY, {"code": code_for(totp_person, -1)})
    assert response.status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
def test_an_older_step_is_refused_after_a_newer_one(client, totp_person):
    password_step(client)
    assert client.post(VERIFY, {"code": code_for(totp_person, +1)}).status_code == 302
    client.post(reverse("accounts:logout"))
    password_step(client)
    assert client.post(VERIFY, {"code": code_for(totp_person, 0)}).status_code == 200
    assert not signed_in(client)


@pytest.mark.django_db
@override_settings(QLVB_LOGIN_MAX_FAILURES=3)
def test_failed_codes_lock_the_account(client, totp_person):
    bad = wrong_code(totp_person)
    password_step(client)
    client.post(VERIFY, {"code": bad})
    client.post(VERIFY, {"code": bad})
    response = client.post(VERIFY, {"code": bad})
    assert "tạm thời bị khóa" in response.content.decode()
    assert PENDING_SESSION_KEY not in client.session
    totp_person.refresh_from_db()
    assert totp_person.locked_until is not None
    # Locked: even the right password does not reach the code step.
    response = password_step(client)
    assert response.status_code == 200
    assert "tạm thời bị khóa" in response.content.decode()


@pytest.mark.django_db
@override_settings(QLVB_LOGIN_MAX_FAILURES=3)
def test_password_step_does_not_reset_the_counter_for_totp_people(client, totp_person):
    bad = wrong_code(totp_person)
    password_step(client)
    client.post(VERIFY, {"code": bad})
    client.post(VERIFY, {"code": bad})
    client.post(reverse("accounts:logout"))
    password_step(client)  # the right password again
    client.post(VERIFY, {"code": bad})
    totp_person.refresh_from_db()
    assert totp_person.locked_until is not None


@pytest.mark.django_db
def test_verify_page_without_pending_goes_to_login(client):
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response["Location"] == LOGIN


@pytest.mark.django_db
def test_pending_step_expires(client, totp_person):
    password_step(client)
    session = client.session
    session[PENDING_SESSION_KEY] = {**session[PENDING_SESSION_KEY], "started": 0}
    session.save()
    response = client.post(VERIFY, {"code": code_for(totp_person)})
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert not signed_in(client)


@pytest.mark.django_db
def test_enrolment_needs_a_valid_code(client, person):
    client.force_login(person)
    page = client.get(SETUP)
    assert page.status_code == 200
    assert b"<svg" in page.content
    secret = client.session[CANDIDATE_SESSION_KEY]
    assert secret.replace(" ", "")[:4].encode() in page.content
    # Reloading keeps the same secret (the QR code the person scanned stays valid).
    client.get(SETUP)
    assert client.session[CANDIDATE_SESSION_KEY] == secret

    response = client.post(SETUP, {"action": "enable", "code": "12345x"})
    assert response.status_code == 200
    person.refresh_from_db()
    assert not person.totp_enabled

    code = pyotp.TOTP(secret).now()
    response = client.post(SETUP, {"action": "enable", "code": code})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.totp_enabled
    assert person.totp_secret == secret
    assert CANDIDATE_SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action="auth.totp_enable", actor_id=person.pk).exists()
    assert TotpState.objects.get(person=person).last_step > 0

    # The code used to enrol cannot be used again to sign in.

    client.post(reverse("accounts:logout"))
    response = password_step(client, "vanthu")
    assert response["Location"] == VERIFY
    assert client.post(VERIFY, {"code": code}).status_code == 200
    assert not signed_in(client)


@pytest.mark.django_db
def test_disable_needs_a_valid_code(client, totp_person):
    client.force_login(totp_person)
    page = client.get(SETUP)
    assert b'value="disable"' in page.content
    bad = wrong_code(totp_person)
    response = client.post(SETUP, {"action": "disable", "code": bad})
    assert response.status_code == 200
    totp_person.refresh_from_db()
    assert totp_person.totp_enabled
    assert totp_person.failed_login_count == 1
    response = client.post(SETUP, {"action": "disable", "code": code_for(totp_person)})
    assert response.status_code == 302
    totp_person.refresh_from_db()
    assert not totp_person.totp_enabled
    assert totp_person.totp_secret == ""
    assert AuditEvent.objects.filter(action="auth.totp_disable").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["superuser", "agency_admin"])
def test_required_for_admins_sends_them_to_enrolment(client, make_person, kind):
    if kind == "superuser":
        admin = make_person("admin", is_superuser=True)
    else:
        admin = make_person("quantri", roles=["admin"])
    with override_settings(QLVB_REQUIRE_2FA_FOR_ADMINS=True):
        response = client.post(LOGIN, {"username": admin.username, "password": PASSWORD})
        assert response.status_code == 302
        response = client.get(response["Location"])
        assert response.status_code == 302
        assert response["Location"] == SETUP
        for url in ("/", "/danh-ba/", "/tai-khoan/doi-mat-khau/"):
            assert client.get(url)["Location"] == SETUP
        page = client.get(SETUP)
        assert page.status_code == 200
        assert b'data-testid="totp-required"' in page.content
        secret = client.session[CANDIDATE_SESSION_KEY]
        client.post(SETUP, {"action": "enable", "code": pyotp.TOTP(secret).now()})
        assert client.get("/").status_code == 200
        # Required: it cannot be turned off.
        admin.refresh_from_db()
        page = client.get(SETUP)
        assert b'value="disable"' not in page.content
        response = client.post(SETUP, {"action": "disable", "code": code_for(admin, 1)})
        admin.refresh_from_db()
        assert admin.totp_enabled


@pytest.mark.django_db
def test_required_setting_off_leaves_admins_alone(client, make_person):
    admin = make_person("admin", is_superuser=True)
    with override_settings(QLVB_REQUIRE_2FA_FOR_ADMINS=False):
        client.force_login(admin)
        assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_required_setting_does_not_touch_other_people(client, person):
    with override_settings(QLVB_REQUIRE_2FA_FOR_ADMINS=True):
        client.force_login(person)
        assert client.get("/").status_code == 200
