"""Drafting, approving, signing and issuing an outgoing document in the browser; the recipient
agency's reception queue has it at once and the sender's tracking page shows it."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfWriter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "x-password-1"


def _people():
    from qlvb.agencies.models import (
        Agency,
        AgencyLevel,
        Department,
        Person,
        Position,
        RoleAssignment,
    )

    province = Agency.objects.create(
        code="000.00.00.H15",
        name="UBND tỉnh Đắk Lắk",
        short_name="UBND",
        level=AgencyLevel.PROVINCE,
        on_installation=True,
    )
    finance = Agency.objects.create(
        code="000.00.20.H15",
        name="Sở Tài chính",
        short_name="STC",
        level=AgencyLevel.DEPARTMENT,
        on_installation=True,
    )
    kgvx = Department.objects.create(
        agency=province, name="Phòng Khoa giáo - Văn xã", short_name="KGVX"
    )
    chairman = Position.objects.create(agency=province, name="Chủ tịch", rank=1)

    def person(username, agency, role, **extra):
        p = Person.objects.create_user(
            username, PASSWORD, full_name=username.title(), agency=agency, **extra
        )
        RoleAssignment.objects.create(person=p, agency=agency, role=role)
        return p

    return {
        "specialist": person("chuyenvien", province, "specialist", department=kgvx),
        "head": person("truongphong", province, "leader", department=kgvx),
        "signer": person("chutich", province, "leader", position=chairman),
        "clerk": person("vanthu", province, "clerk"),
        "finance_clerk": person("vanthu.stc", finance, "clerk"),
        "finance": finance,
    }


def _sign_in(page, username):
    page.context.clear_cookies()
    page.goto("/tai-khoan/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(re.compile(r"^https?://[^/]+/(\?.*)?$"))


def test_draft_approve_sign_issue_in_the_browser(page, artifacts, tmp_path):
    from playwright.sync_api import expect

    people = _people()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    draft_pdf = tmp_path / "du-thao-cong-van.pdf"
    draft_pdf.write_bytes(buffer.getvalue())

    # the specialist drafts
    _sign_in(page, "chuyenvien")
    page.locator("nav.qlvb-nav [data-section=outgoing]").click()
    expect(page.locator("h1")).to_have_text("Văn bản đi")
    page.get_by_test_id("new-draft").click()
    expect(page.locator("h1")).to_have_text("Soạn thảo văn bản đi")
    page.fill("#id_subject", "V/v triển khai chuyển đổi số năm 2026")
    page.select_option("#id_urgency", "khan")
    page.select_option("#id_signer", str(people["signer"].pk))
    page.select_option("#id_agencies", [str(people["finance"].pk)])
    page.fill("#id_paper_lines", "Lưu: VT, KGVX")
    page.set_input_files("#id_files", str(draft_pdf))
    page.screenshot(path=artifacts / "outgoing-01-draft-form.png", full_page=True)
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("state")).to_have_text("Dự thảo")
    expect(page.get_by_test_id("version")).to_have_count(1)
    expect(page.get_by_test_id("recipients")).to_contain_text("Sở Tài chính")
    detail_url = page.url
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("state")).to_have_text("Đang trình duyệt")
    expect(page.get_by_test_id("chain")).to_contain_text("Truongphong")
    page.screenshot(path=artifacts / "outgoing-02-submitted.png", full_page=True)

    # the department head, then the signer, approve; the signer signs
    for username in ("truongphong", "chutich"):
        _sign_in(page, username)
        page.goto(detail_url)
        page.get_by_test_id("review-comment").fill("Đồng ý")
        page.get_by_test_id("approve").click()
        expect(page.locator(".alert")).to_contain_text("Đã duyệt")
    expect(page.get_by_test_id("state")).to_have_text("Đã duyệt, chờ ký")
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("state")).to_have_text("Đã ký, chờ phát hành")

    # the clerk issues from the list of documents waiting to be issued
    _sign_in(page, "vanthu")
    page.goto("/van-ban-di/")
    expect(page.locator("[data-box=to_issue]")).to_have_class(re.compile(r"\bactive\b"))
    page.get_by_role("link", name=re.compile("chuyển đổi số")).click()
    page.screenshot(path=artifacts / "outgoing-03-to-issue.png", full_page=True)
    page.get_by_test_id("issue").click()
    expect(page.locator("h1")).to_contain_text("chuyển đổi số")
    expect(page.locator(".alert")).to_contain_text("Đã phát hành số 01/UBND-KGVX")
    expect(page.get_by_test_id("delivery")).to_have_count(1)
    expect(page.get_by_test_id("delivery")).to_contain_text("Sở Tài chính")
    expect(page.get_by_test_id("delivery")).to_contain_text("Đã đến, chờ tiếp nhận")
    page.screenshot(path=artifacts / "outgoing-04-tracking.png", full_page=True)

    # the recipient's clerk has it in the reception queue, urgent
    _sign_in(page, "vanthu.stc")
    page.goto("/van-ban-den/?box=reception")
    expect(page.locator("body")).to_contain_text("V/v triển khai chuyển đổi số năm 2026")
    expect(page.locator("body")).to_contain_text("01/UBND-KGVX")
