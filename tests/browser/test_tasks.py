"""A leader assigns one task to several agencies in one action; the lead agency receives it
and reports progress with a file, which the assigner downloads; the tracking officer sees the
counts and urges (issue: task tracking)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "qlvb-demo-2026"


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


def test_assign_to_several_agencies_and_an_agency_reports_progress(
    chromium_browser, live_server, settings, artifacts, tmp_path
):
    from playwright.sync_api import expect

    from qlvb.audit.models import AuditEvent
    from qlvb.directives.models import ProgressReport, Task
    from qlvb.documents.tests.test_storage import pdf_bytes

    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    leader_ctx, leader = session(chromium_browser, live_server, "lanhdao.vpubnd")
    leader.goto("/nhiem-vu/")
    leader.get_by_test_id("create-link").click()
    leader.fill("#id_title", "Triển khai Thông báo kết luận giao ban tháng 3")
    leader.select_option("#id_agencies", ["000.00.05.H15", "000.00.06.H15"])
    due = timezone.localtime() + dt.timedelta(days=14)
    leader.fill("#id_due_at", due.strftime("%Y-%m-%dT%H:%M"))
    leader.fill("#id_source_text", "Thông báo số 501/TB-VPUBND")
    leader.get_by_test_id("submit-tasks").click()
    expect(leader.get_by_test_id("tracking-table")).to_contain_text("Sở Tài chính")
    expect(leader.get_by_test_id("tracking-table")).to_contain_text("Sở Y tế")
    assert Task.objects.count() == 2
    leader.screenshot(path=artifacts / "tasks-tracking.png", full_page=True)
    leader_ctx.close()

    stc_ctx, stc = session(chromium_browser, live_server, "lanhdao.stc")
    stc.goto("/nhiem-vu/")
    stc.get_by_test_id("queue").get_by_role("link").first.click()
    stc.get_by_test_id("receive").click()
    form = stc.get_by_test_id("progress-form")
    form.locator("textarea[name=text]").fill("Đã giao Phòng Ngân sách chủ trì, đạt 30%")
    form.locator("input[name=percent]").fill("30")
    # A bad file first: refused with the reason, nothing saved.
    bad = tmp_path / "ke-hoach.exe"
    bad.write_bytes(b"MZ\x90\x00 not a document")
    form.locator("input[name=files]").set_input_files(str(bad))
    form.get_by_role("button", name="Gửi").click()
    expect(stc.locator(".qlvb-messages .alert-danger")).to_contain_text("định dạng không được phép")
    assert ProgressReport.objects.count() == 0
    good = tmp_path / "Kế hoạch triển khai.pdf"
    good.write_bytes(pdf_bytes(1))
    form = stc.get_by_test_id("progress-form")
    form.locator("textarea[name=text]").fill("Đã giao Phòng Ngân sách chủ trì, đạt 30%")
    form.locator("input[name=percent]").fill("30")
    form.locator("input[name=files]").set_input_files(str(good))
    form.get_by_role("button", name="Gửi").click()
    expect(stc.get_by_test_id("progress-row")).to_contain_text("30%")
    expect(stc.get_by_test_id("report-file")).to_have_text("Kế hoạch triển khai.pdf")
    stc.screenshot(path=artifacts / "tasks-progress.png", full_page=True)
    task_url = stc.url
    stc_ctx.close()
    report = ProgressReport.objects.get()
    assert report.percent == 30 and report.agency.short_name == "STC"
    assert [f.original_name for f in report.files.all()] == ["Kế hoạch triển khai.pdf"]

    # The assigning leader downloads it from the task page.
    leader_ctx, leader = session(chromium_browser, live_server, "lanhdao.vpubnd")
    leader.goto(task_url)
    with leader.expect_download() as download_info:
        leader.get_by_test_id("report-file").click()
    download = download_info.value
    assert download.suggested_filename == "Kế hoạch triển khai.pdf"
    assert download.path().read_bytes() == good.read_bytes()
    leader_ctx.close()
    assert AuditEvent.objects.filter(action="task_file.download").count() == 1


def test_the_tracking_officer_urges_the_overdue_tasks_of_an_agency_from_its_row(
    chromium_browser, live_server, settings, artifacts
):
    from playwright.sync_api import expect

    from qlvb.agencies.models import Agency, Person
    from qlvb.directives import services
    from qlvb.directives.models import Urge

    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    leader = Person.objects.get(username="lanhdao.vpubnd")
    stc = Agency.objects.get(code="000.00.05.H15")
    now = timezone.now()
    for title in ("Báo cáo quyết toán", "Rà soát đầu tư công"):
        services.task_create(
            actor=leader,
            title=title,
            lead_agency=stc,
            assigned_at=now - dt.timedelta(days=20),
            due_at=now - dt.timedelta(days=2),
        )
    ctx, page = session(chromium_browser, live_server, "theodoi.vpubnd")
    page.goto("/nhiem-vu/")
    row = page.locator(f'tr[data-agency="{stc.name}"]')
    expect(row.locator('[data-status="overdue"]')).to_have_text("2")
    row.get_by_test_id("urge-agency").click()
    expect(page.locator(".qlvb-messages .alert-success")).to_contain_text("2")
    page.screenshot(path=artifacts / "tasks-urged.png", full_page=True)
    ctx.close()
    assert Urge.objects.filter(agency=stc).count() == 2
