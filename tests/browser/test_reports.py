"""The province office's leader opens a report, sets the period and the reporting agency, sees the
table and the chart, and drills down from a figure to the documents behind it; the figure and
the list agree (issue: statistics and reports)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "qlvb-demo-2026"
OFFICE = "000.00.01.H15"
SENDER = "000.00.02.H15"
OTHER = "000.00.03.H15"


def _csv(columns, rows) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue().encode("utf-8")


def _incoming(number, sender, **kw):
    return {
        "agency_code": OFFICE,
        "arrival_number": str(number),
        "arrival_date": "2019-03-11",
        "sender_code": sender,
        "type_name": "Công văn",
        "code_number": str(100 + number),
        "code_notation": "CV-X",
        "issued_date": "2019-03-08",
        "subject": f"Văn bản cũ số {number}",
        **kw,
    }


def _load_registers():
    """A 2019 register of the office, before the demo's own data: from SENDER 4 documents whose
    electronic copy came first, 1 whose electronic copy came after the paper one and 2 on
    paper only; from OTHER one electronic. So SENDER's row reads 7, 4, 3, 57 %."""
    from qlvb.reports.importer import INCOMING_COLUMNS, import_register

    e = {"electronic_received_at": "2019-03-11T08:00:00+07:00"}
    paper = {"paper_received_at": "2019-03-11T09:00:00+07:00"}
    late = {"electronic_received_at": "2019-03-11T10:00:00+07:00", **paper}
    rows = [_incoming(n, SENDER, **e) for n in (1, 2, 3, 4)]
    rows += [_incoming(5, SENDER, **late), _incoming(6, SENDER, **paper)]
    rows += [_incoming(7, SENDER, **paper), _incoming(8, OTHER, **e)]
    import_register(actor=None, kind="incoming", raw=_csv(INCOMING_COLUMNS, rows))


def _login(browser, live_server, username):
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


def test_report_filters_chart_and_drill_down_agree(
    chromium_browser, live_server, settings, artifacts
):
    from playwright.sync_api import expect

    from qlvb.agencies.models import Agency

    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    _load_registers()
    sender_name = Agency.objects.get(code=SENDER).name

    context, page = _login(chromium_browser, live_server, "lanhdao.vpubnd")
    page.goto("/bao-cao/")
    page.get_by_test_id("report-list").get_by_role(
        "link", name="Tình hình gửi, nhận văn bản điện tử"
    ).click()
    filters = page.get_by_test_id("filters")
    filters.locator("#f-agency").select_option(OFFICE)
    filters.locator("#f-from").fill("2019-01-01")
    filters.locator("#f-to").fill("2019-12-31")
    filters.get_by_role("button").click()
    page.wait_for_url("**from=2019-01-01**")

    # The chart and the table of the period: OTHER (1 of 1, 100 %) ranks first, SENDER second.
    expect(page.get_by_test_id("chart").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("chart")).to_contain_text(sender_name)
    table = page.get_by_test_id("report-table")
    row = table.locator("tbody tr", has_text=sender_name)
    expect(row).to_have_count(1)
    cells = row.locator("td")
    # rank, code, name, out_total, out_electronic, out_urgent, out_rate, in_total, in_e, in_other,
    # in_rate
    expect(cells.nth(0)).to_have_text("2")
    expect(cells.nth(7)).to_have_text("7")
    expect(cells.nth(8)).to_have_text("4")
    expect(cells.nth(9)).to_have_text("3")
    expect(cells.nth(10)).to_have_text("57")
    page.screenshot(path=artifacts / "reports-exchange-summary.png", full_page=True)

    # Every figure of the row opens the documents behind it, as many as the figure says.
    for column, expected in (("in_total", 7), ("in_electronic_first", 4), ("in_other", 3)):
        link = row.get_by_test_id(f"cell-{column}")
        figure = int(link.inner_text())
        assert figure == expected
        link.click()
        expect(page.get_by_test_id("cell-count")).to_have_text(str(figure))
        expect(page.get_by_test_id("cell-list").locator("tbody tr")).to_have_count(figure)
        if column == "in_other":
            # The late electronic copy (number 5) counts as "other", with the paper-only ones.
            expect(page.get_by_test_id("cell-list")).to_contain_text("105/CV-X")
            page.screenshot(path=artifacts / "reports-drill-down.png", full_page=True)
        page.get_by_role("link", name="Quay lại báo cáo").click()
        page.wait_for_url("**from=2019-01-01**")
        # Back on the report with the same filters.
        expect(page.locator("#f-from")).to_have_value("2019-01-01")
    context.close()
