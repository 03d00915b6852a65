"""Every read of outgoing documents, scoped to what the viewer may see: only the issuing
agency's people; clerks, leaders and tracking officers see every non-confidential document,
others what they drafted, review or sign (and their department's drafts); confidential ones
only the people involved, and the clerks once signed (they issue it on paper)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from qlvb.agencies.models import Person, Role
from qlvb.core.errors import NotFound, ValidationFailed
from qlvb.documents.models import Confidentiality
from qlvb.outgoing.models import (
    Delivery,
    DeliveryStatus,
    OutgoingDocument,
    OutgoingState,
    ReviewStep,
    StepState,
)

NOT_ACCEPTED = (DeliveryStatus.QUEUED, DeliveryStatus.DELIVERED)
UNFINISHED = (
    DeliveryStatus.QUEUED,
    DeliveryStatus.DELIVERED,
    DeliveryStatus.ACCEPTED,
    DeliveryStatus.ASSIGNED,
    DeliveryStatus.IN_PROGRESS,
)
TRACKING_FILTERS = ("not_accepted", "rejected", "late", "done", "recall")


def outgoing_visible(*, viewer: Person) -> QuerySet[OutgoingDocument]:
    if viewer is None or viewer.agency_id is None:
        return OutgoingDocument.objects.none()
    involved = (
        Q(created_by_id=viewer.pk)
        | Q(signer_id=viewer.pk)
        | Q(pk__in=ReviewStep.objects.filter(reviewer_id=viewer.pk).values("outgoing_id"))
    )
    public = Q(document__confidentiality=Confidentiality.NORMAL)
    wide = viewer.has_role(Role.CLERK) or viewer.has_role(Role.LEADER)
    if wide or viewer.has_role(Role.TRACKING):
        condition = public | involved
    elif viewer.department_id:
        condition = involved | (public & Q(drafting_department_id=viewer.department_id))
    else:
        condition = involved
    if viewer.has_role(Role.CLERK):
        condition |= Q(
            state__in=[OutgoingState.SIGNED, OutgoingState.ISSUED, OutgoingState.RECALLED]
        )
    return OutgoingDocument.objects.filter(Q(agency_id=viewer.agency_id) & condition)


def outgoing_get(*, viewer: Person, pk: int) -> OutgoingDocument:
    found = (
        outgoing_visible(viewer=viewer)
        .select_related(
            "document",
            "document__document_type",
            "agency",
            "drafting_department",
            "created_by",
            "signer",
            "signed_by",
            "issued_by",
            "register_book",
            "related_to__document",
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("Không tìm thấy văn bản đi.")
    return found


BOXES = ("drafts", "to_review", "to_sign", "to_issue", "issued", "all")


def outgoing_box(*, viewer: Person, box: str) -> QuerySet[OutgoingDocument]:
    """The lists: my drafts, waiting for my review, waiting for my signature, waiting to be
    issued (clerks), issued, all."""
    visible = outgoing_visible(viewer=viewer)
    if box == "drafts":
        qs = visible.filter(
            created_by_id=viewer.pk, state__in=[OutgoingState.DRAFT, OutgoingState.IN_REVIEW]
        )
    elif box == "to_review":
        qs = visible.filter(
            state=OutgoingState.IN_REVIEW,
            pk__in=ReviewStep.objects.filter(reviewer_id=viewer.pk, state=StepState.PENDING).values(
                "outgoing_id"
            ),
        )
    elif box == "to_sign":
        qs = visible.filter(state=OutgoingState.APPROVED, signer_id=viewer.pk)
    elif box == "to_issue":
        qs = visible.filter(state=OutgoingState.SIGNED) if viewer.has_role(Role.CLERK) else None
        qs = qs if qs is not None else visible.none()
    elif box == "issued":
        qs = visible.filter(state__in=[OutgoingState.ISSUED, OutgoingState.RECALLED])
    elif box == "all":
        qs = visible
    else:
        raise ValidationFailed("Danh sách không hợp lệ.", errors={"box": ["Không hợp lệ."]})
    return qs.select_related("document", "created_by", "signer").order_by("-urgency_rank", "-id")


def outgoing_box_counts(*, viewer: Person) -> dict[str, int]:
    return {
        box: outgoing_box(viewer=viewer, box=box).count()
        for box in ("drafts", "to_review", "to_sign", "to_issue")
    }


def deliveries_for(
    *, viewer: Person, outgoing: OutgoingDocument, filter: str | None = None, today=None
) -> QuerySet[Delivery]:
    """Tracking (theo dõi) per recipient in one query: the recipient agency, the incoming copy
    (arrival times, number) and who acted."""
    # The caller found `outgoing` through outgoing_visible; checked again cheaply here.
    if viewer.agency_id != outgoing.agency_id:
        raise NotFound("Không tìm thấy văn bản đi.")
    today = today or timezone.localdate()
    qs = (
        Delivery.objects.filter(outgoing_id=outgoing.pk)
        .select_related("recipient_agency", "recipient", "incoming")
        .order_by("recipient__position", "id")
    )
    if filter in (None, "", "all"):
        return qs
    if filter == "not_accepted":
        return qs.filter(status__in=NOT_ACCEPTED)
    if filter == "rejected":
        return qs.filter(status=DeliveryStatus.REJECTED)
    if filter == "late":
        return qs.filter(due_date__lt=today, status__in=UNFINISHED)
    if filter == "done":
        return qs.filter(status=DeliveryStatus.DONE)
    if filter == "recall":
        return qs.filter(
            status__in=[
                DeliveryStatus.WITHDRAWN,
                DeliveryStatus.RECALL_REQUESTED,
                DeliveryStatus.RECALL_AGREED,
                DeliveryStatus.RECALL_REFUSED,
            ]
        )
    raise ValidationFailed("Bộ lọc không hợp lệ.", errors={"filter": ["Không hợp lệ."]})


def delivery_counts(*, outgoing: OutgoingDocument, today=None) -> dict[str, int]:
    today = today or timezone.localdate()
    row = Delivery.objects.filter(outgoing_id=outgoing.pk).aggregate(
        total=Count("id"),
        not_accepted=Count("id", filter=Q(status__in=NOT_ACCEPTED)),
        rejected=Count("id", filter=Q(status=DeliveryStatus.REJECTED)),
        late=Count("id", filter=Q(due_date__lt=today, status__in=UNFINISHED)),
        done=Count("id", filter=Q(status=DeliveryStatus.DONE)),
    )
    return row


def is_late(delivery: Delivery, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return bool(delivery.due_date and delivery.due_date < today and delivery.status in UNFINISHED)


# --- the outgoing register (Sổ đăng ký văn bản đi, ND30 Phụ lục IV) ----------------------------

OUTGOING_REGISTER_COLUMNS = [
    # (title, width in mm on A4 landscape, XLSX width)
    ("Số, ký hiệu văn bản", 28, 16),
    ("Ngày tháng văn bản", 20, 12),
    ("Tên loại và trích yếu nội dung văn bản", 60, 45),
    ("Người ký", 26, 20),
    ("Nơi nhận văn bản", 40, 30),
    ("Đơn vị, người nhận bản lưu", 24, 18),
    ("Số lượng bản", 12, 8),
    ("Ngày chuyển", 18, 12),
    ("Ký nhận", 14, 10),
    ("Ghi chú", 15, 14),
]


def outgoing_register_rows(*, viewer: Person, book_kind: str, date_from, date_to):
    """One row per issued document of the period, by number."""
    qs = (
        outgoing_visible(viewer=viewer)
        .filter(
            register_book__kind=book_kind,
            document__issued_date__gte=date_from,
            document__issued_date__lte=date_to,
            number__isnull=False,
        )
        .select_related("document", "register_book")
        .order_by("register_book__year", "register_book__series", "number")
    )
    for outgoing in qs.iterator(chunk_size=500):
        document = outgoing.document
        summary = (
            f"{document.type_name}: {document.subject}" if document.type_name else document.subject
        )
        notes = []
        if outgoing.state == OutgoingState.RECALLED:
            notes.append("Đã thu hồi")
        yield [
            document.number_and_notation,
            f"{document.issued_date:%d/%m/%Y}" if document.issued_date else "",
            summary,
            " ".join(p for p in (document.signer_position, document.signer_full_name) if p),
            "; ".join(document.to_places or []),
            outgoing.file_keeper,
            str(outgoing.copies),
            f"{timezone.localtime(outgoing.issued_at):%d/%m/%Y}" if outgoing.issued_at else "",
            "",
            "; ".join(notes),
        ]
