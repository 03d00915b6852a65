"""A person sees a new assignment appear in the bell without reloading the page (htmx polling),
opens the notifications page and the document (issue 8)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "qlvb-test-2026"


def test_new_assignment_appears_in_the_bell_without_reloading(page, live_server, artifacts):
    from playwright.sync_api import expect

    from qlvb.agencies.models import Agency, AgencyLevel, Department, Person, RoleAssignment
    from qlvb.notifications.tests.conftest import accept_and_direct, deliver

    office = Agency.objects.create(
        code="000.00.01.H15",
        name="Văn phòng UBND tỉnh",
        short_name="VPUBND",
        level=AgencyLevel.DEPARTMENT,
        on_installation=True,
    )
    kgvx = Department.objects.create(agency=office, name="Phòng Khoa giáo - Văn xã")
    people = {}
    for username, role, full_name in [
        ("vanthu.vp", "clerk", "Nguyễn Thị Văn Thư"),
        ("lanhdao.vp", "leader", "Trần Văn Lãnh Đạo"),
        ("chuyenvien.vp", "specialist", "Lê Thị Chuyên Viên"),
    ]:
        people[username.split(".")[0]] = person = Person.objects.create_user(
            username, PASSWORD, full_name=full_name, agency=office, department=kgvx
        )
        RoleAssignment.objects.create(person=person, agency=office, role=role)

    page.goto("/tai-khoan/dang-nhap/")
    page.fill("input[name=username]", "chuyenvien.vp")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    bell = page.get_by_test_id("bell")
    expect(bell.get_by_test_id("bell-link")).to_be_visible()
    expect(bell.get_by_test_id("bell-count")).to_have_count(0)
    url_before = page.url

    incoming = deliver(office, subject="Về việc triển khai chuyển đổi số năm 2027")
    accept_and_direct(
        incoming,
        {"clerk": people["vanthu"], "leader": people["lanhdao"]},
        assignments=[{"kind": "lead", "person": people["chuyenvien"], "due_in_working_days": 5}],
        direction="Giao chuyên viên tham mưu, báo cáo trước ngày 10.",
    )
    # No reload: the header polls every 10 s.
    expect(bell.get_by_test_id("bell-count")).to_have_text("1", timeout=25_000)
    assert page.url == url_before
    page.locator("header").screenshot(path=artifacts / "notifications-bell.png")

    bell.get_by_test_id("bell-link").click()
    page.wait_for_url(f"{live_server.url}/thong-bao/")
    item = page.get_by_test_id("notification").first
    expect(item).to_contain_text("Được giao xử lý")
    expect(item).to_contain_text("Về việc triển khai chuyển đổi số năm 2027")
    expect(item).to_contain_text("Giao chuyên viên tham mưu")
    page.screenshot(path=artifacts / "notifications-page.png", full_page=True)

    item.get_by_role("button").click()
    page.wait_for_url(f"{live_server.url}/van-ban-den/{incoming.pk}/")
    expect(page.get_by_test_id("bell").get_by_test_id("bell-count")).to_have_count(0)
    page.goto("/thong-bao/thiet-lap/")
    page.screenshot(path=artifacts / "notifications-settings.png", full_page=True)
