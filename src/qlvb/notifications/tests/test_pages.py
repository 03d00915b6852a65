"""Pages and API from the outside (Django test client): the bell, the list, mark read,
preferences with quiet hours, agency defaults and the duty leader, the administrators'
message list; scoping (one's own notifications only)."""

import pytest
from django.utils import timezone

from qlvb.jobs.models import WorkState
from qlvb.notifications.models import AgencyDefault, DutyLeader, Message, Notification, Preference
from qlvb.notifications.tests.conftest import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_client(client, people):
    client.force_login(people["clerk"])
    return client


def test_bell_counts_unread_and_the_list_opens_and_marks_read(clerk_client, office, people):
    incoming = deliver(office)
    deliver(office)
    bell = clerk_client.get("/thong-bao/chuong/")
    assert bell.status_code == 200
    assert 'data-testid="bell-count">2<' in bell.content.decode()
    page = clerk_client.get("/thong-bao/").content.decode()
    assert "Văn bản đến từ Sở Tài chính" in page and "2 chưa đọc" in page
    first = Notification.objects.filter(recipient=people["clerk"]).order_by("id").first()
    response = clerk_client.post(f"/thong-bao/{first.pk}/mo/")
    assert response.status_code == 302 and response["Location"] == f"/van-ban-den/{incoming.pk}/"
    assert 'bell-count">1<' in clerk_client.get("/thong-bao/chuong/").content.decode()
    clerk_client.post("/thong-bao/doc-tat-ca/")
    assert "bell-count" not in clerk_client.get("/thong-bao/chuong/").content.decode()


def test_someone_elses_notification_is_404(client, office, people):
    deliver(office)
    note = Notification.objects.get(recipient=people["clerk"])
    client.force_login(people["specialist"])
    assert client.post(f"/api/v1/notifications/{note.pk}/read").status_code == 404
    assert client.get("/api/v1/notifications").json() == []
    follow = client.post(f"/thong-bao/{note.pk}/mo/", follow=True).content.decode()
    assert "Không tìm thấy thông báo." in follow
    note.refresh_from_db()
    assert note.read_at is None


def test_api_list_count_read(clerk_client, office):
    deliver(office)
    assert clerk_client.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    [item] = clerk_client.get("/api/v1/notifications?unread=true").json()
    assert item["event"] == "delivered"
    read = clerk_client.post(f"/api/v1/notifications/{item['id']}/read").json()
    assert read["read_at"]
    assert clerk_client.get("/api/v1/notifications/unread-count").json() == {"unread": 0}


def test_preferences_page_and_quiet_hours(clerk_client, people):
    page = clerk_client.get("/thong-bao/thiet-lap/").content.decode()
    assert "Thiết lập thông báo" in page and 'name="assigned:email"' in page
    response = clerk_client.post(
        "/thong-bao/thiet-lap/",
        {"assigned:sms": "on", "quiet_start": "22:00", "quiet_end": "06:00"},
    )
    assert response.status_code == 302
    prefs = dict(
        ((p.event, p.channel), p.enabled) for p in Preference.objects.filter(person=people["clerk"])
    )
    assert prefs[("assigned", "sms")] is True and prefs[("assigned", "email")] is False
    assert people["clerk"].quiet_hours.start.hour == 22
    bad = clerk_client.post("/thong-bao/thiet-lap/", {"quiet_start": "22:00"})
    assert "Giờ yên lặng cần cả giờ bắt đầu và giờ kết thúc" in bad.content.decode()


def test_api_preferences_and_bad_input_problem(clerk_client):
    ok = clerk_client.put(
        "/api/v1/notifications/preferences",
        {"matrix": {"reminder:email": False}, "quiet_start": "21:00", "quiet_end": "07:00"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["matrix"]["reminder:email"] is False
    assert ok.json()["quiet_start"] == "21:00:00"
    bad = clerk_client.put(
        "/api/v1/notifications/preferences",
        {"matrix": {"nothing:fax": True}},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad["Content-Type"].startswith("application/problem+json")
    assert "nothing:fax" in bad.json()["errors"]


def test_quiet_hours_defer_but_flash_goes_at_once(office, people):
    from qlvb.notifications.models import QuietHours

    now = timezone.localtime()
    start = (now - timezone.timedelta(hours=1)).time()
    end = (now + timezone.timedelta(hours=1)).time().replace(microsecond=0)
    for key in ("clerk", "leader"):
        QuietHours.objects.create(person=people[key], start=start, end=end)
        Preference.objects.create(person=people[key], event="delivered", channel="email")
    deliver(office)  # ordinary: e-mail waits until the end of quiet hours
    waiting = Message.objects.get(recipient=people["clerk"])
    assert waiting.next_attempt_at > timezone.now() + timezone.timedelta(minutes=30)
    deliver(office, urgency="hoa_toc")
    flash = Message.objects.filter(urgent=True, recipient=people["leader"])
    assert flash.count() == 2  # e-mail and SMS, at once
    assert all(m.next_attempt_at <= timezone.now() for m in flash)


def test_agency_defaults_by_its_administrator_only(client, office, people):
    client.force_login(people["clerk"])
    assert client.get("/thong-bao/co-quan/").status_code == 403
    denied = client.put(
        "/api/v1/notifications/agency-defaults",
        {"matrix": {"delivered:email": True}},
        content_type="application/json",
    )
    assert denied.status_code == 403
    client.force_login(people["admin"])
    assert client.post("/thong-bao/co-quan/", {"delivered:email": "on"}).status_code == 302
    assert AgencyDefault.objects.get(event="delivered", channel="email").enabled
    deliver(office)  # the clerk has no choice of their own: the agency's default applies
    assert Message.objects.filter(recipient=people["clerk"], channel="email").exists()
    # The duty leader.
    day = timezone.localdate().isoformat()
    client.post("/thong-bao/co-quan/", {"form": "duty", "day": day, "person": people["deputy"].pk})
    assert DutyLeader.objects.get(agency=office).person == people["deputy"]
    bad = client.post(
        "/thong-bao/co-quan/", {"form": "duty", "day": day, "person": people["specialist"].pk}
    )
    # A specialist is not a leader: refused with a clear message, nothing changed.
    assert "Lãnh đạo trực phải là lãnh đạo của cơ quan." in bad.content.decode()
    assert DutyLeader.objects.get(agency=office).person == people["deputy"]


def test_failed_messages_visible_to_administrators(client, office, people):
    deliver(office, urgency="hoa_toc")
    Message.objects.filter(recipient=people["clerk"], channel="sms").update(
        state=WorkState.FAILED, attempts=8, last_error="ProviderError: HTTP 503 quota exceeded"
    )
    client.force_login(people["clerk"])
    assert client.get("/thong-bao/thu-tin-nhan/").status_code == 403
    assert client.get("/api/v1/notifications/messages").status_code == 403
    client.force_login(people["admin"])
    page = client.get("/thong-bao/thu-tin-nhan/").content.decode()
    assert "HTTP 503 quota exceeded" in page
    rows = client.get("/api/v1/notifications/messages").json()
    assert [r["state"] for r in rows] == ["failed"]
    # The generic failed-work page lists it too, with its retry action.
    assert "notifications.message" in client.get("/quan-tri/tac-vu/").content.decode()
