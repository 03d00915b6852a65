"""The directory API through the Django test client: scope, problem responses, paging."""

from __future__ import annotations

import pytest
from django.test import Client

from qlvb.accounts.services import api_token_create
from qlvb.agencies.models import Agency, AgencyLevel, Person, RoleAssignment
from qlvb.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "mat-khau-thu-2026"
PROBLEM = "application/problem+json"


@pytest.fixture
def province(db):
    return Agency.objects.create(
        code="000.00.00.H15",
        name="UBND tỉnh Đắk Lắk",
        short_name="UBND",
        level="province",
        on_installation=True,
    )


@pytest.fixture
def office(province):
    return Agency.objects.create(
        code="000.00.01.H15",
        name="Văn phòng UBND tỉnh",
        short_name="VPUBND",
        level="province",
        parent=province,
        on_installation=True,
    )


@pytest.fixture
def justice(province):
    return Agency.objects.create(
        code="000.00.02.H15",
        name="Sở Tư pháp",
        short_name="STP",
        level="department",
        parent=province,
        on_installation=True,
    )


def _person(username, agency, roles=(), **extra):
    extra.setdefault("full_name", username)
    person = Person.objects.create_user(username, PASSWORD, agency=agency, **extra)
    for role in roles:
        RoleAssignment.objects.create(person=person, agency=agency, role=role)
    return person


@pytest.fixture
def clerk(office):
    return _person("vanthu.vpubnd", office, ["clerk"], full_name="Nguyễn Thị Thư")


@pytest.fixture
def superuser(office):
    return _person("admin", office, is_superuser=True, full_name="Quản trị hệ thống")


@pytest.fixture
def office_admin(office):
    return _person("quantri.vpubnd", office, ["admin"], full_name="Trần Quản Trị")


def as_person(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    for key in ("type", "title", "status", "detail", "instance"):
        assert key in body
    assert body["status"] == status
    return body


# --- shell ---------------------------------------------------------------------------------------


def test_openapi_lists_the_directory_paths(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "qlvb API"
    assert schema["info"]["version"] == "1"
    for path in [
        "/api/v1/agencies",
        "/api/v1/agencies/{code}",
        "/api/v1/agencies/{code}/departments",
        "/api/v1/people",
        "/api/v1/people/{person_id}",
        "/api/v1/people/{person_id}/roles",
        "/api/v1/people/{person_id}/roles/{role}",
        "/api/v1/recipient-groups",
    ]:
        assert path in schema["paths"], path
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/agencies"])
    assert "patch" in schema["paths"]["/api/v1/agencies/{code}"]
    # Vietnamese descriptions in the schemas
    props = schema["components"]["schemas"]["AgencyCreate"]["properties"]
    assert "Mã định danh" in props["code"]["description"]


def test_docs_page_served_without_cdn(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr" not in html and "unpkg" not in html


def test_unauthenticated_is_401_problem(client, province):
    body = problem(client.get("/api/v1/agencies"), 401)
    assert body["code"] == "unauthenticated"
    assert body["instance"] == "/api/v1/agencies"


def test_bad_token_is_401(client, province):
    response = client.get("/api/v1/agencies", HTTP_AUTHORIZATION="Bearer not-a-token")
    problem(response, 401)


def test_query_validation_is_422_with_field_errors(clerk):
    body = problem(as_person(clerk).get("/api/v1/agencies?limit=0&level=planet"), 422)
    assert set(body["errors"]) == {"limit", "level"}
    assert body["errors"]["limit"] == ["Phải lớn hơn hoặc bằng 1."]


def test_malformed_json_body_is_400_problem(superuser):
    response = as_person(superuser).post(
        "/api/v1/agencies", data="{not json", content_type="application/json"
    )
    body = problem(response, 400)
    assert body["code"] == "bad_request"
    assert "JSON" in body["detail"]


def test_not_found_is_404_problem(clerk):
    body = problem(as_person(clerk).get("/api/v1/agencies/999.99.99.Z99"), 404)
    assert body["code"] == "not_found"
    assert "999.99.99.Z99" in body["detail"]


def test_unexpected_errors_do_not_leak(clerk, monkeypatch):
    from qlvb.agencies import selectors

    def boom(**kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(selectors, "agency_get", boom)
    client = as_person(clerk)
    client.raise_request_exception = False
    body = problem(client.get("/api/v1/agencies/000.00.00.H15"), 500)
    assert "secret internal detail" not in str(body)


# --- agencies ------------------------------------------------------------------------------------


def test_list_search_and_filter(clerk, office, justice):
    client = as_person(clerk)
    body = client.get("/api/v1/agencies", {"q": "dak lak"}).json()
    assert [a["code"] for a in body["items"]] == ["000.00.00.H15"]
    assert body["next_cursor"] is None
    body = client.get("/api/v1/agencies", {"level": "department"}).json()
    assert [a["code"] for a in body["items"]] == ["000.00.02.H15"]
    assert body["items"][0]["parent_code"] == "000.00.00.H15"


def test_list_pages_with_a_cursor(clerk, province):
    Agency.objects.bulk_create(
        [
            Agency(
                code=f"000.{i:02d}.31.H15",
                name=f"UBND xã Số {i:02d}",
                level="commune",
                search_text=f"ubnd xa so {i:02d} 000.{i:02d}.31.h15",
            )
            for i in range(1, 8)
        ]
    )
    client = as_person(clerk)
    seen, cursor = [], None
    for _ in range(10):
        params = {"level": "commune", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/api/v1/agencies", params).json()
        seen += [a["code"] for a in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7 == len(set(seen))
    problem(client.get("/api/v1/agencies", {"cursor": "garbage!"}), 422)


def test_detail_and_departments(clerk, office):
    office.departments.create(name="Phòng Khoa giáo - Văn xã", short_name="KGVX")
    client = as_person(clerk)
    body = client.get("/api/v1/agencies/000.00.01.H15").json()
    assert body["name"] == "Văn phòng UBND tỉnh"
    assert body["parent"]["code"] == "000.00.00.H15"
    departments = client.get("/api/v1/agencies/000.00.01.H15/departments").json()
    assert [d["short_name"] for d in departments] == ["KGVX"]


def test_create_agency(superuser, province):
    response = as_person(superuser).post(
        "/api/v1/agencies",
        {
            "code": "000.00.09.H15",
            "name": "Sở Y tế",
            "short_name": "SYT",
            "level": "department",
            "parent_code": "000.00.00.H15",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["parent"]["code"] == "000.00.00.H15"
    assert Agency.objects.get(code="000.00.09.H15").name == "Sở Y tế"
    assert AuditEvent.objects.filter(action="agency.create").exists()


def test_invalid_code_is_422_with_errors_code(superuser, province):
    body = problem(
        as_person(superuser).post(
            "/api/v1/agencies",
            {"code": "H15.00", "name": "X", "level": "department"},
            content_type="application/json",
        ),
        422,
    )
    assert "code" in body["errors"]
    assert "000.00.00.H15" in body["errors"]["code"][0]
    assert not Agency.objects.filter(name="X").exists()


def test_duplicate_code_is_422_with_errors_code(superuser, province):
    body = problem(
        as_person(superuser).post(
            "/api/v1/agencies",
            {"code": "000.00.00.H15", "name": "Trùng", "level": "department"},
            content_type="application/json",
        ),
        422,
    )
    assert "đã được dùng" in body["errors"]["code"][0]
    assert Agency.objects.filter(code="000.00.00.H15").count() == 1
    assert not Agency.objects.filter(name="Trùng").exists()


def test_cycle_is_422_and_nothing_saved(superuser, office):
    body = problem(
        as_person(superuser).patch(
            "/api/v1/agencies/000.00.00.H15",
            {"parent_code": "000.00.01.H15", "name": "Đổi tên"},
            content_type="application/json",
        ),
        422,
    )
    assert "vòng lặp" in body["errors"]["parent"][0]
    province = Agency.objects.get(code="000.00.00.H15")
    assert province.parent_id is None and province.name == "UBND tỉnh Đắk Lắk"


def test_clerk_may_not_create_or_edit(clerk, office):
    client = as_person(clerk)
    body = problem(
        client.post(
            "/api/v1/agencies",
            {"code": "000.00.09.H15", "name": "X", "level": "department"},
            content_type="application/json",
        ),
        403,
    )
    assert body["code"] == "forbidden"
    problem(
        client.patch(
            "/api/v1/agencies/000.00.01.H15", {"address": "x"}, content_type="application/json"
        ),
        403,
    )


def test_agency_admin_edits_own_contacts_only(office_admin, office, justice):
    client = as_person(office_admin)
    response = client.patch(
        "/api/v1/agencies/000.00.01.H15",
        {"telephone": "0262 3852 000"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["telephone"] == "0262 3852 000"
    problem(
        client.patch(
            "/api/v1/agencies/000.00.01.H15", {"name": "Khác"}, content_type="application/json"
        ),
        403,
    )
    problem(
        client.patch(
            "/api/v1/agencies/000.00.02.H15", {"telephone": "1"}, content_type="application/json"
        ),
        403,
    )


def test_session_writes_need_csrf(superuser, province):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    response = client.post(
        "/api/v1/agencies",
        {"code": "000.00.09.H15", "name": "Sở Y tế", "level": "department"},
        content_type="application/json",
    )
    assert response.status_code in (401, 403)
    assert not Agency.objects.filter(code="000.00.09.H15").exists()


# --- tokens --------------------------------------------------------------------------------------


@pytest.fixture
def token(office_admin, office):
    _, secret = api_token_create(actor=office_admin, agency=office, name="Cổng dịch vụ công")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_token_reads_directory_and_its_own_people(token, client, clerk, justice):
    _person("vanthu.stp", justice, ["clerk"])
    body = client.get("/api/v1/agencies", {"q": "tu phap"}, **token).json()
    assert [a["code"] for a in body["items"]] == ["000.00.02.H15"]
    people = client.get("/api/v1/people", **token).json()["items"]
    usernames = {p["username"] for p in people}
    assert "vanthu.vpubnd" in usernames
    assert "vanthu.stp" not in usernames


def test_token_cannot_change_the_directory(token, client, clerk):
    problem(
        client.post(
            "/api/v1/agencies",
            {"code": "000.00.09.H15", "name": "X", "level": "department"},
            content_type="application/json",
            **token,
        ),
        403,
    )
    problem(
        client.patch(
            "/api/v1/agencies/000.00.01.H15",
            {"telephone": "1"},
            content_type="application/json",
            **token,
        ),
        403,
    )
    problem(
        client.post(
            f"/api/v1/people/{clerk.pk}/roles",
            {"role": "leader"},
            content_type="application/json",
            **token,
        ),
        403,
    )


# --- people and roles ----------------------------------------------------------------------------


def test_people_scoped_to_own_agency(clerk, justice, superuser):
    other = _person("vanthu.stp", justice, ["clerk"])
    client = as_person(clerk)
    usernames = {p["username"] for p in client.get("/api/v1/people").json()["items"]}
    assert "vanthu.stp" not in usernames and "vanthu.vpubnd" in usernames
    problem(client.get(f"/api/v1/people/{other.pk}"), 404)
    everyone = {p["username"] for p in as_person(superuser).get("/api/v1/people").json()["items"]}
    assert {"vanthu.stp", "vanthu.vpubnd"} <= everyone


def test_people_search(clerk, office):
    _person("lanhdao.vpubnd", office, ["leader"], full_name="Phạm Văn Lãnh")
    items = as_person(clerk).get("/api/v1/people", {"q": "lanh"}).json()["items"]
    assert [p["username"] for p in items] == ["lanhdao.vpubnd"]
    assert items[0]["roles"][0]["role"] == "leader"


def test_grant_and_revoke_role(office_admin, clerk):
    client = as_person(office_admin)
    response = client.post(
        f"/api/v1/people/{clerk.pk}/roles", {"role": "specialist"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert {r["role"] for r in response.json()["roles"]} == {"clerk", "specialist"}
    again = client.post(
        f"/api/v1/people/{clerk.pk}/roles", {"role": "specialist"}, content_type="application/json"
    )
    assert again.status_code == 200
    response = client.delete(f"/api/v1/people/{clerk.pk}/roles/specialist")
    assert response.status_code == 204
    assert set(clerk.roles.values_list("role", flat=True)) == {"clerk"}


def test_role_in_another_agency_is_422(superuser, clerk, justice):
    body = problem(
        as_person(superuser).post(
            f"/api/v1/people/{clerk.pk}/roles",
            {"role": "leader", "agency_code": "000.00.02.H15"},
            content_type="application/json",
        ),
        422,
    )
    assert "agency" in body["errors"]
    assert not clerk.roles.filter(agency=justice).exists()


def test_unknown_role_is_422(office_admin, clerk):
    body = problem(
        as_person(office_admin).post(
            f"/api/v1/people/{clerk.pk}/roles", {"role": "king"}, content_type="application/json"
        ),
        422,
    )
    assert "role" in body["errors"]


def test_clerk_cannot_grant_roles(clerk):
    problem(
        as_person(clerk).post(
            f"/api/v1/people/{clerk.pk}/roles", {"role": "admin"}, content_type="application/json"
        ),
        403,
    )
    assert not clerk.roles.filter(role="admin").exists()


def test_recipient_groups(clerk, office, justice, superuser):
    from qlvb.agencies.services import recipient_group_save

    recipient_group_save(
        actor=superuser, owner=None, name="Các Sở, ban, ngành", member_codes=["000.00.02.H15"]
    )
    recipient_group_save(
        actor=superuser, owner=justice, name="Riêng Sở Tư pháp", member_codes=["000.00.01.H15"]
    )
    groups = as_person(clerk).get("/api/v1/recipient-groups").json()
    assert [g["name"] for g in groups] == ["Các Sở, ban, ngành"]
    assert groups[0]["members"][0]["code"] == "000.00.02.H15"
    assert AgencyLevel.DEPARTMENT == "department"


def test_unknown_api_path_is_a_problem(client):
    body = problem(client.get("/api/v1/no-such-thing"), 404)
    assert body["code"] == "not_found"
