import pytest
from django.test import Client

from qlvb.agencies.models import Agency, AgencyLevel, Person, RoleAssignment
from qlvb.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_log_page_is_for_administrators_and_scoped_to_their_agency():
    a = Agency.objects.create(
        code="000.00.01.H15", name="Văn phòng UBND tỉnh", level=AgencyLevel.DEPARTMENT
    )
    b = Agency.objects.create(
        code="000.00.02.H15", name="Sở Tài chính", level=AgencyLevel.DEPARTMENT
    )
    admin = Person.objects.create_user("qt", "x", full_name="Quản trị VP", agency=a)
    RoleAssignment.objects.create(person=admin, agency=a, role="admin")
    clerk = Person.objects.create_user("vt", "x", full_name="Văn thư", agency=a)
    audit_record(actor=admin, action="test.mine", object_repr="của văn phòng")
    audit_record(actor=None, action="test.other", agency_id=b.pk, object_repr="của sở khác")
    client = Client()
    client.force_login(admin)
    html = client.get("/quan-tri/nhat-ky/").content.decode()
    assert "của văn phòng" in html and "của sở khác" not in html
    client.force_login(clerk)
    assert client.get("/quan-tri/nhat-ky/").status_code == 403
    root = Person.objects.create_superuser("root", "x", full_name="Root", agency=a)
    client.force_login(root)
    assert "của sở khác" in client.get("/quan-tri/nhat-ky/?action=test.").content.decode()
