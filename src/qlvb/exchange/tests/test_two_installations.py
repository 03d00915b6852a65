"""Two qlvb installations: this test process (A, served by live_server, its own test
database) and a second one (B: gunicorn, its own data folder and SQLite database). A sends
signed documents to B; B's status 01 comes back to A; B is killed in the middle of a batch and,
after its restart, every package is registered there exactly once."""

from __future__ import annotations

import hashlib

import pytest

from qlvb.exchange.credentials import install_agency_key
from qlvb.exchange.installation import Installation
from qlvb.exchange.models import OutboxMessage, Peer, PeerKind, Route
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
    from qlvb.exchange.models import InboxMessage

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
