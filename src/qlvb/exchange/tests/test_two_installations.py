"""Two qlvb installations: this test process (A, served by live_server, its own test
database) and a second one (B: gunicorn, its own data folder and SQLite database). A sends
signed documents to B; B's status 01 comes back to A; B is killed in the middle of a batch and,
after its restart, every package is registered there exactly once."""

from __future__ import annotations

import hashlib

import pytest

from qlvb.exchange.credentials import install_agency_key
from qlvb.exchange.installation import Installation
from qlvb.exchange.models import InboxMessage, OutboxMessage, Peer, PeerKind, Route
from qlvb.jobs.runner import run_due
from qlvb.outgoing.models import Delivery, OutgoingDocument
from qlvb.outgoing.tests.flow import issue, to_signed

from .keys import key_and_cert

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN_A, TOKEN_B = "token-for-a-" + "a" * 20, "token-for-b-" + "b" * 20


@pytest.fixture
def pair(live_server, people, province, ministry, cong_van, tmp_path, settings):
    settings.DATA_DIR = tmp_path / "a"
    key_a, cert_a = key_and_cert()
    key_b, cert_b = key_and_cert("Van phong Chinh phu")
    install_agency_key(province, key_pem=key_a, cert_pem=cert_a)
    other = Installation(
        tmp_path / "b",
        code=ministry.code,
        name=ministry.name,
        token=TOKEN_B,
        trusted_cert=cert_a,
        peer_url=live_server.url,
        peer_secret=TOKEN_A,
    )
    other.prepare()
    keys = tmp_path / "b" / "exchange" / "keys"
    keys.mkdir(parents=True)
    (keys / f"{ministry.code}.key.pem").write_bytes(key_b)
    (keys / f"{ministry.code}.cert.pem").write_text(cert_b)
    other.start()
    peer = Peer.objects.create(
        name="Văn phòng Chính phủ (qlvb)",
        kind=PeerKind.QLVB,
        base_url=other.url,
        secret=TOKEN_B,
        inbound_token_sha256=hashlib.sha256(TOKEN_A.encode()).hexdigest(),
        certificates=cert_b,
    )
    Route.objects.create(agency=ministry, peer=peer)
    yield other
    other.kill()


def test_exchange_and_status_back_and_exactly_once_after_a_crash(pair, people, ministry, cong_van):
    other = pair
    pk = to_signed(people, [{"agency_id": ministry.pk}], doc_type=cong_van)
    issue(people, pk, deliver=False)
    run_due()
    other.qlvb("jobs", "run")  # B's worker registers the spooled package, sends 01 back to A
    assert other.count_incoming() == 1
    delivery = Delivery.objects.get(outgoing_id=pk)
    state_b = other.qlvb(
        "shell",
        "-c",
        "from qlvb.exchange.models import OutboxMessage as O, InboxMessage as I;"
        "print(list(O.objects.values('state','last_error','peer__base_url')),"
        " list(I.objects.values('state','reason')))",
    ).stdout
    assert delivery.status == "01", (state_b, list(InboxMessage.objects.values("state", "reason")))

    # A batch of 8: B dies after the first 3 (sent on commit) and comes back.
    pks = []
    for index in range(8):
        if index == 3:
            other.kill()
        pk = to_signed(people, [{"agency_id": ministry.pk}], doc_type=cong_van)
        issue(people, pk, deliver=False)
        pks.append(pk)
    run_due()  # B is down: connection refused, each waits for its next attempt
    waiting = OutboxMessage.objects.filter(acknowledged_at__isnull=True, delivery__outgoing__in=pks)
    assert waiting.exists() and all(m.state == "pending" for m in waiting), list(
        OutboxMessage.objects.filter(delivery__outgoing__in=pks).values(
            "state", "acknowledged_at", "last_error"
        )
    )
    other.start()
    from django.utils import timezone

    # Sent again, also the ones B may have registered before dying unacknowledged.
    OutboxMessage.objects.filter(delivery__outgoing__in=pks).update(
        next_attempt_at=timezone.now(), acknowledged_at=None, state="pending"
    )
    run_due()
    assert not OutboxMessage.objects.filter(acknowledged_at__isnull=True, kind="document").exists()
    other.qlvb("jobs", "run")
    assert other.count_incoming() == 9
    assert OutgoingDocument.objects.count() == 9


B_STATUSES = """
from qlvb.incoming.models import IncomingDocument
from qlvb.incoming.signals import status_changed
incoming = IncomingDocument.objects.get(origin_reference__contains={number!r})
for code in ("03", "04", "05", "06"):
    status_changed.send(sender=IncomingDocument, incomings=[incoming], status_code=code,
                        text="Bước " + code)
"""
B_STATES = """
from qlvb.incoming.models import IncomingDocument as I
for i in I.objects.order_by("pk"):
    print(i.document.code_number, i.state, i.relation or "-", i.replaces_id or "-")
"""


def _b_incoming(other) -> dict[str, tuple[str, str]]:
    """B's incoming documents by number: (state, relation)."""
    rows = [line.split() for line in other.qlvb("shell", "-c", B_STATES).stdout.splitlines()]
    return {row[0]: (row[1], row[2]) for row in rows if len(row) == 4}


def test_statuses_recall_replacement_and_refusal_across_installations(
    pair, people, ministry, cong_van
):
    """A → B: the recipient's steps 01 to 06 come back to A; A recalls a document B has not
    accepted (withdrawn there, 15 back); A replaces a document (linked on B); a package that
    B cannot read is answered with 02 and the reason."""
    from qlvb.outgoing.tests.conftest import client_for

    other = pair
    first = to_signed(people, [{"agency_id": ministry.pk}], doc_type=cong_van)
    number = issue(people, first, deliver=False)["code_number"]
    run_due()
    other.qlvb("jobs", "run")  # B registers it, 01 goes back
    other.qlvb("shell", "-c", B_STATUSES.format(number=f",{number}/"))
    other.qlvb("jobs", "run")  # 03..06 go back to A
    delivery = Delivery.objects.get(outgoing_id=first)
    assert delivery.status == "06"
    assert delivery.delivered_at and delivery.accepted_at and delivery.done_at
    steps = InboxMessage.objects.filter(kind="status", document_id__contains=f",{number}/")
    assert sorted(steps.values_list("status_code", flat=True)) == [
        "01",
        "03",
        "04",
        "05",
        "06",
    ]

    # Replacement: a new document replacing the first one, linked on B.
    second = to_signed(
        people,
        [{"agency_id": ministry.pk}],
        doc_type=cong_van,
        related_to_id=first,
        business_type="replacement",
    )
    replacement_number = issue(people, second, deliver=False)["code_number"]
    run_due()
    other.qlvb("jobs", "run")
    on_b = _b_incoming(other)
    assert on_b[replacement_number] == ("received", "replacement")

    # Recall of the replacement (B has not accepted it): withdrawn on B, 15 back to A.
    recalled = client_for(people["clerk"]).post(
        f"/api/v1/outgoing/{second}/recall",
        {"reason": "Sai sót về số liệu"},
        content_type="application/json",
    )
    assert recalled.status_code == 200, recalled.content
    run_due()
    other.qlvb("jobs", "run")
    assert _b_incoming(other)[replacement_number][0] == "withdrawn"
    assert Delivery.objects.get(outgoing_id=second).status == "15"

    # A package B cannot read (cut short) still names its sender and DocumentId: 02 with the
    # reason comes back to A's delivery of the first document.
    from qlvb.exchange.services import export_package

    document_id = OutboxMessage.objects.filter(delivery=delivery).first().document_id
    package = export_package(document_id=document_id, to_code=ministry.code)
    from qlvb.exchange.edxml import message_bytes

    body = message_bytes(package)[:-300]
    from qlvb.exchange.transports.base import PeerRejected, http

    with pytest.raises(PeerRejected, match="422"):
        http(
            "POST",
            other.url + "/api/v1/exchange/inbox",
            body=body,
            headers={"Authorization": f"Bearer {TOKEN_B}"},
        )
    other.qlvb("jobs", "run")
    refusal = InboxMessage.objects.filter(kind="status", status_code="02").get()
    assert "XML" in refusal.reason and refusal.document_id == document_id
