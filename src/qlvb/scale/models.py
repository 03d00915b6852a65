"""What `qlvb generate` put in this database, so a benchmark can reuse a dataset that took
minutes to build instead of building it again."""

from __future__ import annotations

from django.db import models


class GeneratedDataset(models.Model):
    documents = models.PositiveIntegerField()
    years = models.PositiveSmallIntegerField()
    seed = models.IntegerField()
    attachments = models.BooleanField(default=False)
    stats = models.JSONField(default=dict)
    seconds = models.FloatField(default=0)
    # Empty until the last row is in: a run that was stopped halfway is not a dataset.
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "bộ dữ liệu sinh"

    def __str__(self) -> str:
        return f"{self.documents} văn bản / {self.years} năm (seed {self.seed})"
