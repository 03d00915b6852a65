"""The page shell: layout, navigation, placeholders, error pages, languages, dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import resolve, reverse
from django.utils import translation

from qlvb.web import views
from qlvb.web.context_processors import navigation

pytestmark = pytest.mark.django_db

SECTIONS_VI = ["Văn bản đến", "Văn bản đi", "Liên thông", "Nhiệm vụ", "Báo cáo", "Tìm kiếm"]


def test_home_requires_login(client):
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_home_greets_the_person_with_roles_and_navigation(clerk_client, clerk):
    response = clerk_client.get(reverse("web:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in html
    assert "Quản lý văn bản và điều hành" in html
    assert "Nguyễn Thị Văn Thư" in html
    assert "Văn phòng UBND tỉnh" in html
    assert "Văn thư" in html  # the clerk's role
    for label in SECTIONS_VI:
        assert label in html
    assert 'data-section="directory"' in html
    # A clerk is not an administrator: no Quản trị entry.
    assert 'data-section="admin"' not in html
    assert reverse("accounts:logout") in html
    assert "cdn" not in html.lower()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "/static/vendor/htmx/htmx.min.js" in html


def test_active_section_is_highlighted(clerk_client):
    html = clerk_client.get(reverse("reports:index")).content.decode()
    url = reverse("reports:index")
    assert f'class="nav-link active" href="{url}" data-section="reports"' in html
    assert html.count('class="nav-link active"') == 1


def test_every_section_opens_and_unbuilt_ones_show_a_placeholder(clerk_client, rf, clerk):
    request = rf.get("/")
    request.user = clerk
    sections = navigation(request)["nav_sections"]
    assert [s["key"] for s in sections] == [
        "incoming",
        "outgoing",
        "exchange",
        "tasks",
        "reports",
        "search",
        "directory",
    ]
    for section in sections:
        response = clerk_client.get(section["url"])
        assert response.status_code == 200, section
        if resolve(section["url"]).func is views.placeholder:
            assert "Chức năng đang được xây dựng" in response.content.decode()


def test_administration_is_for_administrators(clerk_client, client, agency_admin):
    assert clerk_client.get(reverse("web:admin")).status_code == 403
    client.force_login(agency_admin)
    response = client.get(reverse("web:admin"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-section="admin"' in html
    for label in ["Danh bạ cơ quan", "Cán bộ", "Tác vụ nền lỗi", "Nhật ký"]:
        assert label in html
    assert reverse("agencies:list") in html


def test_login_page_has_no_navigation(client):
    response = client.get(reverse("accounts:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Quản lý văn bản và điều hành" in html
    assert "data-section=" not in html


def test_error_pages_are_vietnamese(clerk_client):
    response = clerk_client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()
    response = clerk_client.get(reverse("web:admin"))
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()


def test_server_error_page_renders_without_request_context():
    html = Template('{% include "500.html" %}').render(Context())
    assert "Lỗi máy chủ" in html


def test_domain_errors_from_page_views_become_error_pages(clerk_client):
    response = clerk_client.get(reverse("agencies:detail", args=["999.99.99.Z99"]))
    assert response.status_code == 404
    assert "Không tìm thấy cơ quan" in response.content.decode()


def test_an_english_browser_still_gets_vietnamese(clerk_client):
    # Government PCs often run English browsers; only the language switch changes the language.
    html = clerk_client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert '<html lang="vi">' in html and "Văn bản đến" in html


def test_english_on_request(clerk_client):
    clerk_client.cookies["django_language"] = "en"
    response = clerk_client.get(reverse("web:home"))
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Incoming documents" in html
    assert "Sign out" in html
    assert "Văn bản đến" not in html


def test_language_switch_sets_the_language(clerk_client):
    response = clerk_client.post(
        reverse("web:set_language"), {"language": "en", "next": reverse("web:home")}
    )
    assert response.status_code == 302
    html = clerk_client.get(reverse("web:home")).content.decode()
    assert "Outgoing documents" in html


def test_dates_are_day_month_year():
    value = dt.date(2026, 3, 9)
    for language in ("vi", "en"):
        with translation.override(language):
            html = Template('{{ d|date:"SHORT_DATE_FORMAT" }} {{ d }}').render(
                Context({"d": value})
            )
        assert html == "09/03/2026 09/03/2026"


def test_server_error_page_for_pages_and_problem_for_api(rf):
    from qlvb.web.views import server_error

    with translation.override("vi"):
        page = server_error(rf.get("/van-ban-den/"))
    assert page.status_code == 500 and "Lỗi máy chủ" in page.content.decode()
    api = server_error(rf.get("/api/v1/agencies"))
    assert api.status_code == 500 and api["Content-Type"] == "application/problem+json"
