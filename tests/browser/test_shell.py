"""A demo clerk signs in, sees the home page and finds an agency by typing without accents."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "qlvb-demo-2026"


def test_clerk_signs_in_and_searches_the_directory(page, artifacts):
    from playwright.sync_api import expect

    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/tai-khoan/dang-nhap/"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("[data-section]")).to_have_count(0)  # no navigation before sign-in
    page.screenshot(path=artifacts / "01-login.png", full_page=True)

    page.fill("input[name=username]", "vanthu.vpubnd")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form").get_by_role("button", name="Đăng nhập").click()

    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))
    expect(page.get_by_test_id("person-name")).to_be_visible()
    expect(page.locator("header")).to_contain_text("Văn phòng UBND tỉnh")
    expect(page.locator("h1")).to_contain_text("Xin chào")
    expect(page.get_by_test_id("roles")).to_contain_text("Văn thư")
    nav = page.locator("nav.qlvb-nav")
    for label in ["Văn bản đến", "Văn bản đi", "Liên thông", "Nhiệm vụ", "Báo cáo", "Tìm kiếm"]:
        expect(nav).to_contain_text(label)
    page.screenshot(path=artifacts / "02-home.png", full_page=True)

    nav.locator("[data-section=directory]").click()
    expect(page.locator("h1")).to_contain_text("Danh bạ cơ quan")
    expect(nav.locator("[data-section=directory]")).to_have_class(re.compile(r"\bactive\b"))

    search = page.locator("#agency-q")
    search.click()
    search.press_sequentially("dak lak", delay=40)
    results = page.locator("#agency-results")
    expect(results.get_by_role("link", name="UBND tỉnh Đắk Lắk", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=dak\+lak|q=dak%20lak"))
    page.screenshot(path=artifacts / "03-directory-search.png", full_page=True)

    results.get_by_role("link", name="UBND tỉnh Đắk Lắk", exact=True).click()
    expect(page.locator("h1")).to_have_text("UBND tỉnh Đắk Lắk")
    expect(page.locator("body")).to_contain_text("000.00.00.H15")
    page.screenshot(path=artifacts / "04-agency-detail.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    page.screenshot(path=artifacts / "05-home-mobile.png", full_page=True)

    page.locator("form[action$='dang-xuat/'] button").first.click()
    expect(page).to_have_url(re.compile(r"/tai-khoan/dang-nhap/"))


def test_administrator_sees_a_vietnamese_error_next_to_a_bad_code(page, artifacts):
    from playwright.sync_api import expect

    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    page.goto("/tai-khoan/dang-nhap/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form").get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("nav.qlvb-nav [data-section=admin]")).to_be_visible()

    page.locator("nav.qlvb-nav [data-section=admin]").click()
    expect(page.locator("main")).to_contain_text("Danh bạ cơ quan")
    expect(page.locator("main")).to_contain_text("Tác vụ nền lỗi")
    page.screenshot(path=artifacts / "06-admin.png", full_page=True)

    page.goto("/danh-ba/co-quan/them/")
    page.fill("input[name=code]", "H15-sai")
    page.fill("input[name=name]", "Sở Thử nghiệm")
    page.select_option("select[name=level]", "department")
    page.locator("main form").get_by_role("button", name="Lưu").click()
    error = page.locator("[data-field-error=code]")
    expect(error).to_contain_text("không đúng định dạng 000.00.00.H15")
    expect(page.locator("input[name=code]")).to_have_class(re.compile(r"\bis-invalid\b"))
    page.screenshot(path=artifacts / "07-agency-form-error.png", full_page=True)

    page.goto("/danh-ba/can-bo/")
    page.locator("#person-q").press_sequentially("vanthu.vpubnd", delay=20)
    expect(page.locator("#person-results")).to_contain_text("Nguyễn Thị Hồng Nhung")
    page.screenshot(path=artifacts / "08-people.png", full_page=True)
    page.locator("#person-results").get_by_role("link", name="Nguyễn Thị Hồng Nhung").click()
    expect(page.get_by_test_id("roles")).to_contain_text("Văn thư")
    page.screenshot(path=artifacts / "09-person.png", full_page=True)
