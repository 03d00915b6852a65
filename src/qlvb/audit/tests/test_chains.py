"""The striped log: one chain per group of people, each verified on its own, and appends of
people in different chains never waiting on each other (PostgreSQL)."""

import hashlib
import itertools
import json
import threading

import pytest
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from qlvb.agencies.models import Agency, AgencyLevel, Person
from qlvb.audit.models import AuditChainHead, AuditEvent
from qlvb.audit.selectors import audit_chain_verify
from qlvb.audit.services import Entry, audit_record, audit_record_many, chain_for

CHAINS = 16


@pytest.fixture
def people(settings):
    settings.QLVB_AUDIT_CHAINS = CHAINS
    agency = Agency.objects.create(
        code="000.00.01.H15", name="Văn phòng UBND tỉnh", level=AgencyLevel.DEPARTMENT
    )
    a = Person.objects.create_user("nguyenvana", "x", full_name="Nguyễn Văn A", agency=agency)
    b = Person.objects.create_user("tranthib", "x", full_name="Trần Thị B", agency=agency)
    assert chain_for(actor=a, agency_id=None) != chain_for(actor=b, agency_id=None)
    return a, b


def _chain(person) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor_id=person.pk).order_by("id"))


def _interleave(a, b, rounds=3):
    # Each call commits on its own (transactional test), as requests of two people do.
    for i in range(rounds):
        audit_record(actor=a, action="document.view", details={"i": i})
        audit_record(actor=b, action="document.view", details={"i": i})


@pytest.mark.django_db(transaction=True)
def test_each_persons_events_are_in_order_in_their_own_chain(people, capsys):
    a, b = people
    _interleave(a, b)
    for person in (a, b):
        events = _chain(person)
        assert {e.chain for e in events} == {person.pk % CHAINS}
        assert events[0].prev_hash == "0" * 64
        for before, after in itertools.pairwise(events):
            assert after.prev_hash == before.hash
        head = AuditChainHead.objects.get(chain=person.pk % CHAINS)
        assert (head.last_hash, head.last_event_id) == (events[-1].hash, events[-1].pk)
    report = audit_chain_verify()
    assert report.ok and report.checked == 6 and report.chains == 2
    call_command("audit", "verify")
    assert "6 bản ghi trong 2 chuỗi" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_a_bulk_append_without_actor_uses_one_chain_of_the_agency(people):
    a, _ = people
    audit_record_many(
        actor=None,
        entries=[Entry(action="delivery.send", agency_id=a.agency_id + i) for i in range(20)],
    )
    assert set(AuditEvent.objects.values_list("chain", flat=True)) == {a.agency_id % CHAINS}
    assert audit_chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_one_transaction_keeps_the_chain_of_its_first_event(people):
    a, b = people
    with transaction.atomic():
        audit_record(actor=a, action="incoming.register")
        audit_record(actor=b, action="incoming.assign")  # would be b's chain on its own
    assert set(AuditEvent.objects.values_list("chain", flat=True)) == {a.pk % CHAINS}
    audit_record(actor=b, action="incoming.view")  # a new transaction: b's own chain again
    assert AuditEvent.objects.order_by("-id").first().chain == b.pk % CHAINS
    assert audit_chain_verify().ok


def _alter(events):
    AuditEvent.objects.filter(pk=events[1].pk).update(details={"i": 99})
    return events[1].pk


def _delete(events):
    events[1].delete()
    return events[2].pk


def _move_to_another_chain(events):
    # The first row of its chain moved to an empty chain links fine there (to the genesis);
    # only the chain number inside its hash gives it away.
    AuditEvent.objects.filter(pk=events[0].pk).update(chain=(events[0].chain + 5) % CHAINS)
    return events[0].pk


def _insert_after_newest(events):
    newest = events[-1]
    forged = AuditEvent(
        occurred_at=newest.occurred_at,
        actor_id=newest.actor_id,
        actor_name=newest.actor_name,
        action="document.view",
        chain=newest.chain,
        prev_hash=newest.hash,
    )
    forged.hash = forged.compute_hash()
    forged.save()
    return forged.pk


def _delete_newest(events):
    newest = events[-1].pk
    events[-1].delete()
    return newest


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "tamper",
    [_alter, _delete, _move_to_another_chain, _insert_after_newest, _delete_newest],
    ids=lambda f: f.__name__.strip("_"),
)
def test_verify_finds_the_tampered_row_in_any_chain(people, tamper):
    a, b = people
    _interleave(a, b, rounds=4)
    events = _chain(b if b.pk % CHAINS else a)  # a chain other than the legacy chain 0
    expected = tamper(events)
    report = audit_chain_verify()
    assert report.broken_at == expected, report.reason


def _legacy_hash(row) -> str:
    """The hash as it was computed before striping (no chain number in the payload)."""
    payload = json.dumps(
        [
            row.prev_hash,
            row.occurred_at.isoformat(),
            row.actor_id,
            row.actor_name,
            row.agency_id,
            row.action,
            row.object_type,
            row.object_id,
            row.object_repr,
            row.details,
            row.client_address,
            row.channel,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_chain_written_before_striping(people):
    """Rows and head written by the unstriped log become chain 0 and still verify; new events
    of people and of jobs extend the log beside them."""
    a, b = people
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0001_initial")])
    try:
        old = executor.loader.project_state([("audit", "0001_initial")]).apps
        old_event = old.get_model("audit", "AuditEvent")
        prev = "0" * 64
        for i in range(3):
            row = old_event(
                occurred_at=timezone.now(),
                actor_id=a.pk,
                actor_name=a.full_name,
                action="document.view",
                details={"i": i, "tên": "Đắk Lắk"},
                prev_hash=prev,
            )
            row.hash = prev = _legacy_hash(row)
            row.save()
        old.get_model("audit", "AuditChainHead").objects.create(
            pk=1, last_hash=prev, last_event_id=row.pk
        )
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert set(AuditEvent.objects.values_list("chain", flat=True)) == {0}
    assert AuditChainHead.objects.get(chain=0).last_hash == prev
    report = audit_chain_verify()
    assert report.ok and report.checked == 3
    _interleave(a, b, rounds=2)
    audit_record(actor=None, action="job.sweep")
    report = audit_chain_verify()
    assert report.ok and report.checked == 8
    AuditEvent.objects.filter(chain=0).order_by("id").first().delete()
    assert not audit_chain_verify().ok


def _append_in_thread(person, hold: threading.Event | None, appended: threading.Event, errors):
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Waiting on another transaction's head fails instead of hanging the test.
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            audit_record(actor=person, action="document.view")
            appended.set()
            if hold is not None:
                hold.wait(30)
    except Exception as exc:  # reported to the test's thread
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_people_in_different_chains_do_not_wait_on_each_other(people):
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is a PostgreSQL property; SQLite serialises writers")
    a, b = people
    _interleave(a, b, rounds=1)  # the heads exist
    release, held = threading.Event(), threading.Event()
    errors: list[Exception] = []
    holder = threading.Thread(target=_append_in_thread, args=(a, release, held, errors))
    holder.start()
    try:
        assert held.wait(30), errors
        # a holds a's head until it commits; b appends and commits meanwhile.
        b_done = threading.Event()
        other = threading.Thread(target=_append_in_thread, args=(b, None, b_done, errors))
        other.start()
        other.join(30)
        assert b_done.is_set() and errors == []
        # The same person's second transaction does wait (here: times out) on a's head.
        same = threading.Thread(target=_append_in_thread, args=(a, None, threading.Event(), errors))
        same.start()
        same.join(30)
        assert len(errors) == 1 and "lock timeout" in str(errors[0])
    finally:
        release.set()
        holder.join(30)
    assert len(errors) == 1
    assert audit_chain_verify().ok
    assert AuditEvent.objects.count() == 4
