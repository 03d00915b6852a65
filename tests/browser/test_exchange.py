"""Liên thông in the browser: a package from another system arrives for the province office;
its clerk sees it in Liên thông › Nhận while it waits in the spool (signature checked), then
registered with a link into the reception queue, where the same acceptance flow as for a
same-installation delivery applies; a refused package is listed with its reason."""

from __future__ import annotations

import hashlib

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "qlvb-demo-2026"
TOKEN = "peer-token-for-browser-0123456789"


def test_exchange_inbox_shows_each_package_state(
    chromium_browser, live_server, settings, artifacts, tmp_path, monkeypatch
):
    from django.test import Client
    from playwright.sync_api import expect

    from qlvb.agencies.models import Agency, AgencyLevel, Person
    from qlvb.exchange.models import Peer, PeerKind, SpooledPackage
    from qlvb.exchange.tests.keys import key_and_cert
    from qlvb.exchange.tests.test_delivery import _package_from_ministry
    from qlvb.jobs.runner import run_item

    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.DATA_DIR = tmp_path
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    office = Person.objects.get(username="vanthu.vpubnd").agency
    Agency.objects.get_or_create(
        code="000.00.00.G22",
        defaults={"name": "Văn phòng Chính phủ", "level": AgencyLevel.CENTRAL},
    )
    key, cert = key_and_cert("Van phong Chinh phu")
    Peer.objects.create(
        name="Trục liên thông (thử)",
        kind=PeerKind.VDXP,
        base_url="http://127.0.0.1:9",
        inbound_token_sha256=hashlib.sha256(TOKEN.encode()).hexdigest(),
        certificates=cert,
    )

    def post(data):
        return Client().post(
            "/api/v1/exchange/inbox",
            data=data,
            content_type="application/xml",
            HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
        )

    from huey.contrib.djhuey import HUEY

    # No worker runs yet (the queue only keeps the nudge): the package stays in the spool.
    monkeypatch.setattr(HUEY, "immediate", False)
    assert post(_package_from_ministry((key, cert), to=office.code)).status_code == 202
    unsigned = _package_from_ministry(
        None, to=office.code, document_id="000.00.00.G22,2026/11/02,16/VPCP-TH"
    )
    assert post(unsigned).status_code == 422

    context = chromium_browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/tai-khoan/dang-nhap/")
    page.fill("input[name=username]", "vanthu.vpubnd")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.goto("/lien-thong/nhan/")
    spooled = page.locator("#exchange-spooled")
    expect(spooled).to_contain_text("15/VPCP-TH")
    expect(spooled).to_contain_text("Đã kiểm tra chữ ký, đang chờ vào hàng chờ tiếp nhận")
    refused = page.locator("#exchange-inbox tbody tr", has_text="16/VPCP-TH")
    expect(refused).to_contain_text("Từ chối (đã báo 02)")
    expect(refused).to_contain_text("không có chữ ký số")
    page.screenshot(path=artifacts / "exchange-01-arrived.png", full_page=True)

    for pk in SpooledPackage.objects.values_list("pk", flat=True):
        assert run_item("exchange.spooledpackage", pk) == "done"
    page.reload()
    expect(page.locator("#exchange-spooled")).to_have_count(0)
    registered = page.locator("#exchange-inbox tbody tr", has_text="15/VPCP-TH")
    expect(registered).to_contain_text("Đã nhận vào hàng chờ tiếp nhận")
    expect(registered).to_contain_text("Hợp lệ")
    page.screenshot(path=artifacts / "exchange-02-registered.png", full_page=True)

    registered.get_by_role("link", name="Mở trong hàng chờ tiếp nhận").click()
    expect(page.get_by_test_id("state")).to_be_visible()
    page.screenshot(path=artifacts / "exchange-03-reception.png", full_page=True)
    context.close()
