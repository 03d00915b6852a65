"""Verification on arrival (ND30 Điều 21): every PDF delivered into the reception queue or
registered by upload is checked after commit; the result is in the API, the reception queue
and the incoming document page, in Vietnamese, with the precise reason when bad."""

import io

import pytest
from django.urls import reverse

from qlvb.documents.services import Upload
from qlvb.incoming import services as incoming_services
from qlvb.jobs.models import WorkState
from qlvb.signing import samples, services
from qlvb.signing.models import PdfVerification, VerificationRequest

from .arrival import altered, deliver, signed_pdf
from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def arrived(trusted, admin, people, recipients, django_capture_on_commit_callbacks):
    """Three deliveries from another agency: a valid signature, the same file altered after
    signing, a signer whose certificate was revoked; and an unsigned file beside the first."""
    sender = recipients[0]["agency"]
    agency = people["clerk"].agency
    good = signed_pdf(trusted.person("Nguyễn Văn An"))
    revoked = trusted.revoke(trusted.person("Trần Bị Thu Hồi"))
    # the CRL imported before this revocation does not list it: the new one does
    services.trust_anchor_import(actor=admin, data=trusted.crl_der(), name="CRL mới")
    with django_capture_on_commit_callbacks(execute=True):
        valid = deliver(
            agency,
            sender,
            {"hop-le.pdf": good, "khong-ky.pdf": samples.document_pdf()},
            subject="Văn bản ký số hợp lệ",
            ref="a",
        )
    with django_capture_on_commit_callbacks(execute=True):
        bad = deliver(
            agency, sender, {"bi-sua.pdf": altered(good)}, subject="Văn bản bị sửa", ref="b"
        )
    with django_capture_on_commit_callbacks(execute=True):
        gone = deliver(
            agency,
            sender,
            {"thu-hoi.pdf": signed_pdf(revoked)},
            subject="Văn bản của chứng thư bị thu hồi",
            ref="c",
        )
    return valid, bad, gone


def _files(incoming):
    return {a.original_name: a for a in incoming.document.attachments.all()}


def test_each_arriving_pdf_is_checked_after_commit_and_the_api_tells_why(arrived, people):
    valid, bad, gone = arrived
    assert VerificationRequest.objects.count() == 4
    assert set(VerificationRequest.objects.values_list("state", flat=True)) == {WorkState.DONE}
    clerk = client_for(people["clerk"])

    def check(attachment):
        r = clerk.get(f"/api/v1/attachments/{attachment.pk}/signatures")
        assert r.status_code == 200, r.content
        return r.json()

    good = check(_files(valid)["hop-le.pdf"])
    assert good["status"] == "valid" and good["reasons"] == []
    (signature,) = good["signatures"]
    assert signature["signer"] == "Nguyễn Văn An"
    assert signature["trusted"] and signature["intact"]
    assert signature["revocation"] == "good"  # the imported CRL covers its issuer
    assert signature["signing_time"].endswith("+07:00")

    unsigned = check(_files(valid)["khong-ky.pdf"])
    assert unsigned["status"] == "unsigned" and unsigned["signatures"] == []

    changed = check(_files(bad)["bi-sua.pdf"])
    assert changed["status"] == "invalid"
    assert not changed["signatures"][0]["intact"]
    assert "bị thay đổi sau khi ký" in changed["reasons"][0]

    revoked = check(_files(gone)["thu-hoi.pdf"])
    assert revoked["status"] == "untrusted"
    assert revoked["signatures"][0]["revocation"] == "revoked"
    assert "đã bị thu hồi" in revoked["reasons"][0]


def test_reception_queue_and_document_page_show_the_check_in_vietnamese(arrived, people):
    valid, bad, _gone = arrived
    clerk = client_for(people["clerk"])
    page = clerk.get(reverse("incoming:list") + "?box=reception").content.decode()
    assert "Chữ ký số" in page  # the column
    assert 'data-status="valid"' in page and 'data-status="invalid"' in page
    assert "Chữ ký số hợp lệ" in page and "Chữ ký số không hợp lệ" in page
    assert "Nội dung tệp đã bị thay đổi sau khi ký" in page
    assert "Chứng thư số không được tin cậy" in page and "đã bị thu hồi" in page
    assert "Không có chữ ký số" in page

    detail = clerk.get(reverse("incoming:detail", args=[bad.pk])).content.decode()
    assert 'data-testid="signature-check" data-status="invalid"' in detail
    assert "Người ký" in detail and "Nguyễn Văn An" in detail
    assert "Đã bị thay đổi sau khi ký" in detail
    detail = clerk.get(reverse("incoming:detail", args=[valid.pk])).content.decode()
    assert "Tin cậy" in detail and "Nguyên vẹn" in detail and "Chưa bị thu hồi" in detail


def test_a_registered_upload_is_checked_and_a_pending_check_is_shown(
    trusted, people, django_capture_on_commit_callbacks
):
    signed = signed_pdf(trusted.person("Lê Thị Ký"))
    with django_capture_on_commit_callbacks(execute=False) as pending:
        incoming = incoming_services.incoming_register(
            actor=people["clerk"],
            metadata={"subject": "Văn bản giấy kèm bản ký số", "organ_name": "Sở Tài chính"},
            uploads=[Upload(io.BytesIO(signed), "ban-ky-so.pdf", "main")],
        )
    attachment = incoming.document.attachments.get()
    assert not PdfVerification.objects.filter(attachment=attachment).exists()
    clerk = client_for(people["clerk"])
    detail = clerk.get(reverse("incoming:detail", args=[incoming.pk])).content.decode()
    assert "Đang kiểm tra chữ ký số" in detail  # the job has not run yet
    for callback in pending:
        callback()
    check = PdfVerification.objects.get(attachment=attachment)
    assert check.status == "valid"
    assert check.result["signatures"][0]["signer"] == "Lê Thị Ký"
    detail = clerk.get(reverse("incoming:detail", args=[incoming.pk])).content.decode()
    assert "Chữ ký số hợp lệ" in detail and "Lê Thị Ký" in detail


def test_the_check_speaks_english_when_the_person_picks_it(arrived, people):
    """The signing app's strings come from its catalogue: Vietnamese by default, English with
    the language switch (the reasons stay as recorded, in Vietnamese)."""
    _valid, bad, _gone = arrived
    clerk = client_for(people["clerk"])
    clerk.cookies["django_language"] = "en"
    page = clerk.get(reverse("incoming:list") + "?box=reception").content.decode()
    assert "Valid digital signature" in page and "Invalid digital signature" in page
    assert "Chữ ký số hợp lệ" not in page
    detail = clerk.get(reverse("incoming:detail", args=[bad.pk])).content.decode()
    assert "Certificate chain" in detail and "Changed after signing" in detail


def test_the_api_reception_queue_carries_each_files_check(arrived, people):
    valid, bad, gone = arrived
    queue = client_for(people["clerk"]).get("/api/v1/incoming/reception").json()
    by_id = {item["id"]: item["signatures"] for item in queue}
    assert [(s["name"], s["status"]) for s in by_id[valid.pk]] == [
        ("hop-le.pdf", "valid"),
        ("khong-ky.pdf", "unsigned"),
    ]
    assert by_id[valid.pk][0]["signers"] == ["Nguyễn Văn An"]
    (changed,) = by_id[bad.pk]
    assert changed["status"] == "invalid" and "bị thay đổi sau khi ký" in changed["reasons"][0]
    assert by_id[gone.pk][0]["status"] == "untrusted"
