"""The runner: claiming, retries with backoff, failure, leases, idempotency, on_commit nudges."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from qlvb.jobs import registry, runner, services, tasks
from qlvb.jobs.models import Job, WorkState
from qlvb.jobs.tests import handlers

LABEL = "jobs.job"


def make_job(kind="test.record", **fields):
    fields.setdefault("payload", {})
    return Job.objects.create(kind=kind, **fields)


@pytest.mark.django_db
def test_only_one_of_two_claims_wins():
    job = make_job()
    assert runner.claim(Job, job.pk, token="worker-a") is True
    assert runner.claim(Job, job.pk, token="worker-b") is False
    job.refresh_from_db()
    assert (job.state, job.leased_by, job.attempts) == (WorkState.RUNNING, "worker-a", 1)
    assert job.lease_until > timezone.now()


@pytest.mark.django_db
def test_a_row_not_yet_due_is_not_claimed():
    job = make_job(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert runner.run_item(LABEL, job.pk) == "skipped"
    assert handlers.calls == []


@pytest.mark.django_db
def test_success_marks_done_and_keeps_the_result():
    job = make_job()
    assert runner.run_item(LABEL, job.pk) == "done"
    job.refresh_from_db()
    assert job.state == WorkState.DONE
    assert job.result == {"attempt": 1}
    assert job.finished_at is not None
    assert job.lease_until is None


@pytest.mark.django_db
def test_failure_backs_off_then_fails_at_max_attempts_keeping_the_error():
    job = make_job(payload={"fail_times": 99}, max_attempts=3)
    before = timezone.now()
    assert runner.run_item(LABEL, job.pk) == "retry"
    job.refresh_from_db()
    assert job.state == WorkState.PENDING
    assert job.attempts == 1
    assert "boom on attempt 1" in job.last_error
    assert "Traceback" in job.last_error
    # 30 s base with jitter in [0.5, 1]
    assert before + timedelta(seconds=14) < job.next_attempt_at < before + timedelta(seconds=31)
    # Not due yet: nothing runs.
    assert runner.run_item(LABEL, job.pk) == "skipped"

    Job.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())
    assert runner.run_item(LABEL, job.pk) == "retry"
    job.refresh_from_db()
    # second delay doubles: 60 s * [0.5, 1]
    assert job.next_attempt_at - timezone.now() > timedelta(seconds=28)

    Job.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())
    assert runner.run_item(LABEL, job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == WorkState.FAILED
    assert job.attempts == 3
    assert "boom on attempt 3" in job.last_error
    assert job.finished_at is not None
    assert [a for _, a in handlers.calls] == [1, 2, 3]
    # A failed row is never claimed again by a stray nudge.
    assert runner.run_item(LABEL, job.pk) == "skipped"


def test_backoff_grows_and_is_capped(settings):
    settings.QLVB_JOB_BACKOFF_SECONDS = 10
    settings.QLVB_JOB_BACKOFF_MAX_SECONDS = 100
    assert 5 <= runner.backoff_seconds(1) <= 10
    assert 20 <= runner.backoff_seconds(3) <= 40
    assert 50 <= runner.backoff_seconds(30) <= 100


@pytest.mark.django_db
def test_a_permanent_error_fails_at_once():
    job = make_job(kind="test.permanent")
    assert runner.run_item(LABEL, job.pk) == "failed"
    job.refresh_from_db()
    assert job.attempts == 1
    assert "tệp không đúng định dạng" in job.last_error


@pytest.mark.django_db
def test_an_unknown_kind_fails_with_a_clear_error():
    job = make_job(kind="no.such.kind")
    assert runner.run_item(LABEL, job.pk) == "failed"
    job.refresh_from_db()
    assert "no.such.kind" in job.last_error


@pytest.mark.django_db
def test_a_second_nudge_for_a_done_row_does_nothing():
    job = make_job()
    tasks.run_item_task(LABEL, job.pk)
    tasks.run_item_task(LABEL, job.pk)
    assert handlers.calls == [(job.pk, 1)]


@pytest.mark.django_db
def test_idempotent_handler_run_twice_after_a_crash_leaves_one_effect():
    job = make_job(kind="test.effect")
    # Worker A claims and does the work, then dies before marking it done.
    assert runner.claim(Job, job.pk, token="worker-a")
    job.refresh_from_db()
    handlers.effect(job)
    # Its lease runs out; the sweep hands the row to another worker (immediate queue).
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    tasks.sweep.call_local()
    job.refresh_from_db()
    assert job.state == WorkState.DONE
    assert job.attempts == 2
    assert len(handlers.calls) == 2
    assert Job.objects.filter(kind="test.marker", payload__source=job.pk).count() == 1


@pytest.mark.django_db
def test_sweep_reclaims_an_expired_lease_and_completes_it():
    job = make_job()
    Job.objects.filter(pk=job.pk).update(
        state=WorkState.RUNNING,
        leased_by="dead-worker",
        attempts=1,
        lease_until=timezone.now() - timedelta(seconds=5),
    )
    tasks.sweep.call_local()
    job.refresh_from_db()
    assert job.state == WorkState.DONE
    assert job.attempts == 2
    assert job.leased_by != "dead-worker"


@pytest.mark.django_db
def test_sweep_leaves_a_live_lease_alone():
    job = make_job()
    assert runner.claim(Job, job.pk, token="alive")
    tasks.sweep.call_local()
    job.refresh_from_db()
    assert (job.state, job.leased_by) == (WorkState.RUNNING, "alive")
    assert handlers.calls == []


@pytest.mark.django_db
def test_sweep_fails_an_expired_lease_on_the_last_attempt():
    job = make_job(max_attempts=2)
    Job.objects.filter(pk=job.pk).update(
        state=WorkState.RUNNING, attempts=2, lease_until=timezone.now() - timedelta(seconds=1)
    )
    report = runner.sweep()
    job.refresh_from_db()
    assert report.failed_expired == 1
    assert job.state == WorkState.FAILED
    assert "lần thử cuối" in job.last_error
    assert handlers.calls == []


@pytest.mark.django_db
def test_sweep_nudges_a_pending_row_whose_nudge_was_lost():
    # Written without enqueue(): as if the queue lost the message.
    job = make_job(next_attempt_at=timezone.now() - timedelta(minutes=2))
    fresh = make_job()  # just created: its own nudge is still in flight
    report = runner.sweep()
    assert (LABEL, job.pk) in report.nudged
    assert (LABEL, fresh.pk) not in report.nudged
    tasks.sweep.call_local()
    job.refresh_from_db()
    assert job.state == WorkState.DONE


@pytest.mark.django_db
def test_renew_lease_only_while_holding_the_row():
    job = make_job()
    assert runner.claim(Job, job.pk, token="me")
    job.refresh_from_db()
    job._lease_token = "me"
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now())
    assert job.renew_lease(600) is True
    job.refresh_from_db()
    assert job.lease_until > timezone.now() + timedelta(seconds=500)
    job._lease_token = "someone-else"
    assert job.renew_lease() is False


@pytest.mark.django_db
def test_run_due_processes_every_due_row():
    jobs = [make_job() for _ in range(5)]
    later = make_job(next_attempt_at=timezone.now() + timedelta(hours=1))
    counts = runner.run_due()
    assert counts == {"done": 5}
    assert set(Job.objects.filter(state=WorkState.DONE).values_list("pk", flat=True)) == {
        j.pk for j in jobs
    }
    later.refresh_from_db()
    assert later.state == WorkState.PENDING


@pytest.mark.django_db
def test_enqueue_sends_the_nudge_only_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        job = make_job()
        services.enqueue(job)
        assert handlers.calls == []  # not before the commit
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.state == WorkState.DONE
    assert handlers.calls == [(job.pk, 1)]


@pytest.mark.django_db
def test_enqueue_sends_nothing_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        job = make_job()
        services.enqueue(job)
        raise Boom
    assert callbacks == []
    assert handlers.calls == []
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_enqueue_refuses_a_model_without_a_handler():
    from qlvb.audit.models import AuditEvent

    with pytest.raises((LookupError, AttributeError)):
        services.enqueue(AuditEvent(pk=1))


def test_register_refuses_models_that_are_not_work_items():
    from qlvb.audit.models import AuditEvent

    with pytest.raises(TypeError):
        registry.register(AuditEvent, lambda item: None)
    with pytest.raises(TypeError):
        registry.register(Job, lambda item: None)
