from __future__ import annotations

import hashlib
from datetime import timedelta

import pyotp
import pytest
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from qlvb.accounts import services
from qlvb.accounts.auth import ApiClient, ApiTokenAuth, SessionAuth, api_auth
from qlvb.accounts.models import ApiToken
from qlvb.agencies.models import Agency
from qlvb.audit.models import AuditEvent
from qlvb.core.errors import Conflict, PermissionDenied, ValidationFailed

from .conftest import PASSWORD

WHO = "/api/test/who"
pytestmark = pytest.mark.urls("qlvb.accounts.tests.urls_api")


@pytest.fixture
def admin(make_person):
    return make_person("quantri", roles=["admin"], full_name="Quản Trị Viên")


@pytest.fixture
def token_and_secret(admin, agency):
    return services.api_token_create(actor=admin, agency=agency, name="Cổng dịch vụ công")


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


# --- services ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_agency_admin_creates_token_secret_shown_once(admin, agency):
    token, secret = services.api_token_create(actor=admin, agency=agency, name=" Hệ thống A ")
    assert token.name == "Hệ thống A"
    assert token.prefix == secret[:8]
    assert len(secret) >= 40
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert token.is_active
    assert token.created_by == admin
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.actor_id == admin.pk
    assert event.agency_id == agency.pk
    assert event.details == {"name": "Hệ thống A", "prefix": token.prefix}
    assert secret not in str(event.details)


@pytest.mark.django_db
def test_only_admins_of_that_agency_or_superusers_create(make_person, agency, other_agency):
    clerk = make_person("vanthu", roles=["clerk"])
    other_admin = make_person("quantri.stp", roles=["admin"], person_agency=other_agency)
    superuser = make_person("admin", is_superuser=True)
    with pytest.raises(PermissionDenied):
        services.api_token_create(actor=clerk, agency=agency, name="X")
    with pytest.raises(PermissionDenied):
        services.api_token_create(actor=other_admin, agency=agency, name="X")
    token, _ = services.api_token_create(actor=superuser, agency=other_agency, name="X")
    assert token.agency == other_agency
    assert ApiToken.objects.count() == 1


@pytest.mark.django_db
def test_name_is_required(admin, agency):
    with pytest.raises(ValidationFailed) as caught:
        services.api_token_create(actor=admin, agency=agency, name="   ")
    assert "name" in caught.value.errors
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_revoke(admin, make_person, token_and_secret):
    token, secret = token_and_secret
    clerk = make_person("vanthu", roles=["clerk"])
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=clerk, token=token)
    services.api_token_revoke(actor=admin, token=token)
    token.refresh_from_db()
    assert not token.is_active
    assert AuditEvent.objects.filter(action="api_token.revoke", actor_id=admin.pk).exists()
    with pytest.raises(Conflict):
        services.api_token_revoke(actor=admin, token=token)
    assert services.api_token_authenticate(secret=secret) is None


# --- auth classes called directly ------------------------------------------------------------


@pytest.mark.django_db
def test_bearer_auth_returns_api_client(token_and_secret, agency):
    token, secret = token_and_secret
    request = RequestFactory().get("/api/v1/x", headers=bearer(secret))
    client = ApiTokenAuth()(request)
    assert isinstance(client, ApiClient)
    assert client.is_token is True
    assert client.agency == agency
    assert client.agency_id == agency.pk
    assert client.token.pk == token.pk
    assert not client.has_role("admin")


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Bearer wrong-secret", "Bearer ", "Basic abc", ""])
def test_bearer_auth_refuses_bad_headers(token_and_secret, header):
    headers = {"Authorization": header} if header else {}
    request = RequestFactory().get("/api/v1/x", headers=headers)
    assert ApiTokenAuth()(request) is None


@pytest.mark.django_db
def test_token_of_inactive_agency_is_refused(token_and_secret, agency):
    _, secret = token_and_secret
    Agency.objects.filter(pk=agency.pk).update(is_active=False)
    assert services.api_token_authenticate(secret=secret) is None


@pytest.mark.django_db
def test_last_used_is_written_at_most_once_a_minute(token_and_secret):
    token, secret = token_and_secret
    assert token.last_used_at is None
    services.api_token_authenticate(secret=secret)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    services.api_token_authenticate(secret=secret)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    earlier = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    services.api_token_authenticate(secret=secret)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > earlier


def test_api_auth_is_session_then_token():
    assert [type(a) for a in api_auth] == [SessionAuth, ApiTokenAuth]
    assert api_auth[0].csrf is True


# --- through a mounted router ----------------------------------------------------------------


@pytest.mark.django_db
def test_token_client_through_the_api(token_and_secret, agency):
    token, secret = token_and_secret
    client = Client(enforce_csrf_checks=True)
    response = client.get(WHO, headers=bearer(secret))
    assert response.status_code == 200
    assert response.json() == {"kind": "token", "agency_id": agency.pk, "person_id": None}
    # A token client sends no CSRF token: the session auth must not stop it.
    response = client.post(WHO, headers=bearer(secret))
    assert response.status_code == 200
    assert client.get(WHO, headers=bearer("sai")).status_code == 401
    services.api_token_revoke(actor=token.created_by, token=token)
    assert client.get(WHO, headers=bearer(secret)).status_code == 401


@pytest.mark.django_db
def test_anonymous_gets_401(client):
    assert client.get(WHO).status_code == 401


@pytest.mark.django_db
def test_session_auth_with_csrf(person):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/tai-khoan/dang-nhap/")
    csrf = page.cookies["csrftoken"].value
    client.post(
        "/tai-khoan/dang-nhap/",
        {"username": "vanthu", "password": PASSWORD, "csrfmiddlewaretoken": csrf},
    )
    response = client.get(WHO)
    assert response.status_code == 200
    assert response.json() == {
        "kind": "person",
        "agency_id": person.agency_id,
        "person_id": person.pk,
    }
    csrf = client.cookies["csrftoken"].value
    assert client.post(WHO).status_code == 403
    assert client.post(WHO, headers={"X-CSRFToken": csrf}).status_code == 200


@pytest.mark.django_db
def test_session_waiting_for_second_factor_is_not_signed_in_for_the_api(client, totp_person):
    client.post("/tai-khoan/dang-nhap/", {"username": "lanhdao", "password": PASSWORD})
    assert client.get(WHO).status_code == 401
    code = pyotp.TOTP(totp_person.totp_secret).now()
    client.post("/tai-khoan/dang-nhap/xac-thuc/", {"code": code})
    assert client.get(WHO).status_code == 200


@pytest.mark.django_db
def test_admin_owing_enrolment_is_refused_by_the_api(client, admin):
    client.force_login(admin)
    with override_settings(QLVB_REQUIRE_2FA_FOR_ADMINS=True):
        assert client.get(WHO).status_code == 401
    assert client.get(WHO).status_code == 200


# --- page ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tokens_page_create_and_revoke(client, admin, agency):
    client.force_login(admin)
    assert client.get("/tai-khoan/ma-truy-cap-api/").status_code == 200
    response = client.post("/tai-khoan/ma-truy-cap-api/", {"name": "Phần mềm một cửa"})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    body = response.content.decode()
    assert 'data-testid="token-secret"' in body
    secret = body.split('data-testid="token-secret">')[1].split("<")[0]
    assert services.api_token_authenticate(secret=secret).pk == token.pk
    # Listed afterwards by prefix only.
    listing = client.get("/tai-khoan/ma-truy-cap-api/").content.decode()
    assert token.prefix in listing and secret not in listing

    assert client.get(f"/tai-khoan/ma-truy-cap-api/{token.pk}/thu-hoi/").status_code == 405
    response = client.post(f"/tai-khoan/ma-truy-cap-api/{token.pk}/thu-hoi/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert not token.is_active


@pytest.mark.django_db
def test_tokens_page_is_for_administrators(client, make_person, admin, other_agency):
    clerk = make_person("vanthu", roles=["clerk"])
    client.force_login(clerk)
    assert client.get("/tai-khoan/ma-truy-cap-api/").status_code == 403
    token, _ = services.api_token_create(actor=admin, agency=admin.agency, name="A")
    assert client.post(f"/tai-khoan/ma-truy-cap-api/{token.pk}/thu-hoi/").status_code == 404
    other_admin = make_person("quantri.stp", roles=["admin"], person_agency=other_agency)
    client.force_login(other_admin)
    assert client.post(f"/tai-khoan/ma-truy-cap-api/{token.pk}/thu-hoi/").status_code == 404
    page = client.get("/tai-khoan/ma-truy-cap-api/").content.decode()
    assert token.prefix not in page
    token.refresh_from_db()
    assert token.is_active
