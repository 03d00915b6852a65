"""`qlvb generate` on a small size: a consistent province (numbers gapless, states coherent,
audit chain valid) that the incoming lists can read."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min

from qlvb.agencies.models import Agency, Person, RoleAssignment
from qlvb.audit.selectors import audit_chain_verify
from qlvb.directives.models import Completion, ExtensionRequest, TaskPeriod
from qlvb.directives.status import Status, status_expression
from qlvb.documents.models import Attachment, Document, RegisterBook
from qlvb.incoming.models import Assignment, IncomingDocument, TimelineEvent
from qlvb.incoming.selectors import incoming_box_counts, incoming_page
from qlvb.outgoing.models import Delivery, OutgoingDocument
from qlvb.scale.generator import DELIVERY_STATUS
from qlvb.scale.models import GeneratedDataset
from qlvb.search.models import SearchEntry
from qlvb.search.services import entry_values

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
    assert Document.objects.count() == 3000 == Attachment.objects.count()
    assert IncomingDocument.objects.count() + OutgoingDocument.objects.count() == 3000
    assert 200 <= OutgoingDocument.objects.count() <= 400
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
    for book in RegisterBook.objects.filter(kind__startswith="incoming"):
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


def test_outgoing_numbers_and_deliveries_agree_with_the_recipients(generated):
    issued = OutgoingDocument.objects.filter(state="issued")
    assert issued.count() > 0.8 * OutgoingDocument.objects.count()
    for book in RegisterBook.objects.filter(kind__startswith="outgoing"):
        agg = OutgoingDocument.objects.filter(register_book=book).aggregate(
            n=Count("id"), low=Min("number"), high=Max("number")
        )
        assert agg["n"] == agg["high"] == book.last_number and agg["low"] == 1, book
    assert not OutgoingDocument.objects.exclude(state="issued").filter(number__isnull=False)
    deliveries = list(Delivery.objects.select_related("incoming", "incoming__document"))
    assert len(deliveries) > 500
    for d in deliveries:
        incoming = d.incoming
        assert incoming.agency_id == d.recipient_agency_id
        assert incoming.origin_reference == f"delivery:{d.pk}"
        assert d.status == DELIVERY_STATUS[incoming.state], d
        assert incoming.document.organ_id == d.agency_id
        assert incoming.document.code_notation == d.outgoing.document.code_notation
    statuses = Counter(d.status for d in deliveries)
    assert {"01", "02", "03", "04", "05", "06"} <= set(statuses)
    # the agencies that never answer leave every delivery waiting at "01"
    silent = Agency.objects.filter(code__in=generated.stats["silent_agencies"])
    waiting = Delivery.objects.filter(recipient_agency__in=silent)
    assert waiting.exists() and set(waiting.values_list("status", flat=True)) == {"01"}
    # broadcast: at least one document reached dozens of agencies
    assert Delivery.objects.values("outgoing").annotate(n=Count("id")).order_by("-n")[0]["n"] > 20


def test_search_entries_are_what_the_indexer_writes(generated):
    assert SearchEntry.objects.count() == Document.objects.count()
    fields = ["agency_id", "direction", "state", "notation", "meta_folded", "meta_text"]
    fields += ["doc_date", "issued_date", "organ_folded", "urgency", "confidentiality"]
    sample = list(Document.objects.order_by("?")[:60])
    for document in sample:
        entry = SearchEntry.objects.get(pk=document.pk)
        expected = entry_values(document)
        assert {f: getattr(entry, f) for f in fields} == {f: expected[f] for f in fields}


def test_tasks_cover_every_status(generated, settings):
    from django.utils import timezone

    now = timezone.now()
    periods = TaskPeriod.objects.annotate(status=status_expression(now))
    found = Counter(periods.values_list("status", flat=True))
    assert set(found) == {s.value for s in Status}, found
    assert periods.filter(is_top=False).exists()
    assert set(ExtensionRequest.objects.values_list("decision", flat=True)) == {
        "granted",
        "refused",
        "pending",
    }
    for period in TaskPeriod.objects.filter(extensions__decision="granted"):
        assert period.effective_due_at > period.due_at
    assert set(Completion.objects.values_list("decision", flat=True)) == {
        "confirmed",
        "pending",
        "returned",
    }
    pending = Completion.objects.filter(decision="pending")
    assert not pending.filter(period__completed_at__isnull=True).exists()
    assert not pending.filter(period__confirmed_at__isnull=False).exists()


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
