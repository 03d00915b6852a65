from __future__ import annotations

import pytest
from django.test import Client

from qlvb.agencies.models import Person
from qlvb.audit.models import AuditEvent

from .conftest import PASSWORD

URL = "/tai-khoan/doi-mat-khau/"
NEW = "Ngay-moi-2026-xanh"


def change(client, old, new, confirm=None):
    return client.post(
        URL,
        {"old_password": old, "new_password": new, "new_password_confirm": confirm or new},
    )


@pytest.mark.django_db
def test_requires_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/tai-khoan/dang-nhap/?next=")


@pytest.mark.django_db
def test_change_keeps_this_session_and_ends_others(client, person):
    client.post("/tai-khoan/dang-nhap/", {"username": "vanthu", "password": PASSWORD})
    other = Client()
    other.post("/tai-khoan/dang-nhap/", {"username": "vanthu", "password": PASSWORD})
    assert other.get("/").status_code == 200

    response = change(client, PASSWORD, NEW)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password(NEW)
    assert person.password.startswith("argon2")
    assert client.get("/").status_code == 200  # update_session_auth_hash
    assert other.get("/").status_code == 302  # the old password's sessions end
    event = AuditEvent.objects.get(action="auth.password_change")
    assert event.actor_id == person.pk


@pytest.mark.django_db
def test_wrong_old_password_is_refused(client, person):
    client.force_login(person)
    response = change(client, "khong-dung", NEW)
    assert response.status_code == 200
    assert "Mật khẩu hiện tại không đúng." in response.content.decode()
    assert Person.objects.get(pk=person.pk).check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="auth.password_change").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("new", "expected"),
    [
        ("ngan", "Mật khẩu quá ngắn: cần ít nhất 10 ký tự."),
        ("12345678901234", "hoàn toàn là số"),
        ("password123", "quá phổ biến"),
    ],
)
def test_django_password_validators_in_vietnamese(client, person, new, expected):
    client.force_login(person)
    response = change(client, PASSWORD, new)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert Person.objects.get(pk=person.pk).check_password(PASSWORD)


@pytest.mark.django_db
def test_confirmation_must_match(client, person):
    client.force_login(person)
    response = change(client, PASSWORD, NEW, confirm=NEW + "x")
    assert "Hai lần nhập mật khẩu mới không khớp." in response.content.decode()
    assert Person.objects.get(pk=person.pk).check_password(PASSWORD)
