"""Outgoing documents (văn bản đi): drafting in versions, approval along a chain, signing,
issuing with a number from the outgoing register book, recipients, deliveries and follow-up.

State machine: draft → in_review → approved → signed → issued → recalled. A returned draft goes
back to draft; the signing step records the signer's decision until the signatures issue
replaces it with a digital signature.
"""

from __future__ import annotations

from django.db import models

from qlvb.jobs.models import WorkItem, WorkState


class OutgoingState(models.TextChoices):
    DRAFT = "draft", "Dự thảo"
    IN_REVIEW = "in_review", "Đang trình duyệt"
    APPROVED = "approved", "Đã duyệt, chờ ký"
    SIGNED = "signed", "Đã ký, chờ phát hành"
    ISSUED = "issued", "Đã phát hành"
    RECALLED = "recalled", "Đã thu hồi"


class BusinessType(models.TextChoices):
    """edXML BusinessDocType: 0 new, 2 update, 3 replacement (1, recall, is an action here)."""

    NEW = "new", "Văn bản mới"
    UPDATE = "update", "Cập nhật văn bản đã gửi"
    REPLACEMENT = "replacement", "Thay thế văn bản đã gửi"


class OutgoingSettings(models.Model):
    """How an agency numbers its outgoing documents (ND30 Điều 15): one series by default;
    per-type series or a separate confidential series when the agency configures them."""

    agency = models.OneToOneField(
        "agencies.Agency", on_delete=models.CASCADE, related_name="outgoing_settings"
    )
    series_per_type = models.BooleanField("số riêng theo từng loại văn bản", default=False)
    separate_confidential = models.BooleanField("sổ riêng cho văn bản mật", default=True)

    class Meta:
        verbose_name = "cấu hình văn bản đi"

    def __str__(self) -> str:
        return f"Cấu hình văn bản đi – {self.agency}"


class OutgoingDocument(models.Model):
    document = models.OneToOneField(
        "documents.Document", on_delete=models.CASCADE, related_name="outgoing"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="outgoing_documents"
    )
    state = models.CharField(
        max_length=20, choices=OutgoingState.choices, default=OutgoingState.DRAFT, db_index=True
    )
    drafting_department = models.ForeignKey(
        "agencies.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outgoing_drafted",
        verbose_name="đơn vị soạn thảo",
    )
    created_by = models.ForeignKey(
        "agencies.Person", on_delete=models.PROTECT, related_name="outgoing_drafted"
    )
    signer = models.ForeignKey(
        "agencies.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outgoing_to_sign",
        verbose_name="người ký",
    )
    signed_by = models.ForeignKey(
        "agencies.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    register_book = models.ForeignKey(
        "documents.RegisterBook", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField("số đi", null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        "agencies.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    copies = models.PositiveSmallIntegerField("số lượng bản", default=1)
    file_keeper = models.CharField("đơn vị, người nhận bản lưu", max_length=200, blank=True)
    recalled_at = models.DateTimeField(null=True, blank=True)
    recalled_by = models.ForeignKey(
        "agencies.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recall_reason = models.CharField("lý do thu hồi", max_length=1000, blank=True)
    business_type = models.CharField(
        max_length=20, choices=BusinessType.choices, default=BusinessType.NEW
    )
    # The earlier document this one updates or replaces (both sides are linked on delivery).
    related_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="followed_by"
    )
    urgency_rank = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "văn bản đi"
        verbose_name_plural = "văn bản đi"
        constraints = [
            models.UniqueConstraint(
                fields=["register_book", "number"], name="outgoing_number_unique"
            )
        ]
        indexes = [models.Index(fields=["agency", "state", "-id"])]

    def __str__(self) -> str:
        return str(self.document)

    @property
    def is_frozen(self) -> bool:
        return self.state in (OutgoingState.ISSUED, OutgoingState.RECALLED)


class ConversionState(models.TextChoices):
    NONE = "", "Không cần chuyển đổi"
    CONVERTED = "converted", "Đã chuyển DOCX sang PDF"
    UNAVAILABLE = "unavailable", "Chưa chuyển được sang PDF (thiếu LibreOffice)"
    FAILED = "failed", "Chuyển sang PDF không thành công"


class DraftVersion(models.Model):
    """One upload of the draft's files (phiên bản dự thảo); earlier versions stay readable."""

    outgoing = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey("agencies.Person", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField("ghi chú", max_length=1000, blank=True)
    conversion = models.CharField(
        max_length=20, choices=ConversionState.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["outgoing_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["outgoing", "number"], name="draft_version_unique")
        ]

    def __str__(self) -> str:
        return f"Phiên bản {self.number}"


class VersionFileKind(models.TextChoices):
    MAIN = "main", "Văn bản chính"
    APPENDIX = "appendix", "Phụ lục"
    SOURCE = "source", "Tệp gốc DOCX"


class VersionFile(models.Model):
    """A file of a version; the bytes are an Attachment of the document (content-addressed)."""

    version = models.ForeignKey(DraftVersion, on_delete=models.CASCADE, related_name="files")
    attachment = models.OneToOneField(
        "documents.Attachment", on_delete=models.CASCADE, related_name="version_file"
    )
    kind = models.CharField(max_length=10, choices=VersionFileKind.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.attachment_id}"


class StepState(models.TextChoices):
    WAITING = "waiting", "Chờ đến lượt"
    PENDING = "pending", "Đang chờ duyệt"
    APPROVED = "approved", "Đã duyệt"
    RETURNED = "returned", "Trả lại"
    CANCELLED = "cancelled", "Không còn hiệu lực"


class ReviewStep(models.Model):
    """One reviewer on the approval chain of one submission (`round`)."""

    outgoing = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="review_steps"
    )
    round = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveSmallIntegerField()
    reviewer = models.ForeignKey("agencies.Person", on_delete=models.PROTECT, related_name="+")
    label = models.CharField("vai trò trong luồng duyệt", max_length=100, blank=True)
    state = models.CharField(max_length=10, choices=StepState.choices, default=StepState.WAITING)
    comment = models.TextField("ý kiến", blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.ForeignKey(
        DraftVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["outgoing_id", "round", "position"]
        indexes = [models.Index(fields=["reviewer", "state"])]

    def __str__(self) -> str:
        return f"{self.position}. {self.reviewer} ({self.get_state_display()})"


EVENT_LABELS = {
    "created": "Tạo dự thảo",
    "updated": "Sửa thông tin dự thảo",
    "version": "Tải lên phiên bản mới",
    "submitted": "Trình duyệt",
    "approved": "Duyệt",
    "returned": "Trả lại",
    "corrected": "Sửa và tải lên phiên bản mới khi duyệt",
    "signed": "Ký ban hành",
    "issued": "Phát hành",
    "reminded": "Nhắc nhở nơi nhận",
    "recalled": "Thu hồi",
    "comment": "Ý kiến",
}


class OutgoingEvent(models.Model):
    """The outgoing document's timeline: the chain, every decision, issue, recall."""

    outgoing = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        "agencies.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=30)
    text = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%d/%m/%Y %H:%M} {self.label}"

    @property
    def label(self) -> str:
        return EVENT_LABELS.get(self.kind, self.kind)


class RecipientKind(models.TextChoices):
    AGENCY = "agency", "Cơ quan trên hệ thống"
    EXTERNAL = "external", "Cơ quan ngoài hệ thống (qua trục liên thông)"
    DEPARTMENT = "department", "Đơn vị trong cơ quan"
    PERSON = "person", "Cá nhân trong cơ quan"
    PAPER = "paper", "Nơi nhận bản giấy"


class Medium(models.TextChoices):
    ELECTRONIC = "electronic", "Điện tử"
    ELECTRONIC_PAPER = "electronic_paper", "Điện tử và bản giấy"
    PAPER = "paper", "Bản giấy"


class Recipient(models.Model):
    """Nơi nhận: one line of the recipients list."""

    outgoing = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="recipients"
    )
    kind = models.CharField(max_length=20, choices=RecipientKind.choices)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "agencies.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "agencies.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("nơi nhận", max_length=300)
    medium = models.CharField(max_length=20, choices=Medium.choices, default=Medium.ELECTRONIC)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["outgoing_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["outgoing", "agency"],
                condition=models.Q(agency__isnull=False),
                name="recipient_agency_once",
            )
        ]

    def __str__(self) -> str:
        return self.name


class DeliveryWorkState(models.TextChoices):
    PENDING = WorkState.PENDING.value, WorkState.PENDING.label
    RUNNING = WorkState.RUNNING.value, WorkState.RUNNING.label
    DONE = WorkState.DONE.value, WorkState.DONE.label
    FAILED = WorkState.FAILED.value, WorkState.FAILED.label
    # Agencies elsewhere: left for the exchange (national axis) work; the runner never claims it.
    WAITING_EXCHANGE = "waiting_exchange", "Chờ gửi qua trục liên thông"


class DeliveryStatus(models.TextChoices):
    """What became of the document at the recipient: the edXML status codes and our steps."""

    QUEUED = "queued", "Đang gửi"
    WAITING_EXCHANGE = "waiting_exchange", "Chờ gửi qua trục liên thông"
    DELIVERED = "01", "Đã đến, chờ tiếp nhận"
    REJECTED = "02", "Từ chối tiếp nhận"
    ACCEPTED = "03", "Đã tiếp nhận"
    ASSIGNED = "04", "Đã phân công"
    IN_PROGRESS = "05", "Đang xử lý"
    DONE = "06", "Hoàn thành"
    WITHDRAWN = "withdrawn", "Đã thu hồi"
    RECALL_REQUESTED = "recall_requested", "Chờ trả lời thu hồi"
    RECALL_AGREED = "15", "Đồng ý thu hồi"
    RECALL_REFUSED = "16", "Từ chối thu hồi"


class Delivery(WorkItem):
    """One recipient agency's copy on its way: the background job places it in that agency's
    reception queue; the recipient's steps come back through `status_changed`."""

    state = models.CharField(
        "trạng thái",
        max_length=20,
        choices=DeliveryWorkState.choices,
        default=DeliveryWorkState.PENDING,
    )
    # The sender: its administrators see failed deliveries on the jobs page.
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="outgoing_deliveries"
    )
    outgoing = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.OneToOneField(Recipient, on_delete=models.CASCADE, related_name="delivery")
    recipient_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="deliveries_received"
    )
    urgency_rank = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    incoming = models.ForeignKey(
        "incoming.IncomingDocument",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_reason = models.CharField(max_length=1000, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    in_progress_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    recall_answered_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    acted_by = models.ForeignKey(
        "agencies.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acted_by_name = models.CharField(max_length=200, blank=True)
    last_text = models.CharField(max_length=1000, blank=True)
    due_date = models.DateField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta(WorkItem.Meta):
        verbose_name = "gửi văn bản đi"
        verbose_name_plural = "gửi văn bản đi"
        constraints = [
            models.UniqueConstraint(
                fields=["outgoing", "recipient_agency"], name="delivery_once_per_agency"
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["outgoing", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.outgoing_id} → {self.recipient_agency_id}"

    @property
    def origin_reference(self) -> str:
        return f"delivery:{self.pk}"


class ReminderReason(models.TextChoices):
    NOT_ACCEPTED = "not_accepted", "Chưa tiếp nhận"
    NOT_DONE = "not_done", "Chưa hoàn thành đúng hạn"


class Reminder(models.Model):
    """Nhắc nhở: one reminder to one recipient (in-app now; e-mail/SMS with notifications)."""

    outgoing = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="reminders"
    )
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="reminders")
    reason = models.CharField(max_length=20, choices=ReminderReason.choices)
    text = models.CharField(max_length=1000)
    created_by = models.ForeignKey(
        "agencies.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:80]


class Comment(models.Model):
    """Ý kiến of a reviewer or the drafter on a draft (optionally on one version)."""

    outgoing = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="comments"
    )
    version = models.ForeignKey(
        DraftVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    author = models.ForeignKey("agencies.Person", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:80]
