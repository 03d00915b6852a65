"""What every document is (văn bản): ND30 Phụ lục VI metadata, files, types, register books.

Field names follow Phụ lục VI and edXML (TypeName, CodeNumber, CodeNotation, IssuedDate,
OrganName, Subject, Language, PageAmount, Description, SignerInfo, Priority, DueDate, ToPlaces),
in snake case; lengths are the appendix's.
"""

from __future__ import annotations

from django.db import models

from qlvb.core.models import TimeStamped


class Urgency(models.TextChoices):
    """Độ khẩn. The edXML `Priority` integer is `EDXML_PRIORITY[urgency]`."""

    NORMAL = "thuong", "Thường"
    URGENT = "khan", "Khẩn"
    VERY_URGENT = "thuong_khan", "Thượng khẩn"
    FLASH = "hoa_toc", "Hỏa tốc"
    FLASH_TIMED = "hoa_toc_hen_gio", "Hỏa tốc hẹn giờ"


EDXML_PRIORITY = {
    Urgency.NORMAL: 0,
    Urgency.URGENT: 1,
    Urgency.VERY_URGENT: 2,
    Urgency.FLASH: 3,
    Urgency.FLASH_TIMED: 4,
}
# Higher first in every queue: hỏa tốc before khẩn before thường.
URGENCY_RANK = EDXML_PRIORITY


class Confidentiality(models.TextChoices):
    """Độ mật. Confidential documents are never exchanged electronically (ND30)."""

    NORMAL = "thuong", "Thường"
    CONFIDENTIAL = "mat", "Mật"
    SECRET = "toi_mat", "Tối mật"
    TOP_SECRET = "tuyet_mat", "Tuyệt mật"


class DocumentType(models.Model):
    """Loại văn bản (ND30 Điều 7, Phụ lục III) with its abbreviation; editable data."""

    name = models.CharField("tên loại văn bản", max_length=100, unique=True)
    abbreviation = models.CharField("chữ viết tắt", max_length=10, blank=True)
    # Kinds that must also go on paper are a list the province edits (issue: outgoing).
    requires_paper = models.BooleanField("phải gửi kèm bản giấy", default=False)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = "loại văn bản"
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Blob(models.Model):
    """Stored content, addressed by its SHA-256: the same scan uploaded twice is stored once."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    storage_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.sha256


class Document(TimeStamped):
    """A document as one agency holds it: the metadata of ND30 Phụ lục VI.

    The incoming and outgoing apps add what registration and issuing mean for it.
    """

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="documents"
    )
    document_type = models.ForeignKey(
        DocumentType, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    type_name = models.CharField("tên loại văn bản", max_length=100, blank=True)
    code_number = models.CharField("số", max_length=11, blank=True)
    code_notation = models.CharField("ký hiệu", max_length=30, blank=True)
    issued_date = models.DateField("ngày ban hành", null=True, blank=True)
    organ_name = models.CharField("cơ quan ban hành", max_length=200, blank=True)
    organ = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_documents",
    )
    subject = models.CharField("trích yếu", max_length=500)
    language = models.CharField("ngôn ngữ", max_length=30, default="Tiếng Việt")
    page_amount = models.PositiveSmallIntegerField("số trang", null=True, blank=True)
    description = models.CharField("ghi chú", max_length=500, blank=True)
    signer_competence = models.CharField("thẩm quyền ký", max_length=100, blank=True)
    signer_position = models.CharField("chức vụ người ký", max_length=100, blank=True)
    signer_full_name = models.CharField("người ký", max_length=50, blank=True)
    urgency = models.CharField(
        "độ khẩn", max_length=20, choices=Urgency.choices, default=Urgency.NORMAL
    )
    urgency_deadline = models.DateTimeField("hẹn giờ (hỏa tốc hẹn giờ)", null=True, blank=True)
    confidentiality = models.CharField(
        "độ mật", max_length=20, choices=Confidentiality.choices, default=Confidentiality.NORMAL
    )
    due_date = models.DateField("hạn giải quyết", null=True, blank=True)
    to_places = models.JSONField("nơi nhận", default=list, blank=True)

    class Meta:
        verbose_name = "văn bản"
        verbose_name_plural = "văn bản"
        indexes = [
            # The duplicate warning (Phụ lục VI III.1.h) looks documents up by these.
            models.Index(
                fields=["agency", "code_number", "issued_date"], name="document_number_lookup"
            ),
        ]

    def __str__(self) -> str:
        notation = self.number_and_notation
        return f"{notation} {self.subject}".strip() if notation else self.subject

    @property
    def number_and_notation(self) -> str:
        if self.code_number and self.code_notation:
            return f"{self.code_number}/{self.code_notation}"
        return self.code_number or self.code_notation

    @property
    def is_confidential(self) -> bool:
        return self.confidentiality != Confidentiality.NORMAL


class AttachmentRole(models.TextChoices):
    MAIN = "main", "Văn bản chính"
    APPENDIX = "appendix", "Phụ lục"


class Attachment(models.Model):
    """A file of a document: original name, sniffed type, size and page count kept."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="attachments")
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="attachments")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    page_count = models.PositiveIntegerField(null=True, blank=True)
    role = models.CharField(
        max_length=10, choices=AttachmentRole.choices, default=AttachmentRole.MAIN
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        "agencies.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document_id", "role", "position", "id"]

    def __str__(self) -> str:
        return self.original_name


class RegisterKind(models.TextChoices):
    INCOMING = "incoming", "Sổ văn bản đến"
    INCOMING_CONFIDENTIAL = "incoming_confidential", "Sổ văn bản đến mật"
    OUTGOING = "outgoing", "Sổ văn bản đi"
    OUTGOING_CONFIDENTIAL = "outgoing_confidential", "Sổ văn bản đi mật"


class RegisterBook(models.Model):
    """Sổ đăng ký văn bản of one agency for one year; `last_number` is its counter.

    A number is taken under a row lock inside the registering transaction, so numbers are
    unique and gapless: a registration that rolls back returns its number with it.
    `series` separates the per-type series an agency may configure for outgoing documents.
    """

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="register_books"
    )
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=30, choices=RegisterKind.choices)
    series = models.CharField(max_length=20, blank=True, default="")
    name = models.CharField(max_length=200, blank=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "sổ đăng ký văn bản"
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "kind", "series"], name="register_book_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name or f"{self.get_kind_display()} {self.year}"
