"""Delivery that loses nothing: outbox in the issuing transaction, signed packages to a peer,
statuses back in timestamp order, idempotent receiving, clean refusals with status 02."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile

import pytest
from django.test import Client
from django.utils import timezone

from qlvb.exchange.credentials import install_agency_key
from qlvb.exchange.edxml import message_bytes, parse
from qlvb.exchange.edxml.dsig import make_signer, make_verifier
from qlvb.exchange.edxml.model import Organization, StatusMessage
from qlvb.exchange.models import (
    InboxMessage,
    OutboxMessage,
    Peer,
    PeerKind,
    Route,
    SpooledPackage,
)
from qlvb.incoming import services as incoming_services
from qlvb.incoming.models import IncomingDocument, IncomingState
from qlvb.jobs.runner import run_due, run_item
from qlvb.outgoing.models import Delivery, DeliveryWorkState, OutgoingDocument
from qlvb.outgoing.tests.flow import issue, to_signed

from .keys import key_and_cert
from .samples import full_package, status_message
from .standin import StandIn

TOKEN = "peer-token-0123456789abcdef"


@pytest.fixture
def standin():
    server = StandIn()
    yield server
    server.close()


@pytest.fixture
def setup(people, province, ministry, cong_van, standin, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    key, cert = key_and_cert()
    install_agency_key(province, key_pem=key, cert_pem=cert)
    m_key, m_cert = key_and_cert("Van phong Chinh phu")
    peer = Peer.objects.create(
        name="Trục thử nghiệm",
        kind=PeerKind.QLVB,
        base_url=standin.url,
        secret="outbound-secret",
        inbound_token_sha256=hashlib.sha256(TOKEN.encode()).hexdigest(),
        certificates=m_cert,
    )
    Route.objects.create(agency=ministry, peer=peer)
    return {"peer": peer, "ministry_key": (m_key, m_cert), "cert": cert}


def _post(data: bytes, token: str = TOKEN):
    """The inbox answers once the package is spooled; then a worker registers it."""
    response = Client().post(
        "/api/v1/exchange/inbox",
        data=data,
        content_type="application/xml",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    register_spooled_now()
    return response


def register_spooled_now() -> None:
    for pk in SpooledPackage.objects.filter(state="pending").values_list("pk", flat=True):
        run_item("exchange.spooledpackage", pk)


def _issue_to_ministry(people, ministry, cong_van):
    pk = to_signed(people, [{"agency_id": ministry.pk}], doc_type=cong_van)
    issue(people, pk, deliver=False)
    return OutgoingDocument.objects.get(pk=pk)


def _status(code, when, document_id, key):
    message = status_message(code, when=when)
    message.response_for.document_id = document_id
    return message_bytes(message, signer=make_signer(*key))


def test_send_signed_package_and_statuses_out_of_order(setup, people, ministry, cong_van, standin):
    outgoing = _issue_to_ministry(people, ministry, cong_van)
    # In the issuing transaction: the delivery waits for the exchange, the outbox row exists.
    delivery = Delivery.objects.get(outgoing=outgoing)
    assert delivery.state == DeliveryWorkState.WAITING_EXCHANGE
    message = OutboxMessage.objects.get(delivery=delivery)
    assert message.recipient_code == ministry.code and message.peer == setup["peer"]
    run_due()
    message.refresh_from_db()
    assert message.acknowledged_at is not None and message.state == "done"
    assert len(standin.requests) == 1
    sent = standin.requests[0]
    assert sent["path"] == "/api/v1/exchange/inbox"
    assert sent["headers"]["Authorization"] == "Bearer outbound-secret"
    package = parse(sent["body"], verifier=make_verifier(lambda organ: [setup["cert"]]))
    assert package.signature.valid
    assert package.subject == outgoing.document.subject
    assert package.recipients[0].organ_id == ministry.code
    assert package.attachments
    package.cleanup()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryWorkState.DONE

    # The ministry's statuses arrive out of order: 06, then 03, then 01; 03 again (duplicate).
    base = dt.datetime(2030, 1, 2, 8, 0, 0)
    key = setup["ministry_key"]
    doc_id = message.document_id
    for code, minutes in (("06", 30), ("03", 10), ("01", 0)):
        response = _post(_status(code, base + dt.timedelta(minutes=minutes), doc_id, key))
        assert response.status_code == 202, response.content
    assert _post(_status("03", base + dt.timedelta(minutes=10), doc_id, key)).json()["duplicate"]
    delivery.refresh_from_db()
    assert delivery.status == "06"
    local = timezone.get_current_timezone()
    assert delivery.delivered_at == base.replace(tzinfo=local)
    assert delivery.accepted_at == (base + dt.timedelta(minutes=10)).replace(tzinfo=local)
    assert delivery.done_at == (base + dt.timedelta(minutes=30)).replace(tzinfo=local)
    assert InboxMessage.objects.filter(kind="status").count() == 3


def _package_from_ministry(key, *, to="000.00.00.H15", document_id=None, business=0):
    package = full_package(business)
    package.sender, package.recipients[0] = (
        Organization(organ_id="000.00.00.G22", organ_name="Văn phòng Chính phủ"),
        Organization(organ_id=to, organ_name="UBND"),
    )
    package.recipients = package.recipients[:1]
    package.document_id = document_id or "000.00.00.G22,2026/11/02,15/VPCP-TH"
    package.business.document_id = package.document_id
    package.promulgation_date = dt.date(2026, 11, 2)
    data = message_bytes(package, signer=make_signer(*key) if key else None)
    package.cleanup()
    return data


def test_receive_once_then_statuses_travel_back(setup, people, province, standin):
    data = _package_from_ministry(setup["ministry_key"])
    first = _post(data)
    assert first.status_code == 202, first.json()
    assert _post(data).json()["results"][0]["duplicate"] is True
    incoming = IncomingDocument.objects.get(agency=province)
    assert incoming.state == IncomingState.RECEIVED
    assert incoming.document.code_notation == "UBND-TH"
    assert incoming.document.attachments.count() == 2
    # 01 went into the outbox in the receiving transaction; the clerk's acceptance adds 03.
    incoming_services.incoming_accept(actor=people["clerk"], incoming=incoming)
    codes = list(
        OutboxMessage.objects.filter(kind="status")
        .order_by("pk")
        .values_list("status_code", flat=True)
    )
    assert codes == ["01", "03"]
    run_due()
    assert len(standin.requests) == 2
    answers = [parse(r["body"]) for r in standin.requests]
    # Sent independently (either may go first): the receiver orders them by timestamp.
    assert sorted(a.status_code for a in answers) == ["01", "03"]
    assert all(isinstance(a, StatusMessage) for a in answers)
    assert {a.response_for.document_id for a in answers} == {"000.00.00.G22,2026/11/02,15/VPCP-TH"}


def test_recall_and_replacement_from_elsewhere(setup, province):
    key = setup["ministry_key"]
    original = "000.00.00.G22,2026/11/02,15/VPCP-TH"
    assert _post(_package_from_ministry(key, document_id=original)).status_code == 202
    # Replacement (3) links the new document to the one it replaces.
    replacement = full_package(3)
    replacement.sender = Organization(organ_id="000.00.00.G22", organ_name="VPCP")
    replacement.recipients = [Organization(organ_id=province.code, organ_name="UBND")]
    replacement.document_id = "000.00.00.G22,2026/11/03,16/VPCP-TH"
    replacement.business.document_id = replacement.document_id
    replacement.business.replacement_info[0].document_id = original
    replacement.promulgation_date = dt.date(2026, 11, 3)
    data = message_bytes(replacement, signer=make_signer(*key))
    replacement.cleanup()
    assert _post(data).status_code == 202
    new = IncomingDocument.objects.get(origin_reference__contains="16/VPCP-TH")
    assert new.replaces is not None and new.relation == "replacement"
    # Recall (1) of the original, not yet accepted: withdrawn, and 15 goes back.
    recall = full_package(1, files=[])
    recall.sender = Organization(organ_id="000.00.00.G22", organ_name="VPCP")
    recall.recipients = [Organization(organ_id=province.code, organ_name="UBND")]
    recall.document_id = original
    recall.business.document_id = original
    recall.promulgation_date = dt.date(2026, 11, 2)
    response = _post(message_bytes(recall, signer=make_signer(*key)))
    assert response.status_code == 202, response.content
    old = IncomingDocument.objects.get(pk=new.replaces_id)
    assert old.state == IncomingState.WITHDRAWN
    assert OutboxMessage.objects.filter(kind="status", status_code="15").exists()


@pytest.mark.parametrize(
    "case",
    [
        "unsigned",
        "wrong signature",
        "tampered attachment",
        "unknown recipient",
        "not on installation",
        "malformed",
        "wrong namespace",
        "entity expansion",
        "zip bomb",
    ],
)
def test_refused_packages_answer_02_and_import_nothing(setup, ministry, case):
    key = setup["ministry_key"]
    if case == "tampered attachment":
        from .test_codec import _swap_attachment

        data = _swap_attachment(_package_from_ministry(key), 0, b"%PDF-1.4 forged")
    elif case == "wrong namespace":
        data = _package_from_ministry(key).replace(
            b"http://www.mic.gov.vn/TBT/QCVN_102_2016", b"urn:other"
        )
    elif case == "entity expansion":
        data = _package_from_ministry(key).replace(
            b'<?xml version="1.0" encoding="UTF-8"?>',
            b'<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        )
    elif case == "zip bomb":
        from .test_codec import _swap_attachment

        # 310 MB of zeros in a 300 KB ZIP: more than a package may decompress to (300 MB).
        bomb = io.BytesIO()
        with (
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive,
            archive.open("van-ban.pdf", "w") as member,
        ):
            for _ in range(310):
                member.write(bytes(1024 * 1024))
        data = _swap_attachment(_package_from_ministry(key), 0, bomb.getvalue())
    elif case == "unsigned":
        data = _package_from_ministry(None)
    elif case == "wrong signature":
        data = _package_from_ministry(key_and_cert("Someone else"))
    elif case == "unknown recipient":
        data = _package_from_ministry(key, to="999.99.99.H99")
    elif case == "not on installation":
        data = _package_from_ministry(key, to=ministry.code)
    else:
        data = _package_from_ministry(key)[:-200]
    response = _post(data)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    assert detail
    assert IncomingDocument.objects.count() == 0
    reply = OutboxMessage.objects.get(kind="status")
    assert reply.status_code == "02" and reply.recipient_code == "000.00.00.G22"
    assert reply.payload["description"] == detail[:1000]
    assert InboxMessage.objects.get().state == "rejected"
    assert not SpooledPackage.objects.exists()
    if case == "tampered attachment":
        assert "không khớp mã băm" in detail
    if case == "zip bomb":
        assert "nén" in detail, detail


def test_inbox_requires_the_peer_token(setup):
    response = _post(b"<edXML/>", token="wrong-token-000000000000")
    assert response.status_code == 401
    assert InboxMessage.objects.count() == 0


def test_back_off_then_permanent_failure_and_retry(setup, people, ministry, cong_van, standin):
    standin.answers = [503, 400]
    outgoing = _issue_to_ministry(people, ministry, cong_van)
    message = OutboxMessage.objects.get(delivery__outgoing=outgoing)
    run_due()
    message.refresh_from_db()
    assert message.state == "pending" and message.attempts == 1 and "503" in message.last_error
    assert message.next_attempt_at > timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    run_due()
    message.refresh_from_db()
    assert message.state == "failed" and "400" in message.last_error
    admin = people["clerk"]
    from qlvb.agencies.models import RoleAssignment

    RoleAssignment.objects.create(person=admin, agency=admin.agency, role="admin")
    client = Client()
    client.force_login(admin)
    page = client.get("/lien-thong/loi/")
    assert page.status_code == 200 and message.document_id in page.content.decode()
    assert client.post(f"/lien-thong/loi/{message.pk}/gui-lai/").status_code == 302
    run_due()
    message.refresh_from_db()
    assert message.acknowledged_at is not None and len(standin.requests) == 3
    assert client.get("/lien-thong/gui/").status_code == 200
    assert client.get("/lien-thong/nhan/").status_code == 200


def test_inbox_page_shows_every_package_state(setup, people):
    """Liên thông › Nhận: a package that arrived waits in the spool (signature checked), then
    shows as registered with a link into the reception queue; a refused one with its reason."""
    from qlvb.outgoing.tests.conftest import client_for

    data = _package_from_ministry(setup["ministry_key"])
    response = Client().post(
        "/api/v1/exchange/inbox",
        data=data,
        content_type="application/xml",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )
    assert response.status_code == 202 and response.json()["state"] == "received"
    clerk = client_for(people["clerk"])
    page = clerk.get("/lien-thong/nhan/").content.decode()
    assert 'id="exchange-spooled"' in page and "Đã kiểm tra chữ ký" in page
    assert "15/VPCP-TH" in page
    register_spooled_now()
    _post(_package_from_ministry(None, document_id="000.00.00.G22,2026/11/02,99/VPCP-TH"))
    page = clerk.get("/lien-thong/nhan/").content.decode()
    assert 'id="exchange-spooled"' not in page
    assert "Đã nhận vào hàng chờ tiếp nhận" in page and "Mở trong hàng chờ tiếp nhận" in page
    assert "Hợp lệ" in page
    assert "Từ chối (đã báo 02)" in page and "không có chữ ký số" in page
