"""Nhiệm vụ do lãnh đạo giao (chỉ đạo điều hành, Quy chế 45/2016/QĐ-UBND): tasks, their
periods, progress reports, extension requests, completions, confirmations and urges.

Status is never stored: `qlvb.directives.status` computes it from the deadline, the granted
extensions, the completion and its confirmation. Every task has at least one `TaskPeriod` (a
plain task exactly one; a recurring one, one per month or quarter): the period carries the
deadline (`effective_due_at`, moved by a granted extension) and the completion time, so lists
and counts compute the status in SQL over one table.
"""

from __future__ import annotations

from django.db import models

from qlvb.directives.status import DONE


class SourceKind(models.TextChoices):
    DOCUMENT = "document", "Văn bản"
    MEETING = "meeting", "Kết luận cuộc họp"
    DIRECTION = "direction", "Ý kiến chỉ đạo trên văn bản đến"


class Recurrence(models.TextChoices):
    NONE = "", "Không định kỳ"
    MONTHLY = "monthly", "Hằng tháng"
    QUARTERLY = "quarterly", "Hằng quý"


class Priority(models.TextChoices):
    NORMAL = "normal", "Bình thường"
    HIGH = "high", "Quan trọng"
    URGENT = "urgent", "Khẩn"


PRIORITY_RANK = {Priority.NORMAL: 0, Priority.HIGH: 1, Priority.URGENT: 2}


class Task(models.Model):
    """Nhiệm vụ: assigned by a leader of `assigning_agency` to `lead_agency` (chủ trì), with
    co-operating agencies (phối hợp). A sub-task (`parent`) is the lead unit's split of the
    work among its departments; sub-tasks are the lead unit's own business and are not counted
    on the tracking screen."""

    title = models.CharField("tên nhiệm vụ", max_length=500)
    content = models.TextField("nội dung", blank=True)
    source_kind = models.CharField("nguồn giao", max_length=20, choices=SourceKind.choices)
    source_document = models.ForeignKey(
        "documents.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name="văn bản giao nhiệm vụ",
    )
    source_outgoing = models.ForeignKey(
        "outgoing.OutgoingDocument",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    source_incoming = models.ForeignKey(
        "incoming.IncomingDocument",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    # "Thông báo 501/TB-VPUBND ngày ...", "Kết luận cuộc họp giao ban tháng 3": what people read.
    source_text = models.CharField("trích dẫn nguồn", max_length=500, blank=True)
    assigning_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="tasks_given"
    )
    assigned_by = models.ForeignKey(
        "agencies.Person",
        on_delete=models.PROTECT,
        related_name="tasks_given",
        verbose_name="lãnh đạo giao",
    )
    assigned_at = models.DateTimeField("ngày giao")
    lead_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="tasks_led"
    )
    lead_department = models.ForeignKey(
        "agencies.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks_led",
    )
    cooperating = models.ManyToManyField(
        "agencies.Agency", through="TaskCooperation", related_name="tasks_cooperating"
    )
    due_at = models.DateTimeField("hạn hoàn thành (kỳ đầu)")
    recurrence = models.CharField(
        "định kỳ", max_length=20, choices=Recurrence.choices, blank=True, default=""
    )
    recurrence_until = models.DateField("định kỳ đến ngày", null=True, blank=True)
    priority = models.CharField(
        "mức độ", max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    received_at = models.DateTimeField("đơn vị chủ trì tiếp nhận lúc", null=True, blank=True)
    received_by = models.ForeignKey(
        "agencies.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey("agencies.Person", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "nhiệm vụ"
        verbose_name_plural = "nhiệm vụ"
        indexes = [
            models.Index(fields=["lead_agency", "-id"]),
            models.Index(fields=["assigning_agency", "-id"]),
        ]

    def __str__(self) -> str:
        return self.title


class TaskCooperation(models.Model):
    """Cơ quan phối hợp and the part of the work it is asked for."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="cooperations")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    part = models.CharField("phần việc phối hợp", max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "agency"], name="task_cooperation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency} – {self.part}"


class TaskPeriod(models.Model):
    """One deliverable of a task: the whole task when it does not recur, one month or quarter
    when it does. `effective_due_at` is the deadline after granted extensions; `completed_at`
    is when the lead unit reported completion (kept while the assigner decides, cleared when
    the assigner returns it); `confirmed_at` when the assigner confirmed it."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="periods")
    number = models.PositiveSmallIntegerField(default=1)
    starts_at = models.DateTimeField()
    due_at = models.DateTimeField("hạn ban đầu")
    effective_due_at = models.DateTimeField("hạn (kể cả gia hạn)")
    completed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Denormalised from the task for the tracking screen's grouped counts (one table, one index).
    lead_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    assigning_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    is_top = models.BooleanField(default=True)

    class Meta:
        ordering = ["task_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["task", "number"], name="task_period_unique")
        ]
        indexes = [
            models.Index(
                fields=["lead_agency", "effective_due_at"],
                name="period_lead_due",
                include=["completed_at", "confirmed_at", "starts_at"],
                condition=models.Q(is_top=True),
            ),
            # The tracking screen's counts, read from the index alone in lead agency order:
            # the finished periods (status fixed by two columns) and the others (by the clock).
            models.Index(
                fields=["lead_agency"],
                name="period_done_lead",
                include=["completed_at", "confirmed_at", "effective_due_at", "starts_at"],
                condition=models.Q(is_top=True) & DONE,
            ),
            models.Index(
                fields=["lead_agency"],
                name="period_open_lead",
                include=["completed_at", "confirmed_at", "effective_due_at", "starts_at"],
                condition=models.Q(is_top=True) & ~DONE,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} – kỳ {self.number}"


class ProgressReport(models.Model):
    """Báo cáo tiến độ of the lead unit or a co-operating one (its part)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="progress_reports")
    period = models.ForeignKey(
        TaskPeriod, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    text = models.TextField("nội dung báo cáo")
    percent = models.PositiveSmallIntegerField("tỷ lệ hoàn thành (%)", default=0)
    created_by = models.ForeignKey("agencies.Person", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.percent}% – {self.text[:40]}"


class Decision(models.TextChoices):
    PENDING = "pending", "Chờ quyết định"
    GRANTED = "granted", "Đồng ý"
    REFUSED = "refused", "Không đồng ý"


class ExtensionRequest(models.Model):
    """Đề nghị gia hạn: the lead unit asks, the assigner grants (the deadline moves) or refuses."""

    period = models.ForeignKey(TaskPeriod, on_delete=models.CASCADE, related_name="extensions")
    reason = models.TextField("lý do")
    new_due_at = models.DateTimeField("hạn đề nghị")
    requested_by = models.ForeignKey("agencies.Person", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decision = models.CharField(
        max_length=10, choices=Decision.choices, default=Decision.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        "agencies.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField("ý kiến", max_length=1000, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"Gia hạn đến {self.new_due_at:%d/%m/%Y}"


class CompletionDecision(models.TextChoices):
    PENDING = "pending", "Chờ xác nhận"
    CONFIRMED = "confirmed", "Đã xác nhận hoàn thành"
    RETURNED = "returned", "Trả lại, chưa đạt"


class Completion(models.Model):
    """Báo cáo hoàn thành of a period by the lead unit; the assigner confirms or returns it."""

    period = models.ForeignKey(TaskPeriod, on_delete=models.CASCADE, related_name="completions")
    result = models.TextField("kết quả")
    evidence = models.TextField("minh chứng", blank=True)
    completed_by = models.ForeignKey("agencies.Person", on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField()
    decision = models.CharField(
        max_length=10, choices=CompletionDecision.choices, default=CompletionDecision.PENDING
    )
    decided_by = models.ForeignKey(
        "agencies.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField("ý kiến", max_length=1000, blank=True)

    class Meta:
        ordering = ["completed_at", "id"]

    def __str__(self) -> str:
        return f"Hoàn thành {self.completed_at:%d/%m/%Y}"


class Urge(models.Model):
    """Đôn đốc: a reminder to the lead agency about a task (in-app; e-mail/SMS later)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="urges")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    text = models.CharField("nội dung đôn đốc", max_length=1000, blank=True)
    urged_by = models.ForeignKey("agencies.Person", on_delete=models.PROTECT, related_name="+")
    urged_at = models.DateTimeField()
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-urged_at", "-id"]
        indexes = [models.Index(fields=["agency", "-urged_at"])]

    def __str__(self) -> str:
        return f"Đôn đốc {self.urged_at:%d/%m/%Y}"


class TaskFile(models.Model):
    """Tệp kèm báo cáo tiến độ, or minh chứng of a completion report. The bytes are a Blob of
    the documents app's content-addressed storage (streamed, SHA-256 checked), like every
    document's files; `task` scopes downloads to who may see the task."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="files")
    progress_report = models.ForeignKey(
        ProgressReport, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    completion = models.ForeignKey(
        Completion, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    blob = models.ForeignKey("documents.Blob", on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField("tên tệp", max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    page_count = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey("agencies.Person", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "tệp kèm báo cáo nhiệm vụ"
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress_report__isnull=False, completion__isnull=True)
                | models.Q(progress_report__isnull=True, completion__isnull=False),
                name="task_file_one_report",
            )
        ]

    def __str__(self) -> str:
        return self.original_name
