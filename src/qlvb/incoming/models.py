"""Incoming documents (văn bản đến): reception, registration, direction, assignment, handling."""

from __future__ import annotations

from django.db import models


class IncomingState(models.TextChoices):
    RECEIVED = "received", "Chờ tiếp nhận"  # delivered electronically, clerk has not acted
    REJECTED = "rejected", "Đã từ chối"
    REGISTERED = "registered", "Đã vào sổ"  # waiting to be routed / directed
    SUBMITTED = "submitted", "Đã trình lãnh đạo"
    ASSIGNED = "assigned", "Đã phân công"
    IN_PROGRESS = "in_progress", "Đang xử lý"
    DONE = "done", "Hoàn thành"
    WITHDRAWN = "withdrawn", "Đã bị thu hồi"
    MERGED = "merged", "Đã ghép với bản đã vào sổ"  # an electronic copy of a registered paper one


class Source(models.TextChoices):
    ELECTRONIC = "electronic", "Điện tử (liên thông)"
    PAPER = "paper", "Giấy"
    EMAIL = "email", "Thư điện tử"


class IncomingDocument(models.Model):
    """A document as the receiving agency holds it. The number (số đến, ArrivalNumber) is
    given at registration from the agency's incoming register book of the year."""

    document = models.OneToOneField(
        "documents.Document", on_delete=models.CASCADE, related_name="incoming"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="incoming_documents"
    )
    state = models.CharField(max_length=20, choices=IncomingState.choices, db_index=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    register_book = models.ForeignKey(
        "documents.RegisterBook", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    arrival_number = models.PositiveIntegerField("số đến", null=True, blank=True)
    arrival_date = models.DateField("ngày đến", null=True, blank=True)
    electronic_received_at = models.DateTimeField("nhận bản điện tử lúc", null=True, blank=True)
    paper_received_at = models.DateTimeField("nhận bản giấy lúc", null=True, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    registered_by = models.ForeignKey(
        "agencies.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejected_reason = models.CharField("lý do từ chối", max_length=1000, blank=True)
    # The sender's delivery this came from (same installation) or the edXML DocumentId.
    origin_reference = models.CharField(max_length=200, blank=True, db_index=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_copies"
    )
    routed_to = models.ForeignKey(
        "agencies.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incoming_routed",
    )
    direction = models.TextField("ý kiến chỉ đạo", blank=True)
    directed_by = models.ForeignKey(
        "agencies.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    directed_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField("hạn xử lý", null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # The sender recalled it after it was accepted (thu hồi): the clerk answers 15 or 16.
    recall_requested_at = models.DateTimeField("yêu cầu thu hồi lúc", null=True, blank=True)
    recall_reason = models.CharField("lý do thu hồi", max_length=1000, blank=True)
    recall_answer = models.CharField("trả lời thu hồi", max_length=2, blank=True)
    # The earlier document this one updates or replaces (edXML business types 2 and 3).
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by"
    )
    relation = models.CharField("quan hệ với văn bản trước", max_length=20, blank=True)
    # Denormalised for the lists: urgent first, then newest, paged by keyset on (rank, id).
    urgency_rank = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "văn bản đến"
        verbose_name_plural = "văn bản đến"
        constraints = [
            models.UniqueConstraint(
                fields=["register_book", "arrival_number"], name="incoming_arrival_number_unique"
            )
        ]
        indexes = [
            models.Index(fields=["agency", "state", "-urgency_rank", "-id"]),
            models.Index(fields=["agency", "arrival_date"]),
            # The lists' order over everything an agency holds ("all", a specialist's lists),
            # and over the documents still being worked on (waiting, mine, overdue):
            # docs/benchmarks.md, "Incoming lists".
            models.Index(fields=["agency", "-urgency_rank", "-id"], name="incoming_agency_rank"),
            models.Index(
                fields=["agency", "-urgency_rank", "-id"],
                name="incoming_open_rank",
                include=["due_at", "routed_to"],
                condition=models.Q(
                    state__in=["registered", "submitted", "assigned", "in_progress"]
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Đến số {self.arrival_number or '—'}: {self.document.subject}"


class AssignmentKind(models.TextChoices):
    LEAD = "lead", "Chủ trì"
    CO = "co", "Phối hợp"
    INFO = "info", "Để biết"


class AssignmentState(models.TextChoices):
    OPEN = "open", "Đang xử lý"
    DONE = "done", "Hoàn thành"


class Assignment(models.Model):
    """Phân công: who handles an incoming document, how, and by when (`due_at`).
    `parent` keeps the chain when a department head passes it on to a specialist."""

    incoming = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, related_name="assignments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    kind = models.CharField(max_length=10, choices=AssignmentKind.choices)
    person = models.ForeignKey(
        "agencies.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    department = models.ForeignKey(
        "agencies.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    due_at = models.DateTimeField("hạn xử lý", null=True, blank=True)
    assigned_by = models.ForeignKey(
        "agencies.Person", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField()
    state = models.CharField(
        max_length=10, choices=AssignmentState.choices, default=AssignmentState.OPEN
    )
    result = models.TextField("kết quả", blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "phân công"
        indexes = [
            models.Index(fields=["person", "state", "due_at"]),
            models.Index(fields=["department", "state", "due_at"]),
            # "Who is named on it" subqueries read (assignee, incoming) without the table.
            models.Index(fields=["person", "incoming"], name="assignment_person_incoming"),
            models.Index(fields=["department", "incoming"], name="assignment_dept_incoming"),
            # "Mine": the open assignments of a person, and of a department not yet passed on
            # to a specialist (small partial indexes, read without the table).
            models.Index(
                fields=["person", "incoming"],
                condition=models.Q(state="open"),
                name="assignment_open_person",
            ),
            models.Index(
                fields=["department", "incoming"],
                condition=models.Q(state="open", person__isnull=True),
                name="assignment_open_dept",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(department__isnull=False),
                name="assignment_has_assignee",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.person or self.department}"


TIMELINE_LABELS = {
    "arrived": "Văn bản đến (điện tử)",
    "accepted": "Tiếp nhận, vào sổ",
    "rejected": "Từ chối tiếp nhận",
    "registered": "Vào sổ",
    "merged": "Ghép với bản giấy đã vào sổ",
    "electronic_copy_linked": "Nhận bản điện tử",
    "paper_copy_received": "Nhận bản giấy",
    "submitted": "Trình lãnh đạo",
    "directed": "Chỉ đạo, phân công",
    "delegated": "Giao tiếp",
    "progress": "Báo cáo tiến độ",
    "part_completed": "Hoàn thành phần việc",
    "completed": "Hoàn thành",
    "reopened": "Mở lại",
    "withdrawn": "Bên gửi thu hồi văn bản",
    "recall_requested": "Bên gửi yêu cầu thu hồi",
    "recall_agreed": "Đồng ý thu hồi",
    "recall_refused": "Từ chối thu hồi",
    "reminder": "Bên gửi nhắc nhở",
    "replaces": "Văn bản thay thế/cập nhật văn bản đã nhận",
}


class TimelineEvent(models.Model):
    """A step on an incoming document's timeline (who, when, what). `status_code` is the edXML
    status it means for the sender (01 arrived ... 06 done), when it means one."""

    incoming = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, related_name="timeline"
    )
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        "agencies.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=30)
    status_code = models.CharField(max_length=2, blank=True)
    text = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%d/%m/%Y %H:%M} {self.kind}"

    @property
    def label(self) -> str:
        # Timeline entries are records in Vietnamese, like the register they belong to.
        return TIMELINE_LABELS.get(self.kind, self.kind)


class Comment(models.Model):
    """Ý kiến trao đổi on an incoming document, visible to everyone who sees the document."""

    incoming = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey("agencies.Person", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:50]
