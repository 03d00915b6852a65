"""Domain events from incoming and directives become notifications for the right people, with
e-mail/SMS rows per preferences, in the same transaction as the change."""

import datetime as dt

import pytest
from django.utils import timezone

from qlvb.jobs.models import WorkState
from qlvb.notifications.models import Channel, DutyLeader, Event, Message, Notification
from qlvb.notifications.tests.conftest import accept_and_direct, deliver

pytestmark = pytest.mark.django_db


def notes(person):
    return list(Notification.objects.filter(recipient=person).order_by("id"))


def test_delivery_tells_the_clerks_in_app_only(office, people):
    incoming = deliver(office)
    [note] = notes(people["clerk"])
    assert note.event == Event.DELIVERED
    assert "Sở Tài chính" in note.title
    assert note.url == f"/van-ban-den/{incoming.pk}/"
    assert not notes(people["leader"])  # not hỏa tốc: leaders are not disturbed
    assert not Message.objects.exists()  # delivered: in-app by default


def test_flash_delivery_texts_the_clerks_and_the_leader_on_duty(office, people):
    DutyLeader.objects.create(agency=office, day=timezone.localdate(), person=people["deputy"])
    deliver(office, urgency="hoa_toc")
    sms = Message.objects.filter(channel=Channel.SMS)
    assert sorted(sms.values_list("recipient__username", flat=True)) == [
        "phochanhvanphong",
        "vanthu",
    ]
    assert all(m.urgent and m.state == WorkState.PENDING for m in sms)
    assert notes(people["deputy"])[0].event == Event.URGENT_DELIVERED
    assert not notes(people["leader"])  # not on duty today


def test_flash_without_a_roster_goes_to_every_leader(office, people):
    deliver(office, urgency="hoa_toc")
    texted = set(Message.objects.filter(channel="sms").values_list("recipient_id", flat=True))
    assert {
        people["leader"].pk,
        people["deputy"].pk,
        people["head"].pk,
        people["clerk"].pk,
    } == texted


def test_direction_assigns_person_and_department(office, people):
    incoming = deliver(office)
    accept_and_direct(
        incoming,
        people,
        assignments=[
            {"kind": "lead", "person": people["specialist"], "due_in_working_days": 5},
            {"kind": "co", "department": people["kgvx"]},
        ],
    )
    [assigned] = [n for n in notes(people["specialist"]) if n.event == Event.ASSIGNED]
    assert "chủ trì" in assigned.body and "Đề nghị xử lý đúng hạn." in assigned.body
    assert "Hạn xử lý" in assigned.body
    [head] = [n for n in notes(people["head"]) if n.event == Event.ASSIGNED]
    assert "phối hợp" in head.body
    # The clerk hears about the direction (status 04).
    assert [n.event for n in notes(people["clerk"])] == [Event.DELIVERED, Event.DIRECTED]
    email = Message.objects.get(recipient=people["specialist"], channel=Channel.EMAIL)
    assert email.event == Event.ASSIGNED and "Kính gửi Chuyenvien" in email.body
    assert f"http://127.0.0.1:8000/van-ban-den/{incoming.pk}/" in email.body


def test_sender_reminder_reaches_the_handlers(office, people):
    from qlvb.incoming.services import incoming_remind

    incoming = deliver(office)
    accept_and_direct(
        incoming, people, assignments=[{"kind": "lead", "person": people["specialist"]}]
    )
    incoming_remind(incoming=incoming, text="Đề nghị báo cáo trước ngày 05/12.")
    [reminder] = [n for n in notes(people["specialist"]) if n.event == Event.REMINDER]
    assert reminder.body == "Đề nghị báo cáo trước ngày 05/12."


def test_confidential_subject_never_leaves_the_system(office, people):
    from qlvb.documents.models import Document

    incoming = deliver(office, subject="Kế hoạch mật")
    Document.objects.filter(pk=incoming.document_id).update(confidentiality="mat")
    incoming.refresh_from_db()
    from qlvb.notifications.rules import incoming_assigned

    a = incoming.assignments.model(
        incoming=incoming, kind="lead", person=people["specialist"], assigned_at=timezone.now()
    )
    incoming_assigned(assignments=[a])
    email = Message.objects.get(recipient=people["specialist"])
    assert "Kế hoạch mật" not in email.body + email.subject
    assert "Văn bản mật" in email.subject


def test_a_failing_rule_never_breaks_the_change(office, people, monkeypatch, caplog):
    from qlvb.notifications import rules

    def broken(**kw):
        raise RuntimeError("boom")

    monkeypatch.setitem(rules.RULES, "incoming.delivered", broken)
    incoming = deliver(office)
    assert incoming.pk and not Notification.objects.exists()
    assert "incoming.delivered failed" in caplog.text


def test_urge_and_extension_decision(office, people):
    from qlvb.directives import services as d
    from qlvb.directives.models import ExtensionRequest
    from qlvb.notifications.rules import extension_decided, task_urged

    task = d.Task.objects.create(
        title="Rà soát thủ tục hành chính",
        source_kind="other",
        assigning_agency=office,
        assigned_by=people["leader"],
        assigned_at=timezone.now(),
        lead_agency=office,
        due_at=timezone.now() + dt.timedelta(days=3),
        created_by=people["leader"],
    )
    urge = d.Urge(
        task=task,
        agency=office,
        text="Khẩn trương",
        urged_by=people["admin"],
        urged_at=timezone.now(),
    )
    task_urged(urges=[urge])
    urged = Notification.objects.filter(event=Event.URGED)
    assert set(urged.values_list("recipient__username", flat=True)) >= {"lanhdao"}
    assert "Khẩn trương" in urged.first().body
    period = d.TaskPeriod(task=task, effective_due_at=task.due_at)
    ext = ExtensionRequest(
        period=period,
        new_due_at=timezone.now() + dt.timedelta(days=10),
        requested_by=people["specialist"],
        decision="granted",
    )
    extension_decided(extension=ext)
    [n] = Notification.objects.filter(event=Event.EXTENSION_DECIDED)
    assert n.recipient == people["specialist"] and n.title.startswith("Đồng ý gia hạn")
