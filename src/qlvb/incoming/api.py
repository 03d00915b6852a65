"""/api/v1/incoming: reception, registration, direction, assignments, handling, files.

Thin: every change is a service call, every read a scoped selector. Only people act on
incoming documents; an integration token gets 403 here (its own routes come with exchange).
"""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from qlvb.audit.services import audit_record
from qlvb.core.errors import NotFound, PermissionDenied
from qlvb.documents.http import attachment_response
from qlvb.documents.selectors import attachment_get
from qlvb.documents.services import Upload
from qlvb.incoming import selectors, services
from qlvb.incoming.models import Assignment, IncomingDocument

router = Router(tags=["Văn bản đến"])


def _person(request):
    actor = request.auth
    if getattr(actor, "is_token", False):
        raise PermissionDenied("Mã truy cập API không dùng được cho văn bản đến; hãy đăng nhập.")
    return actor


class AttachmentOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    page_count: int | None
    role: str


class AssignmentOut(Schema):
    id: int
    parent_id: int | None
    kind: str
    person_id: int | None
    department_id: int | None
    due_at: dt.datetime | None
    state: str
    result: str


class EventOut(Schema):
    occurred_at: dt.datetime
    actor: str | None = None
    kind: str
    status_code: str
    text: str


class IncomingOut(Schema):
    id: int
    state: str
    source: str
    arrival_number: int | None
    arrival_date: dt.date | None
    register_kind: str | None = None
    electronic_received_at: dt.datetime | None
    paper_received_at: dt.datetime | None
    due_at: dt.datetime | None
    type_name: str
    code_number: str
    code_notation: str
    issued_date: dt.date | None = None
    organ_name: str
    subject: str
    urgency: str
    confidentiality: str
    rejected_reason: str
    direction: str


class FileSignatureOut(Schema):
    attachment_id: int
    name: str
    status: str  # valid, invalid, untrusted, unsigned, corrupt; pending until checked
    label: str
    signers: list[str]
    reasons: list[str]


class ReceptionOut(IncomingOut):
    signatures: list[FileSignatureOut]  # each PDF's signature check, before accepting


class IncomingDetail(IncomingOut):
    attachments: list[AttachmentOut]
    assignments: list[AssignmentOut]
    timeline: list[EventOut]


class IncomingPage(Schema):
    items: list[IncomingOut]
    next_cursor: str | None


class MetadataIn(Schema):
    type_name: str = Field("", description="Tên loại văn bản (TypeName)")
    document_type: int | None = Field(None, description="Mã loại văn bản trong danh mục")
    code_number: str = Field("", description="Số (CodeNumber)")
    code_notation: str = Field("", description="Ký hiệu (CodeNotation)")
    issued_date: dt.date | None = Field(None, description="Ngày ban hành (IssuedDate)")
    organ_name: str = Field("", description="Cơ quan ban hành (OrganName)")
    subject: str = Field("", description="Trích yếu (Subject)")
    page_amount: int | None = None
    description: str = ""
    signer_position: str = ""
    signer_full_name: str = ""
    urgency: str = Field(
        "thuong", description="thuong, khan, thuong_khan, hoa_toc, hoa_toc_hen_gio"
    )
    confidentiality: str = Field("thuong", description="thuong, mat, toi_mat, tuyet_mat")
    due_date: dt.date | None = None


class RegisterIn(MetadataIn):
    source: str = Field("paper", description="paper hoặc email")
    paper_received_at: dt.datetime | None = None
    confirm_duplicate: bool = Field(False, description="Vẫn vào sổ khi có văn bản trùng")


class RejectIn(Schema):
    reason: str


class SubmitIn(Schema):
    leader_id: int


class AssignmentIn(Schema):
    kind: str = Field(description="lead (chủ trì), co (phối hợp), info (để biết)")
    person_id: int | None = None
    department_id: int | None = None
    due_at: dt.datetime | None = None


class DirectIn(Schema):
    direction: str = ""
    assignments: list[AssignmentIn]


class DelegateIn(Schema):
    assignments: list[AssignmentIn]


class NoteIn(Schema):
    note: str


class ResultIn(Schema):
    result: str


class ReasonIn(Schema):
    reason: str = ""


def _metadata(payload: Schema) -> dict:
    data = payload.dict(exclude={"source", "paper_received_at", "confirm_duplicate"})
    return {k: v for k, v in data.items() if v not in (None, "") or k == "subject"}


def _assignments(items: list[AssignmentIn]) -> list[dict]:
    return [
        {"kind": a.kind, "person": a.person_id, "department": a.department_id, "due_at": a.due_at}
        for a in items
    ]


def _get(request, pk: int) -> IncomingDocument:
    found = (
        selectors.incoming_visible(viewer=_person(request))
        .select_related("document", "register_book")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("Không tìm thấy văn bản đến.")
    return found


def _row(incoming: IncomingDocument) -> dict:
    document = incoming.document
    return {
        "id": incoming.pk,
        "state": incoming.state,
        "source": incoming.source,
        "arrival_number": incoming.arrival_number,
        "arrival_date": incoming.arrival_date,
        "register_kind": incoming.register_book.kind if incoming.register_book_id else None,
        "electronic_received_at": incoming.electronic_received_at,
        "paper_received_at": incoming.paper_received_at,
        "due_at": incoming.due_at,
        "type_name": document.type_name,
        "code_number": document.code_number,
        "code_notation": document.code_notation,
        "issued_date": document.issued_date,
        "organ_name": document.organ_name,
        "subject": document.subject,
        "urgency": document.urgency,
        "confidentiality": document.confidentiality,
        "rejected_reason": incoming.rejected_reason,
        "direction": incoming.direction,
    }


def _as_detail(incoming: IncomingDocument) -> dict:
    out = _row(incoming)
    out["attachments"] = list(incoming.document.attachments.all())
    out["assignments"] = list(incoming.assignments.all())
    out["timeline"] = [
        {
            "occurred_at": e.occurred_at,
            "actor": e.actor.full_name if e.actor else None,
            "kind": e.kind,
            "status_code": e.status_code,
            "text": e.text,
        }
        for e in incoming.timeline.select_related("actor")
    ]
    return out


@router.get("/incoming", response=IncomingPage, summary="Danh sách văn bản đến")
def incoming_list(request, state: str | None = None, cursor: str | None = None, limit: int = 50):
    rows, next_cursor = selectors.incoming_page(
        viewer=_person(request), state=state, cursor=cursor, limit=min(max(limit, 1), 200)
    )
    return {"items": [_row(r) for r in rows], "next_cursor": next_cursor}


@router.get("/incoming/reception", response=list[ReceptionOut], summary="Văn bản chờ tiếp nhận")
def reception_queue(request, limit: int = 100):
    from qlvb.signing.selectors import signature_summaries

    queue = selectors.incoming_reception_queue(viewer=_person(request))
    rows = list(queue.select_related("document", "register_book")[: min(max(limit, 1), 500)])
    checks = signature_summaries(r.document_id for r in rows)
    return [{**_row(r), "signatures": checks.get(r.document_id, [])} for r in rows]


@router.get(
    "/incoming/register-book",
    summary="Sổ đăng ký văn bản đến (PDF hoặc XLSX)",
    response={200: None},
)
def incoming_register_book(
    request,
    date_from: dt.date,
    date_to: dt.date,
    format: str = "pdf",
    kind: str = "incoming",
):
    from django.http import HttpResponse

    from qlvb.incoming.outputs import incoming_register_book as build

    content, name, media = build(
        viewer=_person(request), date_from=date_from, date_to=date_to, fmt=format, kind=kind
    )
    response = HttpResponse(content, content_type=media)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post("/incoming", response={201: IncomingDetail}, summary="Vào sổ văn bản giấy / e-mail")
def incoming_register(request, payload: Form[RegisterIn], files: File[list[UploadedFile]] = None):
    uploads = [
        Upload(f, f.name, "main" if i == 0 else "appendix") for i, f in enumerate(files or [])
    ]
    incoming = services.incoming_register(
        actor=_person(request),
        metadata=_metadata(payload),
        uploads=uploads,
        source=payload.source,
        paper_received_at=payload.paper_received_at,
        confirm_duplicate=payload.confirm_duplicate,
    )
    return Status(201, _as_detail(incoming))


@router.get("/incoming/{pk}", response=IncomingDetail, summary="Chi tiết văn bản đến")
def incoming_detail(request, pk: int):
    incoming = _get(request, pk)
    audit_record(actor=_person(request), action="incoming.view", obj=incoming)
    return _as_detail(incoming)


@router.post("/incoming/{pk}/accept", response=IncomingDetail, summary="Tiếp nhận và vào sổ")
def incoming_accept(request, pk: int, payload: MetadataIn | None = None):
    incoming = _get(request, pk)
    metadata = _metadata(payload) if payload else None
    if metadata is not None and not metadata.get("subject"):
        metadata.pop("subject", None)
    return _as_detail(
        services.incoming_accept(actor=_person(request), incoming=incoming, metadata=metadata)
    )


@router.post("/incoming/{pk}/reject", response=IncomingDetail, summary="Từ chối tiếp nhận")
def incoming_reject(request, pk: int, payload: RejectIn):
    incoming = _get(request, pk)
    return _as_detail(
        services.incoming_reject(actor=_person(request), incoming=incoming, reason=payload.reason)
    )


@router.post("/incoming/{pk}/submit", response=IncomingDetail, summary="Trình lãnh đạo")
def incoming_submit(request, pk: int, payload: SubmitIn):
    incoming = _get(request, pk)
    from qlvb.agencies.models import Person

    leader = get_object_or_404(Person, pk=payload.leader_id, agency_id=incoming.agency_id)
    return _as_detail(
        services.incoming_submit(actor=_person(request), incoming=incoming, leader=leader)
    )


@router.post("/incoming/{pk}/direct", response=IncomingDetail, summary="Chỉ đạo, phân công")
def incoming_direct(request, pk: int, payload: DirectIn):
    incoming = _get(request, pk)
    return _as_detail(
        services.incoming_direct(
            actor=_person(request),
            incoming=incoming,
            direction=payload.direction,
            assignments=_assignments(payload.assignments),
        )
    )


@router.post("/incoming/{pk}/reopen", response=IncomingDetail, summary="Mở lại")
def incoming_reopen(request, pk: int, payload: ReasonIn):
    incoming = _get(request, pk)
    return _as_detail(
        services.incoming_reopen(actor=_person(request), incoming=incoming, reason=payload.reason)
    )


def _assignment(request, pk: int) -> Assignment:
    assignment = Assignment.objects.filter(pk=pk).first()
    if (
        assignment is None
        or not selectors.incoming_visible(viewer=_person(request))
        .filter(pk=assignment.incoming_id)
        .exists()
    ):
        raise NotFound("Không tìm thấy phân công.")
    return assignment


@router.post("/assignments/{pk}/delegate", response=list[AssignmentOut], summary="Giao tiếp")
def assignment_delegate(request, pk: int, payload: DelegateIn):
    return services.assignment_delegate(
        actor=_person(request),
        assignment=_assignment(request, pk),
        assignments=_assignments(payload.assignments),
    )


@router.post("/assignments/{pk}/progress", response=AssignmentOut, summary="Báo cáo tiến độ")
def assignment_progress(request, pk: int, payload: NoteIn):
    return services.assignment_progress(
        actor=_person(request), assignment=_assignment(request, pk), note=payload.note
    )


@router.post("/assignments/{pk}/complete", response=AssignmentOut, summary="Hoàn thành")
def assignment_complete(request, pk: int, payload: ResultIn):
    return services.assignment_complete(
        actor=_person(request), assignment=_assignment(request, pk), result=payload.result
    )


@router.get(
    "/attachments/{pk}/content",
    summary="Tải tệp (hỗ trợ HTTP Range)",
    response={200: None, 206: None},
)
def attachment_content(request, pk: int, inline: bool = False):
    viewer = _person(request)
    attachment = attachment_get(viewer=viewer, pk=pk)
    return attachment_response(request, attachment, actor=viewer, inline=inline)
