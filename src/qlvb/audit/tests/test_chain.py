import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qlvb.audit.models import AuditEvent
from qlvb.audit.selectors import audit_chain_verify
from qlvb.audit.services import Entry, audit_record, audit_record_many

pytestmark = pytest.mark.django_db


def test_events_link_to_the_previous_hash():
    audit_record(actor=None, action="test.one", details={"a": "Đắk Lắk"})
    audit_record_many(
        actor=None, entries=[Entry(action="test.many", details={"i": i}) for i in range(5)]
    )
    events = list(AuditEvent.objects.order_by("id"))
    assert len(events) == 6
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert audit_chain_verify().ok
    call_command("audit", "verify")


def test_verify_finds_an_altered_row():
    for i in range(4):
        audit_record(actor=None, action="test", details={"i": i})
    victim = AuditEvent.objects.order_by("id")[2]
    AuditEvent.objects.filter(pk=victim.pk).update(details={"i": 99})
    report = audit_chain_verify()
    assert report.broken_at == victim.pk
    with pytest.raises(CommandError, match=f"#{victim.pk}"):
        call_command("audit", "verify")


def test_verify_finds_a_deleted_row():
    for i in range(4):
        audit_record(actor=None, action="test", details={"i": i})
    events = list(AuditEvent.objects.order_by("id"))
    events[1].delete()
    assert audit_chain_verify().broken_at == events[2].pk


def test_verify_finds_the_newest_row_deleted():
    for i in range(3):
        audit_record(actor=None, action="test", details={"i": i})
    AuditEvent.objects.order_by("-id").first().delete()
    assert not audit_chain_verify().ok
