"""Failed work seen and retried by administrators: services, the page, the API, the commands."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from ninja.testing import TestClient

from qlvb.audit.models import AuditEvent
from qlvb.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from qlvb.jobs import runner, selectors, services
from qlvb.jobs.api import router
from qlvb.jobs.models import Job, WorkState
from qlvb.jobs.tests import handlers

FAILED_URL = "/quan-tri/tac-vu/"


def failed_job(agency=None, kind="test.record", error="RuntimeError: boom on attempt 3"):
    return Job.objects.create(
        kind=kind,
        payload={},
        agency=agency,
        state=WorkState.FAILED,
        attempts=3,
        max_attempts=3,
        last_error=error,
        finished_at=timezone.now(),
    )


@pytest.fixture
def failures(agencies):
    office, other = agencies
    return {
        "office": failed_job(office, error="lỗi của văn phòng"),
        "other": failed_job(other, error="lỗi của sở"),
        "none": failed_job(None, error="lỗi không thuộc cơ quan nào"),
    }


def test_url_names():
    assert reverse("jobs:failed") == FAILED_URL
    assert reverse("jobs:retry", args=["jobs.job", 7]) == "/quan-tri/tac-vu/jobs.job/7/thu-lai/"


# --- service and selectors ----------------------------------------------------------------------


@pytest.mark.django_db
def test_superuser_sees_all_failures_agency_admin_only_their_own(people, failures):
    everything = {r.pk for r in selectors.work_item_attention_list(viewer=people["root"])}
    assert everything == {j.pk for j in failures.values()}
    own = {r.pk for r in selectors.work_item_attention_list(viewer=people["admin"])}
    assert own == {failures["office"].pk}
    with pytest.raises(PermissionDenied):
        selectors.work_item_attention_list(viewer=people["clerk"])


@pytest.mark.django_db
def test_stuck_rows_are_listed_too(people):
    dead = Job.objects.create(
        kind="test.record",
        state=WorkState.RUNNING,
        attempts=1,
        lease_until=timezone.now() - timedelta(minutes=1),
    )
    forgotten = Job.objects.create(
        kind="test.record", next_attempt_at=timezone.now() - timedelta(hours=2)
    )
    Job.objects.create(kind="test.record")  # pending, just created: not stuck
    Job.objects.create(
        kind="test.record",
        state=WorkState.RUNNING,
        lease_until=timezone.now() + timedelta(minutes=1),
    )
    rows = selectors.work_item_attention_list(viewer=people["root"])
    assert {r.pk for r in rows} == {dead.pk, forgotten.pk}
    assert all(r.is_stuck for r in rows)
    assert selectors.work_item_attention_list(viewer=people["root"], include_stuck=False) == []


@pytest.mark.django_db
def test_retry_resets_the_row_runs_it_and_is_audited(
    people, failures, django_capture_on_commit_callbacks
):
    job = failures["office"]
    with django_capture_on_commit_callbacks(execute=True):
        item = services.work_item_retry(actor=people["admin"], label="jobs.job", pk=job.pk)
        assert (item.state, item.attempts, item.last_error) == ("pending", 0, "lỗi của văn phòng")
        assert handlers.calls == []  # the nudge waits for the commit
    # The immediate queue ran it after the commit; it succeeds this time.
    item.refresh_from_db()
    assert item.state == WorkState.DONE
    assert item.attempts == 1
    assert handlers.calls == [(job.pk, 1)]
    event = AuditEvent.objects.get(action="job.retry")
    assert event.actor_id == people["admin"].pk
    assert event.object_id == str(job.pk)
    assert event.agency_id == job.agency_id
    assert event.details["previous_state"] == "failed"
    assert event.details["last_error"] == "lỗi của văn phòng"


@pytest.mark.django_db
def test_retry_refuses_other_agencies_rows_and_non_admins(people, failures):
    with pytest.raises(NotFound):
        services.work_item_retry(actor=people["admin"], label="jobs.job", pk=failures["other"].pk)
    with pytest.raises(PermissionDenied):
        services.work_item_retry(actor=people["clerk"], label="jobs.job", pk=failures["office"].pk)
    with pytest.raises(NotFound):
        services.work_item_retry(actor=people["root"], label="no.such", pk=1)
    assert Job.objects.filter(state=WorkState.FAILED).count() == 3
    assert not AuditEvent.objects.filter(action="job.retry").exists()


@pytest.mark.django_db
def test_retry_refuses_done_and_live_rows(people):
    done = Job.objects.create(kind="test.record", state=WorkState.DONE)
    live = Job.objects.create(
        kind="test.record",
        state=WorkState.RUNNING,
        lease_until=timezone.now() + timedelta(minutes=5),
    )
    for job in (done, live):
        with pytest.raises(Conflict):
            services.work_item_retry(actor=people["root"], label="jobs.job", pk=job.pk)


@pytest.mark.django_db
def test_job_submit_checks_kind_payload_and_agency(
    people, agencies, django_capture_on_commit_callbacks
):
    office, other = agencies
    with pytest.raises(ValidationFailed):
        services.job_submit(actor=people["admin"], kind="no.such.kind", payload={})
    with pytest.raises(ValidationFailed):
        services.job_submit(actor=people["admin"], kind="test.record", payload={"x": object()})
    with pytest.raises(PermissionDenied):
        services.job_submit(actor=people["admin"], kind="test.record", agency=other)
    assert not Job.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_submit(actor=people["admin"], kind="test.record", agency=office)
    job.refresh_from_db()
    assert (job.state, job.created_by, job.agency) == (WorkState.DONE, people["admin"], office)
    assert AuditEvent.objects.filter(action="job.submit", object_id=str(job.pk)).exists()


# --- the page -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_lists_failures_for_an_admin(client, people, failures):
    client.force_login(people["admin"])
    response = client.get(FAILED_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "lỗi của văn phòng" in html
    assert "lỗi của sở" not in html
    assert reverse("jobs:retry", args=["jobs.job", failures["office"].pk]) in html
    assert "Thử lại" in html  # Vietnamese UI


@pytest.mark.django_db
def test_page_and_retry_are_forbidden_to_non_admins(client, people, failures):
    client.force_login(people["clerk"])
    assert client.get(FAILED_URL).status_code == 403
    url = reverse("jobs:retry", args=["jobs.job", failures["office"].pk])
    assert client.post(url).status_code == 403
    failures["office"].refresh_from_db()
    assert failures["office"].state == WorkState.FAILED


@pytest.mark.django_db
def test_retry_button_requeues_with_csrf(people, failures, django_capture_on_commit_callbacks):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(people["root"])
    job = failures["none"]
    url = reverse("jobs:retry", args=["jobs.job", job.pk])
    assert client.post(url).status_code == 403  # no CSRF token
    page = client.get(FAILED_URL)
    token = page.cookies["csrftoken"].value
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"csrfmiddlewaretoken": token}, follow=True)
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.state == WorkState.DONE
    assert "lỗi không thuộc cơ quan nào" not in response.content.decode()


@pytest.mark.django_db
def test_retry_of_a_done_row_shows_a_message(client, people):
    done = Job.objects.create(kind="test.record", state=WorkState.DONE)
    client.force_login(people["root"])
    response = client.post(reverse("jobs:retry", args=["jobs.job", done.pk]), follow=True)
    assert response.status_code == 200
    assert "Tác vụ đã hoàn thành" in response.content.decode()


@pytest.mark.django_db
def test_page_needs_sign_in(client):
    response = client.get(FAILED_URL)
    assert response.status_code == 302
    assert "next=" in response["Location"]


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_lists_and_retries(people, failures, django_capture_on_commit_callbacks):
    api = TestClient(router)
    response = api.get("/jobs/failed", user=people["admin"])
    assert response.status_code == 200
    assert [r["id"] for r in response.json()] == [failures["office"].pk]
    assert response.json()[0]["last_error"] == "lỗi của văn phòng"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/jobs/jobs.job/{failures['office'].pk}/retry", user=people["admin"])
    assert response.status_code == 200
    assert response.json()["state"] == "pending"
    failures["office"].refresh_from_db()
    assert failures["office"].state == WorkState.DONE


@pytest.mark.django_db
def test_api_refuses_non_admins(people, failures):
    api = TestClient(router)
    with pytest.raises(PermissionDenied):
        api.get("/jobs/failed", user=people["clerk"])


# --- commands -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_jobs_list_and_retry_commands(failures, django_capture_on_commit_callbacks):
    out = StringIO()
    call_command("jobs", "list", "--failed", stdout=out)
    text = out.getvalue()
    for job in failures.values():
        assert f"jobs.job\t{job.pk}\ttest.record\tfailed" in text
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("jobs", "retry", "jobs.job", str(failures["none"].pk), stdout=out)
    failures["none"].refresh_from_db()
    assert failures["none"].state == WorkState.DONE
    event = AuditEvent.objects.get(action="job.retry")
    assert event.actor_id is None
    assert event.channel == "cli"
    with pytest.raises(CommandError):
        call_command("jobs", "retry", "jobs.job", "999999")


@pytest.mark.django_db
def test_jobs_run_command_processes_due_rows():
    job = Job.objects.create(kind="test.record")
    out = StringIO()
    call_command("jobs", "run", stdout=out)
    job.refresh_from_db()
    assert job.state == WorkState.DONE
    assert "done: 1" in out.getvalue()
    assert runner.run_due() == {}


@pytest.mark.django_db
def test_api_job_detail_for_its_creator_only(people, agencies):
    office, _ = agencies
    job = Job.objects.create(
        kind="jobs.ping", agency=office, created_by=people["clerk"], payload={"a": 1}
    )
    api = TestClient(router)
    response = api.get(f"/jobs/{job.pk}", user=people["clerk"])
    assert response.status_code == 200
    assert response.json()["kind"] == "jobs.ping"
    assert response.json()["state"] == "pending"
    assert api.get(f"/jobs/{job.pk}", user=people["admin"]).status_code == 200
    with pytest.raises(NotFound):
        api.get(f"/jobs/{job.pk}", user=people["other_admin"])
