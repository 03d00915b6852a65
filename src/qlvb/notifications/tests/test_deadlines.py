"""The deadline scan: 3 and 1 working days before, overdue; once per person, rule, item and
deadline however often it runs; e-mails for the "near" ones per preferences; the daily digest
once per person and day."""

import datetime as dt

import pytest
from django.utils import timezone

from qlvb.incoming.models import Assignment
from qlvb.notifications import deadlines, digest
from qlvb.notifications.models import Channel, Event, Message, Notification, Preference
from qlvb.notifications.tests.conftest import accept_and_direct, deliver

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=TZ)  # 2 Dec 2026 is a Wednesday


@pytest.fixture
def items(office, people):
    """Open assignments of the specialist with deadlines relative to Wed 2 Dec 09:00."""
    found = {}
    for name, due in {
        "tomorrow": at(3, 17),  # 1 working day
        "monday": at(7, 17),  # 3 working days (Thu, Fri, Mon)
        "later": at(21, 17),
        "overdue": at(1, 17),
    }.items():
        incoming = deliver(office, subject=f"Văn bản {name}")
        accept_and_direct(
            incoming, people, assignments=[{"kind": "lead", "person": people["specialist"]}]
        )
        a = Assignment.objects.get(incoming=incoming)
        Assignment.objects.filter(pk=a.pk).update(due_at=due)
        found[name] = a
    Notification.objects.all().delete()
    Message.objects.all().delete()
    return found


def reminders(person=None):
    qs = Notification.objects.exclude(rule="")
    if person:
        qs = qs.filter(recipient=person)
    return sorted((n.rule, n.item_id) for n in qs)


def test_windows_and_exactly_once_across_runs(items, people):
    first = deadlines.scan(now=at(2))
    assert reminders() == sorted(
        [
            ("near1", items["tomorrow"].pk),
            ("near3", items["monday"].pk),
            ("overdue", items["overdue"].pk),
        ]
    )
    assert first.notifications == 3
    # E-mail for the "near" ones (built-in default), none per overdue item (digest instead).
    emails = Message.objects.filter(channel=Channel.EMAIL)
    assert sorted(m.notification.rule for m in emails) == ["near1", "near3"]
    assert first.messages == 2
    n = Notification.objects.get(rule="near1")
    assert n.title == "Sắp đến hạn: Về việc báo cáo kết quả năm 2026".replace(
        "Về việc báo cáo kết quả năm 2026", "Văn bản tomorrow"
    )
    assert n.url == f"/van-ban-den/{items['tomorrow'].incoming_id}/"

    second = deadlines.scan(now=at(2, 10))
    assert second.notifications == 0 and second.messages == 0
    assert len(reminders()) == 3 and Message.objects.count() == 2

    # Friday: Monday's item is now 1 working day away; Thursday's is overdue.
    deadlines.scan(now=at(4))
    assert ("near1", items["monday"].pk) in reminders()
    assert ("overdue", items["tomorrow"].pk) in reminders()
    assert len(reminders()) == 5


def test_a_new_deadline_is_a_new_reminder_and_done_items_are_quiet(items):
    deadlines.scan(now=at(2))
    Assignment.objects.filter(pk=items["tomorrow"].pk).update(due_at=at(3, 12))
    Assignment.objects.filter(pk=items["monday"].pk).update(state="done")
    report = deadlines.scan(now=at(2, 11))
    assert report.notifications == 1
    assert reminders().count(("near1", items["tomorrow"].pk)) == 2


def test_department_assignments_reach_the_department_head(office, people):
    incoming = deliver(office)
    accept_and_direct(
        incoming, people, assignments=[{"kind": "lead", "department": people["kgvx"]}]
    )
    Assignment.objects.update(due_at=at(3, 17))
    deadlines.scan(now=at(2))
    assert [n.recipient for n in Notification.objects.filter(rule="near1")] == [people["head"]]


def test_department_without_a_leader_reminds_all_its_people(office, people):
    """The same rule as the assignment notification (people.department_heads): a department
    with no leader of its own is told through all its active people, never through nobody."""
    from qlvb.agencies.models import Department
    from qlvb.notifications.tests.conftest import make_person

    archive = Department.objects.create(agency=office, name="Phòng Lưu trữ")
    staff = [make_person(f"luutru{i}", office, "specialist", department=archive) for i in (1, 2)]
    gone = make_person("nghiviec", office, "specialist", department=archive)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    incoming = deliver(office)
    accept_and_direct(incoming, people, assignments=[{"kind": "lead", "department": archive}])
    Assignment.objects.update(due_at=at(3, 17))
    Notification.objects.all().delete()
    deadlines.scan(now=at(2))
    told = sorted(n.recipient.username for n in Notification.objects.filter(rule="near1"))
    assert told == sorted(p.username for p in staff)


def test_preferences_switch_reminder_emails_off(items, people):
    Preference.objects.create(
        person=people["specialist"], event=Event.DEADLINE_NEAR, channel="email", enabled=False
    )
    report = deadlines.scan(now=at(2))
    assert report.notifications == 3 and report.messages == 0


def test_configurable_days(items, settings):
    settings.QLVB_REMINDER_DAYS = [1]
    deadlines.scan(now=at(2))
    assert {r for r, _ in reminders()} == {"near1", "overdue"}


def test_daily_digest_once_per_person_and_day(items, people):
    assert digest.digest(now=at(2, 8)) == 1
    assert digest.digest(now=at(2, 12)) == 0
    [mail] = Message.objects.filter(dedupe_key="digest:2026-12-02")
    assert mail.recipient == people["specialist"] and mail.event == Event.OVERDUE
    assert "Hiện có 1 việc đã quá hạn xử lý" in mail.body
    assert "Văn bản overdue" in mail.body and "/van-ban-den/" in mail.body
    assert digest.digest(now=at(3, 8)) == 1  # the next day, again


def test_quiet_hours_defer_reminder_emails(items, people):
    from qlvb.notifications.models import QuietHours

    QuietHours.objects.create(person=people["specialist"], start=dt.time(8), end=dt.time(11))
    deadlines.scan(now=at(2))
    assert {m.next_attempt_at for m in Message.objects.all()} == {at(2, 11)}
