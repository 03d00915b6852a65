"""Batch handlers (`work_handler(model, batch=N)`): rows claimed together, each marked by its
own outcome; two claimers never share a row."""

from datetime import timedelta

import pytest
from django.utils import timezone

from qlvb.jobs import registry, runner
from qlvb.jobs.models import WorkState
from qlvb.search.models import IndexJob

LABEL = IndexJob._meta.label_lower


@pytest.fixture
def batch_handler(monkeypatch):
    """IndexJob rows handled by a recording batch handler of size 3; a row whose document id
    is 13 fails alone, a batch holding 666 fails whole."""
    seen: list[list[int]] = []

    def handler(items):
        seen.append([i.pk for i in items])
        if any(i.document_id_value == 666 for i in items):
            raise RuntimeError("the whole batch breaks")
        return {
            i.pk: RuntimeError("this one breaks") if i.document_id_value == 13 else {"ok": i.pk}
            for i in items
        }

    monkeypatch.setitem(
        registry._by_label, LABEL, registry.Registration(IndexJob, handler, atomic=False, batch=3)
    )
    return seen


@pytest.mark.django_db
def test_the_nudged_row_and_other_due_rows_run_together(batch_handler):
    now = timezone.now()
    rows = [
        IndexJob.objects.create(document_id_value=n, next_attempt_at=now - timedelta(seconds=n))
        for n in (1, 2, 3, 4)
    ]
    later = IndexJob.objects.create(document_id_value=5, next_attempt_at=now + timedelta(hours=1))
    assert runner.run_item(LABEL, rows[0].pk) == "done"
    # The nudged one first, then the two oldest due rows; the fourth waits, the future one too.
    assert sorted(batch_handler[0]) == sorted([rows[0].pk, rows[3].pk, rows[2].pk])
    states = dict(IndexJob.objects.values_list("pk", "state"))
    assert states[rows[0].pk] == states[rows[2].pk] == states[rows[3].pk] == WorkState.DONE
    assert states[rows[1].pk] == WorkState.PENDING
    assert states[later.pk] == WorkState.PENDING
    # A nudge for a row another batch already did is a no-op.
    assert runner.run_item(LABEL, rows[3].pk) == "skipped"


@pytest.mark.django_db
def test_a_row_that_fails_in_a_batch_fails_alone(batch_handler):
    bad = IndexJob.objects.create(document_id_value=13)
    good = IndexJob.objects.create(document_id_value=14)
    assert runner.run_item(LABEL, good.pk) == "done"
    bad.refresh_from_db()
    good.refresh_from_db()
    assert good.state == WorkState.DONE
    assert bad.state == WorkState.PENDING  # retried later, with its own error
    assert "this one breaks" in bad.last_error
    assert bad.next_attempt_at > timezone.now()
    assert runner.run_item(LABEL, bad.pk) == "skipped"  # not due before its backoff


@pytest.mark.django_db
def test_a_batch_that_raises_fails_every_row_it_held(batch_handler):
    rows = [IndexJob.objects.create(document_id_value=n) for n in (666, 7)]
    assert runner.run_item(LABEL, rows[0].pk) == "retry"
    for row in rows:
        row.refresh_from_db()
        assert row.state == WorkState.PENDING
        assert row.attempts == 1
        assert "the whole batch breaks" in row.last_error


@pytest.mark.django_db
def test_claim_more_never_takes_a_row_another_worker_holds():
    rows = [IndexJob.objects.create(document_id_value=n) for n in range(5)]
    first = runner.claim_more(IndexJob, token="worker-a", limit=3)
    second = runner.claim_more(IndexJob, token="worker-b", limit=3)
    assert len(first) == 3 and len(second) == 2
    assert not set(first) & set(second)
    held = dict(IndexJob.objects.values_list("pk", "leased_by"))
    assert {held[pk] for pk in first} == {"worker-a"}
    assert {held[pk] for pk in second} == {"worker-b"}
    assert sorted(first + second) == sorted(r.pk for r in rows)


@pytest.mark.django_db
def test_a_document_that_cannot_be_indexed_fails_alone(monkeypatch):
    """The real batch handler of index jobs: one broken document, the others indexed."""
    from qlvb.agencies.models import Agency
    from qlvb.documents.models import Document
    from qlvb.search import services
    from qlvb.search.models import SearchEntry

    agency = Agency.objects.create(code="000.00.01.H15", name="Văn phòng UBND tỉnh")
    docs = [Document.objects.create(agency=agency, subject=f"Văn bản {n}") for n in range(3)]
    IndexJob.objects.all().delete()  # the saves asked for jobs; make our own
    SearchEntry.objects.all().delete()
    jobs = [IndexJob.objects.create(document_id_value=d.pk) for d in docs]
    real = services._entry_values

    def broken(document, related):
        if document.pk == docs[1].pk:
            raise ValueError("không đọc được")
        return real(document, related)

    monkeypatch.setattr(services, "_entry_values", broken)
    assert runner.run_item(LABEL, jobs[0].pk) == "done"
    states = dict(IndexJob.objects.values_list("pk", "state"))
    assert states[jobs[0].pk] == states[jobs[2].pk] == WorkState.DONE
    assert states[jobs[1].pk] == WorkState.PENDING  # retried later with its error
    assert set(SearchEntry.objects.values_list("pk", flat=True)) == {docs[0].pk, docs[2].pk}
