"""Background work as data (tác vụ nền).

A unit of work is a row in the application database, written in the same transaction as the
change that causes it: a Delivery, a Notification, a TextExtraction subclass `WorkItem`. The
job queue (huey) only carries a nudge ("process row 42 of exchange.delivery"); a periodic sweep
nudges again whatever is due, so a lost queue message or a killed worker delays work and never
loses it. A worker claims a row with one conditional UPDATE (see `runner.claim`), so several
workers on several machines never run the same row at once.

Subclassing: keep the (state, next_attempt_at) index by inheriting the Meta:

    class Delivery(WorkItem):
        agency = models.ForeignKey(...)     # optional: lets that agency's admins see failures
        ...
        class Meta(WorkItem.Meta):
            ...
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


def default_max_attempts() -> int:
    return int(getattr(settings, "QLVB_JOB_MAX_ATTEMPTS", 8))


class WorkState(models.TextChoices):
    PENDING = "pending", "Chờ xử lý"
    RUNNING = "running", "Đang xử lý"
    DONE = "done", "Hoàn thành"
    FAILED = "failed", "Thất bại"


class WorkItem(models.Model):
    """Abstract unit of background work. Handlers must be idempotent: after a crash between the
    work and the "done" mark, the row is claimed again and the handler runs a second time."""

    state = models.CharField(
        "trạng thái", max_length=10, choices=WorkState.choices, default=WorkState.PENDING
    )
    attempts = models.PositiveIntegerField("số lần thử", default=0)
    max_attempts = models.PositiveIntegerField("số lần thử tối đa", default=default_max_attempts)
    next_attempt_at = models.DateTimeField("lần thử tiếp theo", default=timezone.now)
    # A running row belongs to the worker named in leased_by until lease_until; after that any
    # worker may take it over (the first one died or hangs).
    lease_until = models.DateTimeField("hết hạn giữ", null=True, blank=True)
    leased_by = models.CharField("tiến trình xử lý", max_length=120, blank=True)
    last_error = models.TextField("lỗi gần nhất", blank=True)
    created_at = models.DateTimeField("thời điểm tạo", default=timezone.now, editable=False)
    finished_at = models.DateTimeField("thời điểm kết thúc", null=True, blank=True)

    class Meta:
        abstract = True
        # Unnamed: Django names it per concrete model. Serves both the worker's "due pending"
        # query and the sweep's "running with an expired lease" query.
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    # Set by the runner on the instance it hands to the handler.
    _lease_token: str = ""

    @classmethod
    def work_label(cls) -> str:
        return cls._meta.label_lower

    @property
    def is_stuck(self) -> bool:
        """Running with an expired lease: its worker stopped; the sweep will take it over."""
        return (
            self.state == WorkState.RUNNING
            and self.lease_until is not None
            and self.lease_until < timezone.now()
        )

    def renew_lease(self, seconds: int | None = None) -> bool:
        """For long handlers: extend this worker's lease. False if another worker took the row
        over (the handler should then stop)."""
        if not self._lease_token:
            return False
        seconds = seconds or int(getattr(settings, "QLVB_JOB_LEASE_SECONDS", 300))
        until = timezone.now() + timedelta(seconds=seconds)
        updated = (
            type(self)
            .objects.filter(pk=self.pk, state=WorkState.RUNNING, leased_by=self._lease_token)
            .update(lease_until=until)
        )
        if updated:
            self.lease_until = until
        return bool(updated)


class Job(WorkItem):
    """A generic one-off job (e.g. a directory import started from the web). What to do is
    `kind` (a handler registered with `@job_handler(kind)`) and `payload`."""

    kind = models.CharField("loại tác vụ", max_length=100)
    payload = models.JSONField("dữ liệu", default=dict, blank=True)
    result = models.JSONField("kết quả", null=True, blank=True)
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="cơ quan",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="người tạo",
    )

    class Meta(WorkItem.Meta):
        verbose_name = "tác vụ"
        verbose_name_plural = "tác vụ"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
