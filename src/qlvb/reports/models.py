"""Báo cáo, thống kê: the legacy register imports (a job row per file, with its progress) and
the record of every imported register line (what makes importing the same file twice a no-op).
The reports themselves are computed by selectors.py and store nothing."""

from __future__ import annotations

from django.db import models


class ImportKind(models.TextChoices):
    INCOMING = "incoming", "Sổ văn bản đến"
    OUTGOING = "outgoing", "Sổ văn bản đi"


class ImportState(models.TextChoices):
    PENDING = "pending", "Đang chờ"
    RUNNING = "running", "Đang nhập"
    DONE = "done", "Đã nhập xong"
    FAILED = "failed", "Bị từ chối"


class RegisterImport(models.Model):
    """One uploaded legacy register file and what became of it (the page polls `processed`)."""

    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField(null=True, blank=True)  # kept until processed
    state = models.CharField(
        max_length=10, choices=ImportState.choices, default=ImportState.PENDING
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        "agencies.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "nhập sổ cũ"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.processed * 100 // self.total)


class ImportedRecord(models.Model):
    """One register entry brought from the old system: `key` is the register position
    (agency, year, number), `digest` the content of its lines. Same key and digest again: skip;
    same key, other content: refused."""

    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    key = models.CharField(max_length=100)
    digest = models.CharField(max_length=64)
    document = models.ForeignKey("documents.Document", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="imported_record_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
