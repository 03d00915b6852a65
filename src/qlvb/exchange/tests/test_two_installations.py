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


B_REGISTERED = (
    "SELECT count(*) FROM exchange_inboxmessage WHERE kind='document' AND state='accepted'"
)


def _post_all(other, bodies, *, kill_web_after: int | None = None) -> list[str]:
    """Posts every body to B, 4 at a time, as A's outbox does; with `kill_web_after`, B's web
    processes are SIGKILLed once that many answers came back (posts in flight fail)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from types import SimpleNamespace

    from qlvb.exchange.transports.peer.transport import PeerTransport

    transport = PeerTransport(SimpleNamespace(base_url=other.url, secret=TOKEN_B))
    answered, lock = [], threading.Lock()

    def send(body):
        try:
            answer = transport.send(body, kind="document", recipient_code="", document_id="")
        except Exception:  # B died under it: A's outbox retries later
            return "failed"
        with lock:
            answered.append(answer)
            if kill_web_after is not None and len(answered) == kill_web_after:
                other.kill_web()
        return answer

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(send, bodies))


def test_worker_and_web_killed_mid_batch_every_package_registered_exactly_once(
    pair, province, tmp_path
):
    """B receives 60 signed packages; its web processes are SIGKILLed in the middle of
    receiving (A sends everything again: answers were lost), then its worker is SIGKILLed
    while a registration batch (20 a transaction) is under way, once some but not all are
    registered; after the restart every package is registered exactly once (one incoming
    document per sender and DocumentId), none is lost, and each status 01 comes back to A."""
    import time

    from qlvb.exchange.bench import _package, _pdf_of_size
    from qlvb.exchange.edxml import message_bytes
    from qlvb.exchange.services import _signer_for

    other, count = pair, 60
    pdf = _pdf_of_size(8 * 1024)
    signer = _signer_for(province)
    bodies = []
    for index in range(count):
        package = _package(index, pdf)
        package.sender.organ_id = province.code
        bodies.append(message_bytes(package, signer=signer))

    # B as in production: the web process only spools, its worker registers (the test
    # process's environment runs huey's work at once); short leases and back-off.
    other.extra_env.update(
        QLVB_HUEY_IMMEDIATE="0", QLVB_JOB_LEASE_SECONDS="2", QLVB_JOB_BACKOFF_SECONDS="0.5"
    )
    other.kill_web()
    other.start()
    answers = _post_all(other, bodies, kill_web_after=count // 2)
    assert other.process is None and "failed" in answers
    other.start()
    answers = _post_all(other, bodies)  # A sends again whatever was not acknowledged (and more)
    assert "failed" not in answers, answers
    assert other.sql(B_REGISTERED) == [(0,)]  # no worker yet: all spooled, none registered

    other.start_worker()
    deadline, registered = time.monotonic() + 30, 0
    while not registered and time.monotonic() < deadline:
        registered = other.sql(B_REGISTERED)[0][0]
        time.sleep(0.01)
    other.kill_worker()
    registered = other.sql(B_REGISTERED)[0][0]
    assert 0 < registered < count, registered  # killed in the middle: some, not all
    time.sleep(2.5)  # the killed worker's leases run out
    other.start_worker()
    other.qlvb("jobs", "sweep")  # what the minute's sweep does: nudge rows a dead worker held
    unfinished = "SELECT count(*) FROM exchange_spooledpackage WHERE state != 'done'"
    deadline = time.monotonic() + 40
    while other.sql(unfinished) != [(0,)] and time.monotonic() < deadline:
        time.sleep(0.2)

    rows = other.sql("SELECT origin_reference, count(*) FROM incoming_incomingdocument GROUP BY 1")
    assert len(rows) == count and {n for _, n in rows} == {1}, rows
    assert other.sql(B_REGISTERED) == [(count,)]
    assert other.sql("SELECT count(*) FROM exchange_inboxmessage WHERE state='rejected'") == [(0,)]
    left = other.sql("SELECT state, count(*) FROM exchange_spooledpackage GROUP BY 1")
    assert dict(left).keys() <= {"done"}, left
    # What the killed processes left in the spool (partial uploads; files of the batch
    # committed just before the kill) goes with the spool's cleaning; nothing else is left.
    other.qlvb(
        "shell",
        "-c",
        "from qlvb.exchange.services import spool_cleanup; spool_cleanup(older_than_seconds=0)",
    )
    assert not list((other.data_dir / "exchange" / "spool").iterdir())

    # Status 01 of each package back to A, exactly once per DocumentId.
    def statuses():
        return InboxMessage.objects.filter(kind="status", status_code="01").values_list(
            "document_id", flat=True
        )

    deadline = time.monotonic() + 30
    while len(set(statuses())) < count and time.monotonic() < deadline:
        time.sleep(0.5)
        # A's live server on an in-memory SQLite database may answer "table is locked" to
        # concurrent posts; B retries those after its back-off (30 s and more): bring it on.
        other.sql(
            "UPDATE exchange_outboxmessage SET next_attempt_at = '2000-01-01' "
            "WHERE state = 'pending'"
        )
        other.qlvb("jobs", "run")
    assert len(set(statuses())) == count
    assert len(list(statuses())) == count
