"""/api/v1/tasks: nhiệm vụ do lãnh đạo giao, tracking counts, reports.

Thin: every change is a service call, every read a scoped selector. Only people act on tasks;
an integration token gets 403."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from qlvb.agencies.models import Agency, Department, Person
from qlvb.core.errors import NotFound, PermissionDenied, ValidationFailed
from qlvb.core.replica import replica_reads
from qlvb.directives import selectors, services
from qlvb.directives.models import Completion, ExtensionRequest, ProgressReport, Task
from qlvb.directives.reports import tasks_report_pdf, tasks_report_xlsx
from qlvb.directives.status import period_status
from qlvb.documents.http import attachment_response
from qlvb.documents.registers import MEDIA
from qlvb.documents.services import Upload

router = Router(tags=["Nhiệm vụ"])


def _person(request):
    actor = request.auth
    if getattr(actor, "is_token", False):
        raise PermissionDenied("Mã truy cập API không dùng được cho nhiệm vụ; hãy đăng nhập.")
    return actor


class CooperationIn(Schema):
    agency_code: str
    part: str = ""


class TaskIn(Schema):
    title: str
    content: str = ""
    lead_agency_code: str = Field(description="Mã định danh cơ quan chủ trì")
    due_at: dt.datetime = Field(description="Hạn hoàn thành (kỳ đầu nếu định kỳ)")
    source_kind: str = Field("meeting", description="document, meeting, direction")
    source_text: str = ""
    cooperating: list[CooperationIn] = []
    recurrence: str = Field("", description="'', monthly, quarterly")
    recurrence_until: dt.date | None = None
    priority: str = Field("normal", description="normal, high, urgent")
    assigned_by_id: int | None = Field(None, description="Lãnh đạo giao (khi cán bộ theo dõi nhập)")
    assigned_at: dt.datetime | None = None


class ForAgenciesIn(Schema):
    agency_codes: list[str]
    title: str
    content: str = ""
    due_at: dt.datetime
    outgoing_id: int | None = Field(None, description="Văn bản đi (Thông báo kết luận...)")
    document_id: int | None = Field(None, description="Hoặc văn bản (documents) của cơ quan")
    parts: dict[str, str] = Field({}, description="Nội dung riêng theo mã cơ quan")
    recurrence: str = ""
    recurrence_until: dt.date | None = None
    priority: str = "normal"
    assigned_by_id: int | None = None
    assigned_at: dt.datetime | None = None


class FromIncomingIn(Schema):
    lead_agency_code: str
    due_at: dt.datetime
    title: str = ""
    content: str = ""
    cooperating: list[CooperationIn] = []
    priority: str = "normal"


class AssignInsideIn(Schema):
    department_id: int


class SubTaskIn(Schema):
    department_id: int
    title: str = ""
    content: str = ""
    due_at: dt.datetime | None = None


class SplitIn(Schema):
    parts: list[SubTaskIn]


class ProgressIn(Schema):
    text: str
    percent: int = Field(ge=0, le=100)


class ExtensionIn(Schema):
    reason: str
    new_due_at: dt.datetime


class DecisionIn(Schema):
    decision: str = Field(description="grant/refuse (gia hạn), confirm/return (hoàn thành)")
    note: str = ""


class CompleteIn(Schema):
    result: str
    evidence: str = ""


class UrgeIn(Schema):
    text: str = ""


class PeriodOut(Schema):
    id: int
    task_id: int
    number: int
    title: str
    lead_agency: str
    starts_at: dt.datetime
    due_at: dt.datetime
    effective_due_at: dt.datetime
    completed_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    status: str


class TaskFileOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    page_count: int | None
    url: str = Field(description="tải về (GET, cùng quyền xem nhiệm vụ)")


class ProgressOut(Schema):
    id: int
    agency: str
    text: str
    percent: int
    created_by: str
    created_at: dt.datetime
    files: list[TaskFileOut] = []


class ExtensionOut(Schema):
    id: int
    period: int
    reason: str
    new_due_at: dt.datetime
    decision: str
    note: str


class CompletionOut(Schema):
    id: int
    period: int
    result: str
    evidence: str
    completed_at: dt.datetime
    decision: str
    note: str
    files: list[TaskFileOut] = []


class UrgeOut(Schema):
    id: int
    task_id: int
    agency_id: int
    text: str
    urged_by: str
    urged_at: dt.datetime


class TaskOut(Schema):
    id: int
    title: str
    content: str
    source_kind: str
    source_text: str
    source_document_id: int | None
    source_outgoing_id: int | None
    source_incoming_id: int | None
    assigning_agency: str
    assigning_agency_code: str
    assigned_by: str
    assigned_at: dt.datetime
    lead_agency: str
    lead_agency_code: str
    lead_department_id: int | None
    parent_id: int | None
    due_at: dt.datetime
    recurrence: str
    priority: str
    received_at: dt.datetime | None
    status: str
    effective_due_at: dt.datetime | None


class TaskDetail(TaskOut):
    cooperating: list[CooperationIn]
    periods: list[PeriodOut]
    progress: list[ProgressOut]
    extensions: list[ExtensionOut]
    completions: list[CompletionOut]
    urges: list[UrgeOut]
    children: list[TaskOut]


class TrackingRow(Schema):
    lead_agency_id: int
    agency_name: str
    total: int
    not_yet_due: int
    in_progress_on_time: int
    overdue: int
    done_on_time: int
    done_late: int
    done: int
    on_time_rate: float | None


def _agency(code: str) -> Agency:
    agency = Agency.objects.filter(code=code.strip()).first()
    if agency is None:
        msg = f"Không tìm thấy cơ quan có mã {code}."
        raise ValidationFailed(msg, errors={"agency_code": [msg]})
    return agency


def _cooperating(items: list[CooperationIn]) -> list[tuple[Agency, str]]:
    return [(_agency(c.agency_code), c.part) for c in items]


def _leader(pk: int | None) -> Person | None:
    if pk is None:
        return None
    person = Person.objects.filter(pk=pk).first()
    if person is None:
        raise ValidationFailed("Không tìm thấy lãnh đạo giao nhiệm vụ.")
    return person


def _get(request, pk: int) -> Task:
    task = selectors.task_get(viewer=_person(request), pk=pk)
    if task is None:
        raise NotFound("Không tìm thấy nhiệm vụ.")
    return task


def _period_out(period, now) -> dict:
    return {
        "id": period.pk,
        "task_id": period.task_id,
        "number": period.number,
        "title": period.task.title,
        "lead_agency": period.lead_agency.name,
        "starts_at": period.starts_at,
        "due_at": period.due_at,
        "effective_due_at": period.effective_due_at,
        "completed_at": period.completed_at,
        "confirmed_at": period.confirmed_at,
        "status": getattr(period, "status", None) or period_status(period, now),
    }


def _task_out(task: Task, now) -> dict:
    from qlvb.directives.status import current_period

    periods = list(task.periods.all())
    current = current_period(periods, now)
    return {
        "id": task.pk,
        "title": task.title,
        "content": task.content,
        "source_kind": task.source_kind,
        "source_text": task.source_text,
        "source_document_id": task.source_document_id,
        "source_outgoing_id": task.source_outgoing_id,
        "source_incoming_id": task.source_incoming_id,
        "assigning_agency": task.assigning_agency.name,
        "assigning_agency_code": task.assigning_agency.code,
        "assigned_by": task.assigned_by.full_name,
        "assigned_at": task.assigned_at,
        "lead_agency": task.lead_agency.name,
        "lead_agency_code": task.lead_agency.code,
        "lead_department_id": task.lead_department_id,
        "parent_id": task.parent_id,
        "due_at": task.due_at,
        "recurrence": task.recurrence,
        "priority": task.priority,
        "received_at": task.received_at,
        "status": period_status(current, now) if current else "",
        "effective_due_at": current.effective_due_at if current else None,
    }


def _detail(task: Task) -> dict:
    now = timezone.now()
    task = Task.objects.select_related("assigning_agency", "assigned_by", "lead_agency").get(
        pk=task.pk
    )
    out = _task_out(task, now)
    periods = list(task.periods.select_related("task", "lead_agency"))
    out["cooperating"] = [
        {"agency_code": c.agency.code, "part": c.part}
        for c in task.cooperations.select_related("agency")
    ]
    out["periods"] = [_period_out(p, now) for p in periods]
    out["progress"] = [
        _progress_out(r)
        for r in task.progress_reports.select_related("agency", "created_by").prefetch_related(
            "files__blob"
        )
    ]
    out["extensions"] = [
        {
            "id": e.pk,
            "period": e.period.number,
            "reason": e.reason,
            "new_due_at": e.new_due_at,
            "decision": e.decision,
            "note": e.note,
        }
        for e in ExtensionRequest.objects.filter(period__task=task).select_related("period")
    ]
    out["completions"] = [
        _completion_out(c)
        for c in Completion.objects.filter(period__task=task)
        .select_related("period")
        .prefetch_related("files__blob")
    ]
    out["urges"] = [_urge_out(u) for u in task.urges.select_related("urged_by")]
    out["children"] = [
        _task_out(c, now)
        for c in task.children.select_related("assigning_agency", "assigned_by", "lead_agency")
    ]
    return out


def _file_out(f) -> dict:
    return {
        "id": f.pk,
        "name": f.original_name,
        "content_type": f.content_type,
        "size": f.size,
        "sha256": f.blob.sha256,
        "page_count": f.page_count,
        "url": f"/api/v1/task-files/{f.pk}",
    }


def _progress_out(r: ProgressReport) -> dict:
    return {
        "id": r.pk,
        "agency": r.agency.name,
        "text": r.text,
        "percent": r.percent,
        "created_by": r.created_by.full_name,
        "created_at": r.created_at,
        "files": [_file_out(f) for f in r.files.all()],
    }


def _completion_out(c: Completion) -> dict:
    return {
        "id": c.pk,
        "period": c.period.number,
        "result": c.result,
        "evidence": c.evidence,
        "completed_at": c.completed_at,
        "decision": c.decision,
        "note": c.note,
        "files": [_file_out(f) for f in c.files.all()],
    }


def _uploads(files: list[UploadedFile] | None) -> list[Upload]:
    return [Upload(stream=f, name=f.name or "") for f in files or []]


def _urge_out(u) -> dict:
    return {
        "id": u.pk,
        "task_id": u.task_id,
        "agency_id": u.agency_id,
        "text": u.text,
        "urged_by": u.urged_by.full_name,
        "urged_at": u.urged_at,
    }


@router.get("/tasks", response=list[PeriodOut], summary="Danh sách nhiệm vụ (theo kỳ)")
def task_list(
    request,
    status: str | None = None,
    agency_code: str | None = None,
    role: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = 100,
    offset: int = 0,
):
    now = timezone.now()
    rows = selectors.period_list(
        viewer=_person(request),
        now=now,
        agency=_agency(agency_code) if agency_code else None,
        status=status or None,
        role=role,
        date_from=date_from,
        date_to=date_to,
    )
    limit = min(max(limit, 1), 500)
    return [_period_out(p, now) for p in rows[offset : offset + limit]]


@router.post("/tasks", response={201: TaskDetail}, summary="Giao nhiệm vụ")
def task_create(request, payload: TaskIn):
    task = services.task_create(
        actor=_person(request),
        title=payload.title,
        content=payload.content,
        lead_agency=_agency(payload.lead_agency_code),
        due_at=payload.due_at,
        source_kind=payload.source_kind,
        source_text=payload.source_text,
        cooperating=_cooperating(payload.cooperating),
        recurrence=payload.recurrence,
        recurrence_until=payload.recurrence_until,
        priority=payload.priority,
        assigned_by=_leader(payload.assigned_by_id),
        assigned_at=payload.assigned_at,
    )
    return Status(201, _detail(task))


@router.post(
    "/tasks/for-agencies",
    response={201: list[TaskOut]},
    summary="Giao nhiệm vụ cho nhiều cơ quan từ một văn bản (Thông báo kết luận...)",
)
def task_create_for_agencies(request, payload: ForAgenciesIn):
    actor = _person(request)
    outgoing = document = None
    if payload.outgoing_id is not None:
        from qlvb.outgoing.models import OutgoingDocument

        outgoing = (
            OutgoingDocument.objects.select_related("document")
            .filter(pk=payload.outgoing_id, agency_id=actor.agency_id)
            .first()
        )
        if outgoing is None:
            raise NotFound("Không tìm thấy văn bản đi của cơ quan bạn.")
    elif payload.document_id is not None:
        from qlvb.documents.models import Document

        document = Document.objects.filter(
            pk=payload.document_id, agency_id=actor.agency_id
        ).first()
        if document is None:
            raise NotFound("Không tìm thấy văn bản của cơ quan bạn.")
    tasks = services.task_create_for_agencies(
        actor=actor,
        agency_codes=payload.agency_codes,
        title=payload.title,
        content=payload.content,
        due_at=payload.due_at,
        outgoing=outgoing,
        document=document,
        parts=payload.parts,
        recurrence=payload.recurrence,
        recurrence_until=payload.recurrence_until,
        priority=payload.priority,
        assigned_by=_leader(payload.assigned_by_id),
        assigned_at=payload.assigned_at,
    )
    now = timezone.now()
    return Status(201, [_task_out(t, now) for t in tasks])


@router.post(
    "/incoming/{incoming_id}/tasks",
    response={201: TaskDetail},
    summary="Giao nhiệm vụ từ ý kiến chỉ đạo trên văn bản đến",
)
def task_create_from_incoming(request, incoming_id: int, payload: FromIncomingIn):
    from qlvb.incoming.selectors import incoming_visible

    actor = _person(request)
    incoming = (
        incoming_visible(viewer=actor).select_related("document").filter(pk=incoming_id).first()
    )
    if incoming is None:
        raise NotFound("Không tìm thấy văn bản đến.")
    task = services.task_create_from_incoming(
        actor=actor,
        incoming=incoming,
        lead_agency=_agency(payload.lead_agency_code),
        due_at=payload.due_at,
        title=payload.title,
        content=payload.content,
        cooperating=_cooperating(payload.cooperating),
        priority=payload.priority,
    )
    return Status(201, _detail(task))


@router.get(
    "/tasks/tracking", response=list[TrackingRow], summary="Theo dõi: số nhiệm vụ theo cơ quan"
)
def tracking(request, date_from: dt.date | None = None, date_to: dt.date | None = None):
    return selectors.tracking_counts(
        viewer=_person(request), now=timezone.now(), date_from=date_from, date_to=date_to
    )


@router.get(
    "/tasks/report",
    summary="Báo cáo nhiệm vụ theo cơ quan và kỳ (XLSX hoặc PDF)",
    response={200: None},
)
def tasks_report(
    request,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    format: Literal["xlsx", "pdf"] = "xlsx",
):
    with replica_reads():  # on the reports' replica when there is one
        content, name = (tasks_report_pdf if format == "pdf" else tasks_report_xlsx)(
            viewer=_person(request), now=timezone.now(), date_from=date_from, date_to=date_to
        )
    response = HttpResponse(content, content_type=MEDIA[format])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post(
    "/tasks/tracking/{agency_id}/urge-overdue",
    response=list[UrgeOut],
    summary="Đôn đốc mọi nhiệm vụ quá hạn của một cơ quan",
)
def urge_overdue(request, agency_id: int, payload: UrgeIn):
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("Không tìm thấy cơ quan.")
    urges = services.agency_urge_overdue(actor=_person(request), agency=agency, text=payload.text)
    return [_urge_out(u) for u in urges]


@router.get("/tasks/urges", response=list[UrgeOut], summary="Các lần đôn đốc gửi cơ quan mình")
def urges(request, agency_id: int | None = None, limit: int = 100):
    viewer = _person(request)
    rows = selectors.urges_for_agency(viewer=viewer, agency_id=agency_id or viewer.agency_id)
    return [_urge_out(u) for u in rows[: min(max(limit, 1), 500)]]


@router.get("/tasks/queue", response=list[TaskOut], summary="Nhiệm vụ mới giao, chờ tiếp nhận")
def queue(request):
    now = timezone.now()
    return [
        _task_out(t, now)
        for t in selectors.task_queue(viewer=_person(request)).select_related(
            "assigning_agency", "assigned_by", "lead_agency"
        )[:200]
    ]


@router.get("/tasks/{pk}", response=TaskDetail, summary="Chi tiết nhiệm vụ")
def task_detail(request, pk: int):
    return _detail(_get(request, pk))


@router.post("/tasks/{pk}/receive", response=TaskDetail, summary="Tiếp nhận nhiệm vụ")
def task_receive(request, pk: int):
    return _detail(services.task_receive(actor=_person(request), task=_get(request, pk)))


@router.post("/tasks/{pk}/assign", response=TaskDetail, summary="Phân công cho phòng, ban")
def task_assign(request, pk: int, payload: AssignInsideIn):
    task = _get(request, pk)
    department = Department.objects.filter(pk=payload.department_id).first()
    if department is None:
        raise ValidationFailed("Không tìm thấy phòng, ban.")
    return _detail(
        services.task_assign_inside(actor=_person(request), task=task, department=department)
    )


@router.post("/tasks/{pk}/split", response={201: list[TaskOut]}, summary="Chia nhiệm vụ con")
def task_split(request, pk: int, payload: SplitIn):
    task = _get(request, pk)
    departments = Department.objects.in_bulk([p.department_id for p in payload.parts])
    children = services.task_split(
        actor=_person(request),
        task=task,
        parts=[
            {
                "department": departments.get(p.department_id),
                "title": p.title,
                "content": p.content,
                "due_at": p.due_at,
            }
            for p in payload.parts
        ],
    )
    now = timezone.now()
    return Status(201, [_task_out(c, now) for c in children])


@router.post("/tasks/{pk}/progress", response={201: ProgressOut}, summary="Báo cáo tiến độ")
def task_progress(request, pk: int, payload: ProgressIn):
    report = services.task_report_progress(
        actor=_person(request), task=_get(request, pk), text=payload.text, percent=payload.percent
    )
    return Status(201, _progress_out(report))


@router.post(
    "/tasks/{pk}/progress-with-files",
    response={201: ProgressOut},
    summary="Báo cáo tiến độ kèm tệp (multipart/form-data)",
    description="Trường text, percent và các tệp files. Tệp quá lớn, sai định dạng hoặc hỏng: "
    "422, không lưu gì.",
)
def task_progress_with_files(
    request, pk: int, payload: Form[ProgressIn], files: File[list[UploadedFile]] = None
):
    report = services.task_report_progress(
        actor=_person(request),
        task=_get(request, pk),
        text=payload.text,
        percent=payload.percent,
        files=_uploads(files),
    )
    return Status(201, _progress_out(report))


@router.post("/tasks/{pk}/extensions", response={201: ExtensionOut}, summary="Đề nghị gia hạn")
def task_extension(request, pk: int, payload: ExtensionIn):
    e = services.task_request_extension(
        actor=_person(request),
        task=_get(request, pk),
        reason=payload.reason,
        new_due_at=payload.new_due_at,
    )
    return Status(
        201,
        {
            "id": e.pk,
            "period": e.period.number,
            "reason": e.reason,
            "new_due_at": e.new_due_at,
            "decision": e.decision,
            "note": e.note,
        },
    )


@router.post(
    "/task-extensions/{pk}/decide", response=TaskDetail, summary="Đồng ý / không đồng ý gia hạn"
)
def extension_decide(request, pk: int, payload: DecisionIn):
    actor = _person(request)
    extension = ExtensionRequest.objects.select_related("period").filter(pk=pk).first()
    if extension is None or selectors.task_get(viewer=actor, pk=extension.period.task_id) is None:
        raise NotFound("Không tìm thấy đề nghị gia hạn.")
    if payload.decision not in ("grant", "refuse"):
        raise ValidationFailed("Quyết định phải là grant hoặc refuse.")
    services.extension_decide(
        actor=actor, extension=extension, grant=payload.decision == "grant", note=payload.note
    )
    return _detail(extension.period.task)


@router.post("/tasks/{pk}/complete", response={201: CompletionOut}, summary="Báo cáo hoàn thành")
def task_complete(request, pk: int, payload: CompleteIn):
    c = services.task_complete(
        actor=_person(request),
        task=_get(request, pk),
        result=payload.result,
        evidence=payload.evidence,
    )
    return Status(201, _completion_out(c))


@router.post(
    "/tasks/{pk}/complete-with-files",
    response={201: CompletionOut},
    summary="Báo cáo hoàn thành kèm tệp minh chứng (multipart/form-data)",
    description="Trường result, evidence và các tệp files. Tệp quá lớn, sai định dạng hoặc "
    "hỏng: 422, không lưu gì.",
)
def task_complete_with_files(
    request, pk: int, payload: Form[CompleteIn], files: File[list[UploadedFile]] = None
):
    c = services.task_complete(
        actor=_person(request),
        task=_get(request, pk),
        result=payload.result,
        evidence=payload.evidence,
        files=_uploads(files),
    )
    return Status(201, _completion_out(c))


@router.get("/task-files/{pk}", summary="Tải tệp kèm báo cáo nhiệm vụ")
def task_file(request, pk: int, inline: bool = False):
    actor = _person(request)
    found = selectors.task_file_get(viewer=actor, pk=pk)
    if found is None:
        raise NotFound("Không tìm thấy tệp.")
    return attachment_response(
        request,
        found,
        actor=actor,
        inline=inline,
        action="task_file",
        details={"task": found.task_id},
    )


@router.post(
    "/task-completions/{pk}/decide", response=TaskDetail, summary="Xác nhận hoàn thành / trả lại"
)
def completion_decide(request, pk: int, payload: DecisionIn):
    actor = _person(request)
    completion = Completion.objects.select_related("period").filter(pk=pk).first()
    if completion is None or selectors.task_get(viewer=actor, pk=completion.period.task_id) is None:
        raise NotFound("Không tìm thấy báo cáo hoàn thành.")
    if payload.decision not in ("confirm", "return"):
        raise ValidationFailed("Quyết định phải là confirm hoặc return.")
    services.completion_decide(
        actor=actor, completion=completion, confirm=payload.decision == "confirm", note=payload.note
    )
    return _detail(completion.period.task)


@router.post("/tasks/{pk}/urge", response={201: UrgeOut}, summary="Đôn đốc nhiệm vụ")
def task_urge(request, pk: int, payload: UrgeIn):
    urge = services.task_urge(actor=_person(request), task=_get(request, pk), text=payload.text)
    return Status(201, _urge_out(urge))
