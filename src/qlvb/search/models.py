"""The search index (chỉ mục tìm kiếm): one row per document, kept current by background work.

`SearchEntry` holds what the backends search: the metadata and the files' text, as folded and
as written words (see search/text.py), the normalized number/notation and the columns the
filters use. SQLite adds an external-content FTS5 table fed by triggers, PostgreSQL generated
tsvector columns with a GIN index (migration 0002); the rows themselves are the same.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from qlvb.jobs.models import WorkItem


class Direction(models.TextChoices):
    INCOMING = "incoming", "Văn bản đến"
    OUTGOING = "outgoing", "Văn bản đi"
    OTHER = "other", "Khác"


class SearchEntry(models.Model):
    document = models.OneToOneField(
        "documents.Document",
        primary_key=True,  # the FTS5 rowid and the GIN index's row are the document's id
        on_delete=models.CASCADE,
        related_name="search_entry",
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    state = models.CharField(max_length=20, blank=True)
    type_name = models.CharField(max_length=100, blank=True)
    urgency = models.CharField(max_length=20, blank=True)
    confidentiality = models.CharField(max_length=20, blank=True)
    organ_folded = models.CharField(max_length=200, blank=True)
    signer_folded = models.CharField(max_length=100, blank=True)
    notation = models.CharField("số, ký hiệu chuẩn hóa", max_length=60, blank=True)
    issued_date = models.DateField(null=True, blank=True)
    # The date a list sorts by: arrival for incoming documents, issue for the others.
    doc_date = models.DateField(null=True, blank=True)
    meta_text = models.TextField(blank=True)
    meta_folded = models.TextField(blank=True)
    body_text = models.TextField(blank=True)
    body_folded = models.TextField(blank=True)
    indexed_at = models.DateTimeField()

    class Meta:
        db_table = "search_entry"
        verbose_name = "chỉ mục tìm kiếm"
        indexes = [
            models.Index(fields=["agency", "direction", "-doc_date"], name="search_entry_date"),
        ]  # and search_entry_agency_newest, per database (migration 0004)

    def __str__(self) -> str:
        return f"search entry {self.document_id}"


class IndexJob(WorkItem):
    """Index one document again: written after a change to it or to its files."""

    document_id_value = models.BigIntegerField("văn bản", db_index=True)

    class Meta(WorkItem.Meta):
        verbose_name = "cập nhật chỉ mục"

    def __str__(self) -> str:
        return f"index document {self.document_id_value}"


class TextExtraction(WorkItem):
    """Lấy chữ từ tệp: the text of one attachment. The WorkItem state is the extraction's:
    pending, done (indexed), failed; `method` says how (pdf, docx, xlsx, text) or `none` for a
    file without extractable text (a scan when OCR is off). OCR (`ocr`) keeps a searchable PDF
    beside the original: a blob of qlvb.documents storage, linked here to the attachment."""

    attachment = models.OneToOneField(
        "documents.Attachment", on_delete=models.CASCADE, related_name="text_extraction"
    )
    document_id_value = models.BigIntegerField(db_index=True)
    method = models.CharField(max_length=10, blank=True)
    text = models.TextField(blank=True)
    chars = models.PositiveIntegerField(default=0)
    searchable_pdf = models.ForeignKey(
        "documents.Blob",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="bản PDF tìm được chữ (OCR)",
    )

    class Meta(WorkItem.Meta):
        verbose_name = "lấy chữ từ tệp"

    def __str__(self) -> str:
        return f"text of attachment {self.attachment_id}"


class SavedSearch(models.Model):
    """Tìm kiếm đã lưu: a person's named query and filters, rerun from the list."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField("tên", max_length=100)
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "tìm kiếm đã lưu"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_search_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
