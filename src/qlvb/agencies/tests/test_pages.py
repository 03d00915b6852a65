"""Directory pages through the Django test client: search as you type, detail, admin forms."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from qlvb.agencies.models import Agency, Person, RoleAssignment

pytestmark = pytest.mark.django_db
PASSWORD = "mat-khau-thu-2026"


@pytest.fixture
def province(db):
    return Agency.objects.create(
        code="000.00.00.H15",
        name="UBND tỉnh Đắk Lắk",
        short_name="UBND",
        level="province",
        on_installation=True,
        address="09 Lê Duẩn, Buôn Ma Thuột",
    )


@pytest.fixture
def office(province):
    agency = Agency.objects.create(
        code="000.00.01.H15",
        name="Văn phòng UBND tỉnh",
        short_name="VPUBND",
        level="province",
        parent=province,
        on_installation=True,
    )
    parent = agency.departments.create(name="Phòng Tổng hợp", short_name="TH")
    agency.departments.create(name="Tổ Thư ký", parent=parent)
    return agency


@pytest.fixture
def justice(province):
    return Agency.objects.create(
        code="000.00.02.H15",
        name="Sở Tư pháp",
        short_name="STP",
        level="department",
        parent=province,
    )


def _person(username, agency, roles=(), **extra):
    extra.setdefault("full_name", username)
    person = Person.objects.create_user(username, PASSWORD, agency=agency, **extra)
    for role in roles:
        RoleAssignment.objects.create(person=person, agency=agency, role=role)
    return person


def login(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def clerk(office):
    return _person("vanthu.vpubnd", office, ["clerk"], full_name="Nguyễn Thị Thư")


@pytest.fixture
def superuser(office):
    return _person("admin", office, is_superuser=True, full_name="Quản trị hệ thống")


@pytest.fixture
def office_admin(office):
    return _person("quantri.vpubnd", office, ["admin"], full_name="Trần Quản Trị")


def test_directory_requires_login(client, province):
    response = client.get(reverse("agencies:list"))
    assert response.status_code == 302


def test_list_page_has_search_as_you_type(clerk, justice):
    html = login(clerk).get(reverse("agencies:list")).content.decode()
    assert 'hx-trigger="input changed delay:200ms, search"' in html
    assert "Sở Tư pháp" in html and "UBND tỉnh Đắk Lắk" in html


def test_htmx_search_returns_only_the_result_block(clerk, justice):
    response = login(clerk).get(reverse("agencies:list"), {"q": "dak lak"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="agency-results"')
    assert "<html" not in html
    assert "UBND tỉnh Đắk Lắk" in html
    assert "Sở Tư pháp" not in html
    assert "HX-Request" in response["Vary"]


def test_search_with_accents_and_by_code(clerk, justice):
    client = login(clerk)
    html = client.get(reverse("agencies:list"), {"q": "Tư Pháp"}, HTTP_HX_REQUEST="true")
    assert "Sở Tư pháp" in html.content.decode()
    html = client.get(reverse("agencies:list"), {"q": "000.00.02"}, HTTP_HX_REQUEST="true")
    assert "Sở Tư pháp" in html.content.decode()
    html = client.get(reverse("agencies:list"), {"q": "zzzz"}, HTTP_HX_REQUEST="true")
    assert "Không có cơ quan nào khớp" in html.content.decode()


def test_level_filter(clerk, justice):
    html = login(clerk).get(reverse("agencies:list"), {"level": "department"}).content.decode()
    assert "Sở Tư pháp" in html
    assert "Văn phòng UBND tỉnh</a>" not in html


def test_list_is_paged_with_show_more(clerk, province):
    Agency.objects.bulk_create(
        [
            Agency(
                code=f"000.{i // 100:02d}.{i % 100:02d}.H16",
                name=f"UBND xã Thử {i:03d}",
                level="commune",
                search_text=f"ubnd xa thu {i:03d}",
            )
            for i in range(120)
        ]
    )
    client = login(clerk)
    page1 = client.get(reverse("agencies:list"), {"level": "commune"})
    html = page1.content.decode()
    assert html.count("UBND xã Thử") == 50
    assert "UBND xã Thử 000" in html and "UBND xã Thử 050" not in html
    cursor = page1.context["next_cursor"]
    page2 = client.get(
        reverse("agencies:list"), {"level": "commune", "cursor": cursor}, HTTP_HX_REQUEST="true"
    )
    html2 = page2.content.decode()
    assert html2.lstrip().startswith("<tr")
    assert "UBND xã Thử 050" in html2 and "UBND xã Thử 000" not in html2


def test_detail_shows_contacts_parent_children_departments_and_people(clerk, office, justice):
    client = login(clerk)
    html = client.get(reverse("agencies:detail", args=["000.00.00.H15"])).content.decode()
    assert "09 Lê Duẩn, Buôn Ma Thuột" in html
    assert "Sở Tư pháp" in html and "Văn phòng UBND tỉnh" in html  # children
    assert "Chỉ cán bộ của cơ quan này" in html  # not the clerk's agency: no staff list
    html = client.get(reverse("agencies:detail", args=["000.00.01.H15"])).content.decode()
    assert "UBND tỉnh Đắk Lắk" in html  # parent
    assert "Phòng Tổng hợp" in html and "Tổ Thư ký" in html
    assert "Nguyễn Thị Thư" in html  # own agency's people
    assert reverse("agencies:edit", args=["000.00.01.H15"]) not in html  # clerk cannot edit


def test_people_search_is_scoped(clerk, justice):
    _person("vanthu.stp", justice, ["clerk"], full_name="Lê Văn Pháp")
    _person("lanhdao.vpubnd", clerk.agency, ["leader"], full_name="Phạm Văn Lãnh")
    client = login(clerk)
    html = client.get(reverse("agencies:people")).content.decode()
    assert "Phạm Văn Lãnh" in html and "Lê Văn Pháp" not in html
    html = client.get(reverse("agencies:people"), {"q": "lanh"}, HTTP_HX_REQUEST="true")
    html = html.content.decode()
    assert "Phạm Văn Lãnh" in html and "Nguyễn Thị Thư" not in html


# --- administrators' forms ---------------------------------------------------------------------


def _agency_form(**overrides):
    data = {
        "code": "000.00.09.H15",
        "name": "Sở Y tế",
        "short_name": "SYT",
        "level": "department",
        "parent_code": "000.00.00.H15",
    }
    data.update(overrides)
    return data


def test_clerk_cannot_open_the_create_form(clerk):
    assert login(clerk).get(reverse("agencies:create")).status_code == 403


def test_create_agency_and_message(superuser, province):
    client = login(superuser)
    response = client.post(reverse("agencies:create"), _agency_form(), follow=True)
    html = response.content.decode()
    assert Agency.objects.get(code="000.00.09.H15").parent == province
    assert "Đã thêm cơ quan Sở Y tế." in html
    assert 'class="alert alert-success' in html


def test_bad_code_is_shown_next_to_the_field(superuser, province):
    response = login(superuser).post(reverse("agencies:create"), _agency_form(code="ABC"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-field-error="code"' in html
    assert "không đúng định dạng 000.00.00.H15" in html
    assert "chưa có gì được lưu" in html
    assert not Agency.objects.filter(name="Sở Y tế").exists()


def test_duplicate_code_is_shown_next_to_the_field(superuser, province):
    html = (
        login(superuser)
        .post(reverse("agencies:create"), _agency_form(code="000.00.00.H15"))
        .content.decode()
    )
    assert "đã được dùng cho cơ quan khác" in html
    assert not Agency.objects.filter(name="Sở Y tế").exists()


def test_cycle_is_shown_next_to_parent_and_nothing_saved(superuser, office):
    province = office.parent
    data = {
        "code": province.code,
        "name": "Tên mới",
        "short_name": "UBND",
        "level": "province",
        "parent_code": office.code,
        "is_active": "on",
    }
    html = (
        login(superuser).post(reverse("agencies:edit", args=[province.code]), data).content.decode()
    )
    assert 'data-field-error="parent_code"' in html
    assert "vòng lặp" in html
    province.refresh_from_db()
    assert province.parent_id is None and province.name == "UBND tỉnh Đắk Lắk"


def test_agency_admin_edits_contacts_only(office_admin, office, justice):
    client = login(office_admin)
    response = client.get(reverse("agencies:edit", args=[office.code]))
    assert response.status_code == 200
    assert 'name="code"' not in response.content.decode()
    response = client.post(
        reverse("agencies:edit", args=[office.code]), {"telephone": "0262 3852 000"}
    )
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.telephone == "0262 3852 000" and office.name == "Văn phòng UBND tỉnh"
    assert client.get(reverse("agencies:edit", args=[justice.code])).status_code == 403


def test_role_grant_and_revoke(office_admin, clerk):
    client = login(office_admin)
    page = client.get(reverse("agencies:person", args=[clerk.pk])).content.decode()
    assert "Giao vai trò" in page
    response = client.post(
        reverse("agencies:role_grant", args=[clerk.pk]), {"role": "leader"}, follow=True
    )
    assert "Đã giao vai trò Lãnh đạo." in response.content.decode()
    assert clerk.roles.filter(role="leader").exists()
    response = client.post(
        reverse("agencies:role_revoke", args=[clerk.pk]),
        {"role": "leader", "agency_code": clerk.agency.code},
        follow=True,
    )
    assert "Đã thu hồi vai trò Lãnh đạo." in response.content.decode()
    assert not clerk.roles.filter(role="leader").exists()


def test_role_in_another_agency_is_refused_next_to_the_field(superuser, clerk, justice):
    html = (
        login(superuser)
        .post(
            reverse("agencies:role_grant", args=[clerk.pk]),
            {"role": "leader", "agency_code": justice.code},
        )
        .content.decode()
    )
    assert 'data-field-error="agency_code"' in html
    assert "không thuộc cơ quan Sở Tư pháp" in html
    assert not clerk.roles.filter(agency=justice).exists()


def test_clerk_sees_no_role_forms_and_cannot_post_them(clerk):
    client = login(clerk)
    page = client.get(reverse("agencies:person", args=[clerk.pk])).content.decode()
    assert "Giao vai trò" not in page
    response = client.post(reverse("agencies:role_grant", args=[clerk.pk]), {"role": "admin"})
    assert response.status_code == 403
    assert not clerk.roles.filter(role="admin").exists()
