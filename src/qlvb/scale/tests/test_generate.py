"""`qlvb generate` on a small size: a consistent province (numbers gapless, states coherent,
audit chain valid) that the incoming lists can read."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min

from qlvb.agencies.models import Agency, Person, RoleAssignment
from qlvb.audit.selectors import audit_chain_verify
from qlvb.documents.models import Attachment, Document, RegisterBook
from qlvb.incoming.models import Assignment, IncomingDocument, TimelineEvent
from qlvb.incoming.selectors import incoming_box_counts, incoming_page
from qlvb.scale.models import GeneratedDataset

# transaction=True: on PostgreSQL the loader writes from its own connection and thread.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def generated(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    call_command("generate", documents=3000, years=2, seed=7)
    return GeneratedDataset.objects.get()


def test_province_shape(generated):
    assert generated.finished_at is not None
    assert 215 <= Agency.objects.filter(on_installation=True).count() <= 225
    assert IncomingDocument.objects.count() == Document.objects.count() == 3000
    assert Attachment.objects.count() == 3000
    # every agency has people in every working role
    for agency in Agency.objects.filter(on_installation=True):
        roles = set(RoleAssignment.objects.filter(agency=agency).values_list("role", flat=True))
        assert {"clerk", "leader", "specialist"} <= roles, agency.code
    # the province office handles the most
    busiest = (
        IncomingDocument.objects.values("agency__code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert busiest["agency__code"] == "000.00.01.H15"
    assert generated.stats["busiest_agency"] == "000.00.01.H15"


def test_numbers_gapless_and_states_coherent(generated):
    for book in RegisterBook.objects.all():
        agg = IncomingDocument.objects.filter(register_book=book).aggregate(
            n=Count("id"), low=Min("arrival_number"), high=Max("arrival_number")
        )
        assert agg["n"] == agg["high"] == book.last_number and agg["low"] == 1, book
    unnumbered = IncomingDocument.objects.filter(arrival_number__isnull=True)
    assert set(unnumbered.values_list("state", flat=True)) <= {"received", "rejected"}
    done = IncomingDocument.objects.filter(state="done")
    assert done.exists() and not done.filter(done_at__isnull=True).exists()
    assert not Assignment.objects.filter(incoming__in=done, state="open").exists()
    directed = IncomingDocument.objects.filter(state__in=["assigned", "in_progress", "done"])
    assert not directed.exclude(
        pk__in=Assignment.objects.filter(kind="lead", parent=None).values("incoming_id")
    ).exists()
    assert TimelineEvent.objects.filter(status_code="06").count() == done.count()
    # some are overdue, for the lists to show
    assert IncomingDocument.objects.filter(state__in=["assigned", "in_progress"]).exists()


def test_audit_chain_stays_valid(generated):
    report = audit_chain_verify()
    assert report.ok
    from qlvb.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="scale.generate").count() == 1


def test_lists_read_the_generated_data(generated):
    clerk = Person.objects.get(username="vanthu.vpubnd")
    rows, cursor = incoming_page(viewer=clerk, box="all", limit=20)
    assert len(rows) == 20 and cursor
    more, _ = incoming_page(viewer=clerk, box="all", limit=20, cursor=cursor)
    assert not {r.pk for r in rows} & {r.pk for r in more}
    assert [(r.urgency_rank, r.pk) for r in rows + more] == sorted(
        [(r.urgency_rank, r.pk) for r in rows + more], reverse=True
    )
    counts = incoming_box_counts(viewer=Person.objects.get(username="lanhdao.vpubnd"))
    assert counts["waiting"] > 0


def test_refuses_a_database_with_documents(generated):
    with pytest.raises(CommandError):
        call_command("generate", documents=10, years=1)
