import pytest
from django.test import Client

from qlvb.agencies.models import Person
from qlvb.documents.models import DocumentType

pytestmark = pytest.mark.django_db


def test_types_are_listed_to_everyone_and_edited_by_the_installation_admin():
    clerk = Person.objects.create_user("vt", "x", full_name="Văn thư")
    root = Person.objects.create_superuser("root", "x", full_name="Quản trị")
    client = Client()
    client.force_login(clerk)
    names = [t["name"] for t in client.get("/api/v1/document-types").json()]
    assert "Quyết định" in names and "Công văn" in names
    assert (
        client.post(
            "/api/v1/document-types", {"name": "Thư"}, content_type="application/json"
        ).status_code
        == 403
    )
    client.force_login(root)
    created = client.post(
        "/api/v1/document-types",
        {"name": "Thông tri", "abbreviation": "TTr2"},
        content_type="application/json",
    )
    assert created.status_code == 201
    duplicate = client.post(
        "/api/v1/document-types", {"name": "thông tri"}, content_type="application/json"
    )
    assert duplicate.status_code == 422 and "name" in duplicate.json()["errors"]
    gm = DocumentType.objects.get(abbreviation="GM")
    patched = client.patch(
        f"/api/v1/document-types/{gm.pk}", {"requires_paper": True}, content_type="application/json"
    )
    assert patched.json()["requires_paper"] is True
