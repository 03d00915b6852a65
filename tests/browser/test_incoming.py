"""A clerk registers a scanned paper document, a leader assigns it and a specialist completes
it, each in their own browser session (issue: incoming documents)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from PIL import Image, ImageDraw, ImageFont

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "qlvb-demo-2026"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def scan(path):
    """A 'scanned' page: Vietnamese text rendered into a JPEG, as a paper scanner would give."""
    image = Image.new("L", (1240, 1754), color=245)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 36)
    draw.text((120, 150), "SỞ TÀI CHÍNH TỈNH ĐẮK LẮK", fill=20, font=font)
    draw.text((120, 260), "Số: 88/STC-QLNS", fill=20, font=font)
    draw.text((120, 380), "V/v phân bổ kinh phí sự nghiệp y tế năm 2026", fill=20, font=font)
    image.save(path, "JPEG", quality=80)
    return path


def session(browser, live_server, username):
    context = browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/tai-khoan/dang-nhap/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def test_register_assign_complete_in_three_sessions(
    chromium_browser, live_server, settings, artifacts, tmp_path
):
    from playwright.sync_api import expect

    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    # The clerk registers the paper document with its scan, keyboard first.
    clerk_ctx, clerk = session(chromium_browser, live_server, "vanthu.vpubnd")
    clerk.goto("/van-ban-den/")
    clerk.get_by_test_id("register-link").click()
    expect(clerk.locator("#id_organ_name")).to_be_focused()
    clerk.keyboard.type("Sở Tài chính")
    clerk.select_option("#id_type_name", "Công văn")
    clerk.fill("#id_code_number", "88")
    clerk.fill("#id_code_notation", "STC-QLNS")
    clerk.fill("#id_subject", "V/v phân bổ kinh phí sự nghiệp y tế năm 2026")
    clerk.set_input_files("#id_files", str(scan(tmp_path / "scan-88.jpg")))
    clerk.screenshot(path=artifacts / "in-01-register.png", full_page=True)
    clerk.keyboard.press("Control+Enter")
    expect(clerk.get_by_test_id("arrival-number")).to_have_text("1")
    expect(clerk.get_by_test_id("attachment")).to_contain_text("scan-88.jpg")
    leader_value = clerk.locator(
        "[data-testid=leader-select] option", has_text="Trần Văn Phong"
    ).first.get_attribute("value")
    clerk.select_option("[data-testid=leader-select]", leader_value)
    clerk.get_by_test_id("submit-leader").click()
    expect(clerk.get_by_test_id("state")).to_have_text("Đã trình lãnh đạo")
    clerk.screenshot(path=artifacts / "in-02-registered.png", full_page=True)

    # The leader finds it waiting for direction and assigns the specialist.
    leader_ctx, leader = session(chromium_browser, live_server, "lanhdao.vpubnd")
    leader.goto("/van-ban-den/?box=waiting")
    leader.get_by_role("link", name="V/v phân bổ kinh phí sự nghiệp y tế năm 2026").click()
    leader.fill("#direction", "Giao chuyên viên tham mưu văn bản trả lời.")
    option = leader.locator(
        "[data-testid=lead-select] option", has_text="Lê Thị Thu Hà"
    ).first.get_attribute("value")
    leader.select_option("[data-testid=lead-select]", option)
    leader.fill("#due-days-x", "5")
    leader.get_by_test_id("direct").click()
    expect(leader.get_by_test_id("state")).to_have_text("Đã phân công")
    expect(leader.get_by_test_id("assignment-node")).to_contain_text("Lê Thị Thu Hà")
    leader.screenshot(path=artifacts / "in-03-assigned.png", full_page=True)

    # The specialist sees it assigned and completes it.
    spec_ctx, specialist = session(chromium_browser, live_server, "chuyenvien.vpubnd")
    specialist.goto("/van-ban-den/?box=mine")
    specialist.get_by_role("link", name="V/v phân bổ kinh phí sự nghiệp y tế năm 2026").click()
    specialist.get_by_test_id("result").fill("Đã dự thảo công văn trả lời Sở Tài chính.")
    specialist.get_by_test_id("complete").click()
    expect(specialist.get_by_test_id("state")).to_have_text("Hoàn thành")
    expect(specialist.get_by_test_id("timeline")).to_contain_text("Hoàn thành")
    specialist.screenshot(path=artifacts / "in-04-done.png", full_page=True)

    # The clerk's view agrees.
    clerk.reload()
    expect(clerk.get_by_test_id("state")).to_have_text("Hoàn thành")
    for ctx in (clerk_ctx, leader_ctx, spec_ctx):
        ctx.close()
