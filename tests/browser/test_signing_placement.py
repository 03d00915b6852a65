"""The signer's name is not on the document: the outgoing page shows the last page (pdf.js),
the signer clicks where their signature goes, enters the PIN of their server-held key, and
the signature lands there (the click's coordinates posted to the manual placement of the API).
A wrong PIN is told in Vietnamese and the document stays as it was."""

from __future__ import annotations

import pytest
from django.test import Client

from qlvb.outgoing.tests.conftest import (  # noqa: F401 — fixtures shared with outgoing
    cong_van,
    people,
    province,
    quyet_dinh,
    recipients,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PIN = "123456"


def _signed_in(page, live_server, person):
    from django.conf import settings

    client = Client()
    client.force_login(person)
    name = settings.SESSION_COOKIE_NAME
    page.context.add_cookies(
        [{"name": name, "value": client.cookies[name].value, "url": live_server.url}]
    )


def _widget_centre(pdf: bytes):
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    last = len(reader.pages) - 1
    for annot in reader.pages[last].get("/Annots") or []:
        obj = annot.get_object()
        if obj.get("/FT") == "/Sig":
            x0, y0, x1, y1 = (float(v) for v in obj["/Rect"])
            return last, (x0 + x1) / 2, (y0 + y1) / 2
    return None


def test_signer_places_the_signature_by_clicking_the_last_page(
    page,
    live_server,
    artifacts,
    people,  # noqa: F811 — the fixtures imported above
    recipients,  # noqa: F811
):
    from playwright.sync_api import expect

    from qlvb.agencies.models import Person
    from qlvb.outgoing.models import OutgoingDocument
    from qlvb.outgoing.services import current_version
    from qlvb.signing import samples, services
    from qlvb.signing.testca import shared_ca
    from qlvb.signing.tests.flow import to_approved
    from qlvb.signing.tests.test_flow import _main_pdf

    ca = shared_ca()
    admin = Person.objects.create(username="quantri", full_name="Quản trị", is_superuser=True)
    services.trust_anchor_import(actor=admin, data=ca.root.cert_pem)
    signer = people["signer"]
    services.signature_image_upload(actor=signer, person=signer, data=samples.signature_png())
    services.person_key_import(
        actor=signer, person=signer, pkcs12=ca.person(signer.full_name).pkcs12(PIN), pin=PIN
    )
    # a document whose signer block names someone else: the name is not found
    other = samples.document_pdf(pages=2, name="Người Khác Hẳn", position="KT. CHỦ TỊCH")
    pk = to_approved(people, recipients, main=other)

    _signed_in(page, live_server, signer)
    page.goto(f"/van-ban-di/{pk}/")
    expect(page.get_by_test_id("placement-needed")).to_contain_text("tìm thấy tên của bạn")
    canvas = page.get_by_test_id("placement-page")
    expect(canvas).to_have_attribute("data-ready", "1")
    expect(page.get_by_test_id("placement-status")).to_contain_text("2/2")

    # signing before choosing the place is refused in the page
    page.get_by_test_id("sign-pin").fill(PIN)
    page.get_by_test_id("digital-sign").click()
    expect(page.get_by_test_id("sign-error")).to_contain_text("chọn vị trí")

    box = canvas.bounding_box()
    click_x, click_y = box["width"] * 0.3, box["height"] * 0.7
    canvas.click(position={"x": click_x, "y": click_y})
    marker = page.get_by_test_id("placement-marker")
    expect(marker).to_be_visible()
    page.screenshot(path=artifacts / "sign-03-placement.png", full_page=True)

    # a wrong PIN: the reason in Vietnamese, nothing signed
    page.get_by_test_id("sign-pin").fill("000000")
    page.get_by_test_id("digital-sign").click()
    expect(page.get_by_test_id("sign-error")).to_contain_text("Mã PIN")
    outgoing = OutgoingDocument.objects.get(pk=pk)
    assert outgoing.state == "approved" and current_version(outgoing).number == 1

    page.get_by_test_id("sign-pin").fill(PIN)
    page.get_by_test_id("digital-sign").click()
    expect(page.get_by_test_id("state")).to_have_text("Đã ký, chờ phát hành")
    page.screenshot(path=artifacts / "sign-04-signed.png", full_page=True)

    signed = _main_pdf(pk)
    page_index, x, y = _widget_centre(signed)
    width_pt, height_pt = 595.2756, 841.8898  # A4, the sample's page size
    assert page_index == 1  # the last page
    assert x == pytest.approx(click_x * width_pt / box["width"], abs=3)
    assert y == pytest.approx(height_pt - click_y * height_pt / box["height"], abs=3)
    assert services._signed_pdf_check(signed)["signatures"][0]["signer"] == signer.full_name
