"""/api/v1/outgoing: drafts, versions, approval, signing, issuing, recipients, deliveries,
reminders, recall, the outgoing register. Thin: services change, selectors read."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from qlvb.core.errors import NotFound, PermissionDenied
from qlvb.documents.http import attachment_response
from qlvb.documents.services import Upload
from qlvb.outgoing import selectors, services
from qlvb.outgoing.models import OutgoingDocument, VersionFile

router = Router(tags=["Văn bản đi"])


def _person(request):
    actor = request.auth
    if getattr(actor, "is_token", False):
        raise PermissionDenied("Mã truy cập API không dùng được cho văn bản đi; hãy đăng nhập.")
    return actor


class FileOut(Schema):
    id: int
    kind: str
    original_name: str
    content_type: str
    size: int
    page_count: int | None


class VersionOut(Schema):
    number: int
    created_by: str
    created_at: dt.datetime
    note: str
    conversion: str
    files: list[FileOut]


class StepOut(Schema):
    id: int
    round: int
    position: int
    reviewer_id: int
    reviewer: str
    label: str
    state: str
    comment: str
    decided_at: dt.datetime | None


class RecipientOut(Schema):
    id: int
    kind: str
    agency_id: int | None
    department_id: int | None
    person_id: int | None
    name: str
    medium: str


class EventOut(Schema):
    occurred_at: dt.datetime
    actor: str | None
    kind: str
    label: str
    text: str


class OutgoingOut(Schema):
    id: int
    state: str
    type_name: str
    document_type: int | None
    code_number: str
    code_notation: str
    number: int | None
    issued_date: dt.date | None
    subject: str
    urgency: str
    urgency_deadline: dt.datetime | None
    confidentiality: str
    due_date: dt.date | None
    signer_id: int | None
    drafting_department_id: int | None
    created_by_id: int
    business_type: str
    related_to_id: int | None


class OutgoingDetail(OutgoingOut):
    signed_at: dt.datetime | None
    issued_at: dt.datetime | None
    recalled_at: dt.datetime | None
    recall_reason: str
    recipients: list[RecipientOut]
    versions: list[VersionOut]
    steps: list[StepOut]
    timeline: list[EventOut]


class OutgoingPage(Schema):
    items: list[OutgoingOut]
    next_cursor: int | None


class RecipientIn(Schema):
    agency_id: int | None = Field(None, description="Cơ quan nhận (trên hệ thống hoặc ngoài)")
    group_id: int | None = Field(None, description="Nhóm nơi nhận: mọi cơ quan của nhóm")
    department_id: int | None = Field(None, description="Đơn vị trong cơ quan")
    person_id: int | None = Field(None, description="Cá nhân trong cơ quan")
    name: str = Field("", description="Nơi nhận bản giấy (nhập tự do)")
    medium: str | None = Field(None, description="electronic, electronic_paper, paper")


class DraftIn(Schema):
    document_type: int | None = Field(None, description="Loại văn bản (mã trong danh mục)")
    type_name: str = ""
    subject: str = Field(description="Trích yếu")
    urgency: str = Field(
        "thuong", description="thuong, khan, thuong_khan, hoa_toc, hoa_toc_hen_gio"
    )
    urgency_deadline: dt.datetime | None = None
    confidentiality: str = Field("thuong", description="thuong, mat, toi_mat, tuyet_mat")
    due_date: dt.date | None = Field(None, description="Hạn giải quyết ấn định cho nơi nhận")
    description: str = ""
    signer_id: int | None = None
    drafting_department_id: int | None = None
    recipients: list[RecipientIn] = []
    copies: int = 1
    file_keeper: str = ""
    related_to_id: int | None = Field(None, description="Văn bản được cập nhật/thay thế")
    business_type: str = Field("new", description="new, update, replacement")


class DraftPatch(Schema):
    document_type: int | None = None
    type_name: str | None = None
    subject: str | None = None
    urgency: str | None = None
    urgency_deadline: dt.datetime | None = None
    confidentiality: str | None = None
    due_date: dt.date | None = None
    description: str | None = None
    signer_id: int | None = None
    drafting_department_id: int | None = None
    recipients: list[RecipientIn] | None = None
    copies: int | None = None
    file_keeper: str | None = None


class VersionIn(Schema):
    note: str = ""


class SubmitIn(Schema):
    chain: list[int] | None = Field(
        None, description="Người duyệt theo thứ tự; bỏ trống: luồng mặc định"
    )
    note: str = ""


class CommentIn(Schema):
    comment: str = ""


class TextIn(Schema):
    text: str = ""


class ReasonIn(Schema):
    reason: str = ""


class RecallAnswerIn(Schema):
    agree: bool
    text: str = ""


class DeliveryOut(Schema):
    id: int
    recipient: str
    recipient_agency_id: int
    recipient_code: str
    medium: str
    status: str
    status_label: str
    work_state: str
    delivered_at: dt.datetime | None
    accepted_at: dt.datetime | None
    rejected_at: dt.datetime | None
    rejected_reason: str
    assigned_at: dt.datetime | None
    in_progress_at: dt.datetime | None
    done_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    recall_answered_at: dt.datetime | None
    electronic_received_at: dt.datetime | None
    paper_received_at: dt.datetime | None
    arrival_number: int | None
    acted_by: str
    due_date: dt.date | None
    late: bool
    reminded_at: dt.datetime | None


class ReminderOut(Schema):
    id: int
    delivery_id: int
    reason: str
    text: str
    created_at: dt.datetime


def _recipients(items) -> list[dict]:
    return [
        {
            "agency": r.agency_id,
            "group": r.group_id,
            "department": r.department_id,
            "person": r.person_id,
            "name": r.name,
            "medium": r.medium,
        }
        for r in items
    ]


def _get(request, pk: int) -> OutgoingDocument:
    return selectors.outgoing_get(viewer=_person(request), pk=pk)


def _row(o: OutgoingDocument) -> dict:
    d = o.document
    return {
        "id": o.pk,
        "state": o.state,
        "type_name": d.type_name,
        "document_type": d.document_type_id,
        "code_number": d.code_number,
        "code_notation": d.code_notation,
        "number": o.number,
        "issued_date": d.issued_date,
        "subject": d.subject,
        "urgency": d.urgency,
        "urgency_deadline": d.urgency_deadline,
        "confidentiality": d.confidentiality,
        "due_date": d.due_date,
        "signer_id": o.signer_id,
        "drafting_department_id": o.drafting_department_id,
        "created_by_id": o.created_by_id,
        "business_type": o.business_type,
        "related_to_id": o.related_to_id,
    }


def _file(f: VersionFile) -> dict:
    a = f.attachment
    return {
        "id": a.pk,
        "kind": f.kind,
        "original_name": a.original_name,
        "content_type": a.content_type,
        "size": a.size,
        "page_count": a.page_count,
    }


def _detail(o: OutgoingDocument) -> dict:
    o.refresh_from_db()
    o.document.refresh_from_db()
    out = _row(o)
    out.update(
        signed_at=o.signed_at,
        issued_at=o.issued_at,
        recalled_at=o.recalled_at,
        recall_reason=o.recall_reason,
        recipients=list(o.recipients.all()),
        versions=[
            {
                "number": v.number,
                "created_by": v.created_by.full_name,
                "created_at": v.created_at,
                "note": v.note,
                "conversion": v.conversion,
                "files": [_file(f) for f in v.files.all()],
            }
            for v in o.versions.select_related("created_by").prefetch_related("files__attachment")
        ],
        steps=[
            {
                "id": s.pk,
                "round": s.round,
                "position": s.position,
                "reviewer_id": s.reviewer_id,
                "reviewer": s.reviewer.full_name,
                "label": s.label,
                "state": s.state,
                "comment": s.comment,
                "decided_at": s.decided_at,
            }
            for s in o.review_steps.select_related("reviewer")
        ],
        timeline=[
            {
                "occurred_at": e.occurred_at,
                "actor": e.actor.full_name if e.actor else None,
                "kind": e.kind,
                "label": e.label,
                "text": e.text,
            }
            for e in o.events.select_related("actor")
        ],
    )
    return out


def delivery_row(d, today=None) -> dict:
    incoming = d.incoming
    return {
        "id": d.pk,
        "recipient": d.recipient_agency.name,
        "recipient_agency_id": d.recipient_agency_id,
        "recipient_code": d.recipient_agency.code,
        "medium": d.recipient.medium,
        "status": d.status,
        "status_label": d.get_status_display(),
        "work_state": d.state,
        "delivered_at": d.delivered_at,
        "accepted_at": d.accepted_at,
        "rejected_at": d.rejected_at,
        "rejected_reason": d.rejected_reason,
        "assigned_at": d.assigned_at,
        "in_progress_at": d.in_progress_at,
        "done_at": d.done_at,
        "withdrawn_at": d.withdrawn_at,
        "recall_answered_at": d.recall_answered_at,
        "electronic_received_at": incoming.electronic_received_at if incoming else None,
        "paper_received_at": incoming.paper_received_at if incoming else None,
        "arrival_number": incoming.arrival_number if incoming else None,
        "acted_by": d.acted_by_name,
        "due_date": d.due_date,
        "late": selectors.is_late(d, today),
        "reminded_at": d.reminded_at,
    }


@router.get("/outgoing", response=OutgoingPage, summary="Danh sách văn bản đi")
def outgoing_list(request, box: str = "all", cursor: int | None = None, limit: int = 50):
    limit = min(max(limit, 1), 200)
    qs = selectors.outgoing_box(viewer=_person(request), box=box).order_by("-id")
    if cursor:
        qs = qs.filter(pk__lt=cursor)
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [_row(r) for r in rows], "next_cursor": rows[-1].pk if more else None}


@router.post("/outgoing", response={201: OutgoingDetail}, summary="Tạo dự thảo")
def outgoing_create(request, payload: DraftIn):
    actor = _person(request)
    related = (
        selectors.outgoing_get(viewer=actor, pk=payload.related_to_id)
        if payload.related_to_id
        else None
    )
    metadata = payload.dict(
        include={
            "document_type",
            "type_name",
            "subject",
            "urgency",
            "urgency_deadline",
            "confidentiality",
            "due_date",
            "description",
        }
    )
    metadata = {k: v for k, v in metadata.items() if v is not None}
    outgoing = services.outgoing_create(
        actor=actor,
        metadata=metadata,
        recipients=_recipients(payload.recipients),
        signer=payload.signer_id,
        drafting_department=payload.drafting_department_id,
        copies=payload.copies,
        file_keeper=payload.file_keeper,
        related_to=related,
        business_type=payload.business_type,
    )
    return Status(201, _detail(outgoing))


@router.get(
    "/outgoing/register-book",
    summary="Sổ đăng ký văn bản đi (PDF hoặc XLSX)",
    response={200: None},
)
def outgoing_register_book(
    request, date_from: dt.date, date_to: dt.date, format: str = "pdf", kind: str = "outgoing"
):
    from qlvb.outgoing.outputs import outgoing_register_book as build

    content, name, media = build(
        viewer=_person(request), date_from=date_from, date_to=date_to, fmt=format, kind=kind
    )
    response = HttpResponse(content, content_type=media)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get("/outgoing/{pk}", response=OutgoingDetail, summary="Chi tiết văn bản đi")
def outgoing_detail(request, pk: int):
    return _detail(_get(request, pk))


@router.patch("/outgoing/{pk}", response=OutgoingDetail, summary="Sửa dự thảo")
def outgoing_update(request, pk: int, payload: DraftPatch):
    outgoing = _get(request, pk)
    data = payload.dict(exclude_unset=True)
    metadata = {
        k: v
        for k, v in data.items()
        if k
        in {
            "document_type",
            "type_name",
            "subject",
            "urgency",
            "urgency_deadline",
            "confidentiality",
            "due_date",
            "description",
        }
    }
    services.outgoing_update(
        actor=_person(request),
        outgoing=outgoing,
        metadata=metadata or None,
        recipients=_recipients(payload.recipients) if "recipients" in data else None,
        signer=data.get("signer_id", ...),
        drafting_department=data.get("drafting_department_id", ...),
        copies=data.get("copies"),
        file_keeper=data.get("file_keeper"),
    )
    return _detail(outgoing)


@router.post(
    "/outgoing/{pk}/versions",
    response={201: OutgoingDetail},
    summary="Tải lên phiên bản mới (tệp đầu: văn bản chính; DOCX được chuyển sang PDF)",
)
def outgoing_version(
    request, pk: int, payload: Form[VersionIn], files: File[list[UploadedFile]] = None
):
    outgoing = _get(request, pk)
    uploads = [
        Upload(f, f.name, "main" if i == 0 else "appendix") for i, f in enumerate(files or [])
    ]
    services.outgoing_upload_version(
        actor=_person(request), outgoing=outgoing, uploads=uploads, note=payload.note
    )
    return Status(201, _detail(outgoing))


@router.post("/outgoing/{pk}/submit", response=OutgoingDetail, summary="Trình duyệt")
def outgoing_submit(request, pk: int, payload: SubmitIn):
    outgoing = _get(request, pk)
    services.outgoing_submit(
        actor=_person(request), outgoing=outgoing, chain=payload.chain, note=payload.note
    )
    return _detail(outgoing)


@router.post("/outgoing/{pk}/approve", response=OutgoingDetail, summary="Duyệt")
def outgoing_approve(request, pk: int, payload: CommentIn):
    outgoing = _get(request, pk)
    services.outgoing_approve(actor=_person(request), outgoing=outgoing, comment=payload.comment)
    return _detail(outgoing)


@router.post("/outgoing/{pk}/return", response=OutgoingDetail, summary="Trả lại kèm ý kiến")
def outgoing_return(request, pk: int, payload: CommentIn):
    outgoing = _get(request, pk)
    services.outgoing_return(actor=_person(request), outgoing=outgoing, comment=payload.comment)
    return _detail(outgoing)


@router.post("/outgoing/{pk}/sign", response=OutgoingDetail, summary="Ký (ghi nhận quyết định)")
def outgoing_sign(request, pk: int):
    outgoing = _get(request, pk)
    services.outgoing_sign(actor=_person(request), outgoing=outgoing)
    return _detail(outgoing)


@router.post("/outgoing/{pk}/issue", response=OutgoingDetail, summary="Phát hành")
def outgoing_issue(request, pk: int):
    outgoing = _get(request, pk)
    services.outgoing_issue(actor=_person(request), outgoing=outgoing)
    return _detail(outgoing)


@router.post("/outgoing/{pk}/recall", response=OutgoingDetail, summary="Thu hồi")
def outgoing_recall(request, pk: int, payload: ReasonIn):
    outgoing = _get(request, pk)
    services.outgoing_recall(actor=_person(request), outgoing=outgoing, reason=payload.reason)
    return _detail(outgoing)


@router.post("/outgoing/{pk}/comments", response={201: EventOut}, summary="Góp ý dự thảo")
def outgoing_comment(request, pk: int, payload: TextIn):
    outgoing = _get(request, pk)
    services.outgoing_comment(actor=_person(request), outgoing=outgoing, text=payload.text)
    event = outgoing.events.select_related("actor").order_by("-id").first()
    return Status(
        201,
        {
            "occurred_at": event.occurred_at,
            "actor": event.actor.full_name if event.actor else None,
            "kind": event.kind,
            "label": event.label,
            "text": event.text,
        },
    )


@router.get(
    "/outgoing/{pk}/deliveries",
    response=list[DeliveryOut],
    summary="Theo dõi theo nơi nhận (filter: not_accepted, rejected, late, done, recall)",
)
def outgoing_deliveries(request, pk: int, filter: str | None = None):
    viewer = _person(request)
    outgoing = _get(request, pk)
    return [
        delivery_row(d)
        for d in selectors.deliveries_for(viewer=viewer, outgoing=outgoing, filter=filter)
    ]


@router.post(
    "/outgoing/{pk}/reminders",
    response={201: list[ReminderOut]},
    summary="Nhắc nhở mọi nơi nhận chưa tiếp nhận hoặc chưa hoàn thành đúng hạn",
)
def outgoing_remind(request, pk: int, payload: TextIn):
    outgoing = _get(request, pk)
    return Status(
        201, services.outgoing_remind(actor=_person(request), outgoing=outgoing, text=payload.text)
    )


@router.get("/outgoing/{pk}/reminders", response=list[ReminderOut], summary="Các lần nhắc nhở")
def outgoing_reminders(request, pk: int):
    return list(_get(request, pk).reminders.all())


@router.get(
    "/outgoing/{pk}/files/{file_pk}/content",
    summary="Tải tệp của dự thảo / văn bản đi (hỗ trợ HTTP Range)",
    response={200: None, 206: None},
)
def outgoing_file(request, pk: int, file_pk: int, inline: bool = False):
    outgoing = _get(request, pk)
    attachment = outgoing.document.attachments.select_related("blob").filter(pk=file_pk).first()
    if attachment is None:
        raise NotFound("Không tìm thấy tệp.")
    return attachment_response(request, attachment, actor=_person(request), inline=inline)


@router.post(
    "/outgoing/recall-orders/{incoming_pk}/answer",
    summary="Bên nhận trả lời yêu cầu thu hồi (15 đồng ý / 16 từ chối)",
    response={200: dict},
)
def recall_order_answer(request, incoming_pk: int, payload: RecallAnswerIn):
    incoming = services.recall_answer(
        actor=_person(request), incoming_pk=incoming_pk, agree=payload.agree, text=payload.text
    )
    return {"incoming": incoming.pk, "state": incoming.state, "answer": incoming.recall_answer}
