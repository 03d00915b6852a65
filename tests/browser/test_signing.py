"""The clerk's reception queue shows the signature check of each arriving PDF before they
accept it: a valid signature and the same file altered after signing look different, and the
altered one says why, in Vietnamese (issue: digital signatures, ND30 Điều 21)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "x-password-1"


def _agencies():
    from qlvb.agencies.models import Agency, AgencyLevel, Person, RoleAssignment

    office = Agency.objects.create(
        code="000.00.01.H15",
        name="Văn phòng UBND tỉnh",
        short_name="VPUBND",
        level=AgencyLevel.DEPARTMENT,
        on_installation=True,
    )
    sender = Agency.objects.create(
        code="000.00.20.H15", name="Sở Tài chính", short_name="STC", level=AgencyLevel.DEPARTMENT
    )
    clerk = Person.objects.create_user(
        "vanthu", PASSWORD, full_name="Nguyễn Thị Văn Thư", agency=office
    )
    RoleAssignment.objects.create(person=clerk, agency=office, role="clerk")
    admin = Person.objects.create(username="quantri", full_name="Quản trị", is_superuser=True)
    return office, sender, clerk, admin


def _sign_in(page, live_server, username):
    page.goto("/tai-khoan/dang-nhap/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/")


def test_reception_queue_shows_a_valid_and_an_altered_signature_differently(
    page, live_server, artifacts
):
    from playwright.sync_api import expect

    from qlvb.signing import services
    from qlvb.signing.testca import shared_ca
    from qlvb.signing.tests.arrival import altered, deliver, signed_pdf

    ca = shared_ca()
    office, sender, _clerk, admin = _agencies()
    services.trust_anchor_import(actor=admin, data=ca.root.cert_pem, name="Root CA thử nghiệm")
    services.trust_anchor_import(actor=admin, data=ca.crl_der(), name="CRL thử nghiệm")
    good = signed_pdf(ca.person("Nguyễn Văn An"))
    # each delivery commits, and its check runs after the commit (the queue runs inline here)
    deliver(office, sender, {"hop-le.pdf": good}, subject="Công văn ký số hợp lệ", ref="a")
    deliver(office, sender, {"bi-sua.pdf": altered(good)}, subject="Công văn bị sửa", ref="b")

    _sign_in(page, live_server, "vanthu")
    page.goto("/van-ban-den/?box=reception")
    rows = page.get_by_test_id("incoming-row")
    expect(rows).to_have_count(2)
    valid = rows.filter(has_text="Công văn ký số hợp lệ").get_by_test_id("signature-summary")
    changed = rows.filter(has_text="Công văn bị sửa").get_by_test_id("signature-summary")
    expect(valid).to_have_attribute("data-status", "valid")
    expect(valid).to_contain_text("Chữ ký số hợp lệ")
    expect(valid).to_contain_text("Nguyễn Văn An")
    expect(changed).to_have_attribute("data-status", "invalid")
    expect(changed).to_contain_text("Chữ ký số không hợp lệ")
    expect(changed.get_by_test_id("signature-reason")).to_contain_text(
        "Nội dung tệp đã bị thay đổi sau khi ký"
    )
    expect(valid.get_by_test_id("signature-reason")).to_have_count(0)

    def colour(summary):
        return summary.locator(".badge").first.evaluate("e => getComputedStyle(e).backgroundColor")

    assert colour(valid) != colour(changed)  # green and red, not only different words
    page.screenshot(path=artifacts / "sign-01-reception-queue.png", full_page=True)

    # before accepting, the clerk opens the altered one: the page gives each signature's detail
    page.get_by_role("link", name="Công văn bị sửa").click()
    check = page.get_by_test_id("signature-check")
    expect(check).to_have_attribute("data-status", "invalid")
    expect(check).to_contain_text("Người ký")
    expect(check).to_contain_text("Đã bị thay đổi sau khi ký")
    expect(page.get_by_test_id("accept")).to_be_visible()
    page.screenshot(path=artifacts / "sign-02-altered-document.png", full_page=True)
