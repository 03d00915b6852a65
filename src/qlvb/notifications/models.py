"""Thông báo: what happened for a person (in-app row), and each e-mail or SMS sent about it
(a `Message`, a unit of background work with its state, attempts and the provider's error).

- `Notification` is the in-app record (the bell). Deadline reminders carry (rule, item, deadline)
  and a partial unique constraint makes the scan insert each one once per person, however often
  it runs (INSERT ... ON CONFLICT DO NOTHING).
- `Message` is a `jobs.WorkItem`: queued (pending), sent (done), failed with the provider's
  error in `last_error`, retried (attempts > 1). Never deleted, so nothing is lost silently.
- `Preference` (a person) and `AgencyDefault` (set by the agency's administrator) switch
  channels per event; `QuietHours` defers e-mail and SMS (never hỏa tốc, never in-app).
- `DutyLeader`: lãnh đạo trực of an agency for a day; without one, the agency's leaders.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from qlvb.jobs.models import WorkItem


class Event(models.TextChoices):
    DELIVERED = "delivered", "Văn bản đến cơ quan"
    URGENT_DELIVERED = "urgent_delivered", "Văn bản hỏa tốc đến cơ quan"
    ASSIGNED = "assigned", "Được giao xử lý văn bản"
    DIRECTED = "directed", "Lãnh đạo cho ý kiến chỉ đạo"
    DEADLINE_NEAR = "deadline_near", "Sắp đến hạn"
    OVERDUE = "overdue", "Quá hạn"
    REMINDER = "reminder", "Bên gửi nhắc nhở"
    URGED = "urged", "Nhiệm vụ bị đôn đốc"
    EXTENSION_DECIDED = "extension_decided", "Kết quả đề nghị gia hạn"
    REJECTED = "rejected", "Văn bản đi bị từ chối tiếp nhận"


class Channel(models.TextChoices):
    IN_APP = "in_app", "Trên hệ thống"
    EMAIL = "email", "Thư điện tử"
    SMS = "sms", "Tin nhắn SMS"


class Notification(models.Model):
    # No single-column indexes: (recipient, read_at) and the unique constraint lead with the
    # recipient; fewer indexes keep the scan's bulk inserts fast.
    recipient = models.ForeignKey(
        "agencies.Person", on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    event = models.CharField("sự kiện", max_length=30, choices=Event.choices)
    title = models.CharField("tiêu đề", max_length=300)
    body = models.TextField("nội dung", blank=True)
    url = models.CharField("đường dẫn", max_length=300, blank=True)
    urgent = models.BooleanField("hỏa tốc", default=False)
    # Deadline reminders: which rule, on which item, for which deadline (once per person).
    rule = models.CharField(max_length=30, blank=True)
    item_type = models.CharField(max_length=40, blank=True)
    item_id = models.BigIntegerField(null=True, blank=True)
    deadline = models.DateTimeField("hạn", null=True, blank=True)
    # The scan that inserted it (its e-mails are created for this batch).
    batch = models.CharField(max_length=32, blank=True, db_index=True)
    created_at = models.DateTimeField("thời điểm", default=timezone.now)
    read_at = models.DateTimeField("đã đọc lúc", null=True, blank=True)

    class Meta:
        verbose_name = "thông báo"
        ordering = ["-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notif_recipient_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "rule", "item_type", "item_id", "deadline"],
                condition=Q(deadline__isnull=False),
                name="notification_once_per_rule_item_deadline",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Message(WorkItem):
    """One e-mail or SMS on its way: state, attempts, the provider's answer or error."""

    channel = models.CharField("kênh", max_length=10, choices=Channel.choices)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    recipient = models.ForeignKey("agencies.Person", on_delete=models.CASCADE, related_name="+")
    # The recipient's agency: its administrators see this row's failures.
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event = models.CharField("sự kiện", max_length=30, choices=Event.choices)
    subject = models.CharField("tiêu đề", max_length=300, blank=True)
    body = models.TextField("nội dung")
    urgent = models.BooleanField("hỏa tốc", default=False)
    # What was used on the last attempt (read from the directory at send time).
    address = models.CharField("địa chỉ", max_length=254, blank=True)
    provider = models.CharField("nhà cung cấp", max_length=40, blank=True)
    provider_reference = models.CharField("mã của nhà cung cấp", max_length=200, blank=True)
    sent_at = models.DateTimeField("đã gửi lúc", null=True, blank=True)
    # Digests: one per person and day ("digest:<date>"); empty for ordinary messages.
    dedupe_key = models.CharField(max_length=80, blank=True)

    class Meta(WorkItem.Meta):
        verbose_name = "thư/tin nhắn thông báo"
        verbose_name_plural = "thư/tin nhắn thông báo"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "channel", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="message_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_channel_display()} → {self.recipient_id}: {self.subject or self.body[:40]}"
        )


class Preference(models.Model):
    person = models.ForeignKey(
        "agencies.Person", on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event = models.CharField(max_length=30, choices=Event.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "event", "channel"], name="preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.event}:{self.channel}={self.enabled}"


class AgencyDefault(models.Model):
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="notification_defaults"
    )
    event = models.CharField(max_length=30, choices=Event.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "event", "channel"], name="agency_default_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.event}:{self.channel}={self.enabled}"


class QuietHours(models.Model):
    """Giờ yên lặng: e-mail and SMS wait until `end` (hỏa tốc does not)."""

    person = models.OneToOneField(
        "agencies.Person", on_delete=models.CASCADE, related_name="quiet_hours"
    )
    start = models.TimeField("từ")
    end = models.TimeField("đến")

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


class DutyLeader(models.Model):
    """Lãnh đạo trực: set by the agency's administrator, per day."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField("ngày")
    person = models.ForeignKey("agencies.Person", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="duty_leader_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.person_id}"
