"""Every change to tasks: assignment (from a meeting, a document such as a Thông báo kết luận,
a direction on an incoming document), reception and assignment inside the lead unit, sub-tasks,
progress, extensions, completion, confirmation, urging. One transaction each, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from qlvb.agencies.models import Agency, Department, Person, Role
from qlvb.audit.services import Entry, audit_record, audit_record_many
from qlvb.core.errors import Conflict, PermissionDenied, ValidationFailed
from qlvb.directives.models import (
    Completion,
    CompletionDecision,
    Decision,
    ExtensionRequest,
    Priority,
    ProgressReport,
    Recurrence,
    SourceKind,
    Task,
    TaskCooperation,
    TaskFile,
    TaskPeriod,
    Urge,
)
from qlvb.directives.periods import build_periods
from qlvb.directives.selectors import can_oversee, task_visible
from qlvb.directives.status import Status, current_period, status_q
from qlvb.documents import storage
from qlvb.documents.services import Upload, stage_uploads
from qlvb.notifications import events

TITLE_MAX = 500
FILES_MAX = 20


def _person(actor) -> Person:
    if actor is None or getattr(actor, "is_token", False) or actor.agency_id is None:
        raise PermissionDenied("Thao tác với nhiệm vụ cần cán bộ đăng nhập thuộc một cơ quan.")
    return actor


def _is_assigner(actor: Person, task: Task) -> bool:
    """The assigning leader, or a leader of the assigning agency."""
    return actor.pk == task.assigned_by_id or (
        actor.agency_id == task.assigning_agency_id and actor.has_role(Role.LEADER)
    )


def _require_assigner(actor: Person, task: Task) -> None:
    if not _is_assigner(actor, task):
        raise PermissionDenied(
            "Chỉ lãnh đạo đã giao nhiệm vụ (hoặc lãnh đạo cơ quan giao) "
            "mới được quyết định việc này."
        )


def _require_lead(actor: Person, task: Task, what: str) -> None:
    if actor.agency_id != task.lead_agency_id:
        raise PermissionDenied(f"Chỉ đơn vị chủ trì ({task.lead_agency.name}) mới được {what}.")


def _locked(task: Task) -> Task:
    return Task.objects.select_for_update().select_related("lead_agency").get(pk=task.pk)


def _period_for(task: Task, period: TaskPeriod | None, now: dt.datetime) -> TaskPeriod:
    if period is not None:
        if period.task_id != task.pk:
            raise ValidationFailed("Kỳ báo cáo không thuộc nhiệm vụ này.")
        return TaskPeriod.objects.select_for_update().get(pk=period.pk)
    periods = list(TaskPeriod.objects.select_for_update().filter(task=task).order_by("number"))
    found = current_period(periods, now)
    if found is None:  # every task has a period; a broken row is a programming error
        raise Conflict("Nhiệm vụ chưa có kỳ thực hiện.")
    return found


def _clean_text(value: str, field: str, message: str, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, errors={field: [message]})
    if max_length and len(value) > max_length:
        msg = f"Không được dài quá {max_length} ký tự."
        raise ValidationFailed(msg, errors={field: [msg]})
    return value


def _create(
    *,
    actor: Person,
    assigned_by: Person,
    assigning_agency: Agency,
    title: str,
    lead_agency: Agency,
    due_at: dt.datetime,
    assigned_at: dt.datetime,
    content: str = "",
    source_kind: str = SourceKind.MEETING,
    source_text: str = "",
    source_document=None,
    source_outgoing=None,
    source_incoming=None,
    cooperating: Iterable[tuple[Agency, str]] = (),
    recurrence: str = "",
    recurrence_until: dt.date | None = None,
    priority: str = Priority.NORMAL,
    lead_department: Department | None = None,
    parent: Task | None = None,
) -> Task:
    title = _clean_text(title, "title", "Hãy nhập tên nhiệm vụ.", TITLE_MAX)
    if due_at is None:
        raise ValidationFailed(
            "Hãy nhập hạn hoàn thành.", errors={"due_at": ["Hãy nhập hạn hoàn thành."]}
        )
    if due_at <= assigned_at:
        msg = (
            f"Hạn hoàn thành ({timezone.localtime(due_at):%d/%m/%Y %H:%M}) phải sau ngày giao "
            f"nhiệm vụ ({timezone.localtime(assigned_at):%d/%m/%Y %H:%M})."
        )
        raise ValidationFailed(msg, errors={"due_at": [msg]})
    if recurrence not in Recurrence.values:
        raise ValidationFailed("Định kỳ phải là hằng tháng hoặc hằng quý.")
    if recurrence and (
        recurrence_until is None or recurrence_until < timezone.localtime(due_at).date()
    ):
        msg = "Nhiệm vụ định kỳ cần ngày kết thúc, không trước hạn của kỳ đầu."
        raise ValidationFailed(msg, errors={"recurrence_until": [msg]})
    if priority not in Priority.values:
        raise ValidationFailed(
            "Mức độ không hợp lệ.", errors={"priority": ["Mức độ không hợp lệ."]}
        )
    if not lead_agency.is_active:
        raise ValidationFailed(f"Cơ quan {lead_agency.name} đã ngừng hoạt động.")
    if lead_department is not None and lead_department.agency_id != lead_agency.pk:
        raise ValidationFailed("Phòng, ban chủ trì không thuộc cơ quan chủ trì.")
    task = Task.objects.create(
        title=title,
        content=(content or "").strip(),
        source_kind=source_kind,
        source_text=(source_text or "").strip()[:500],
        source_document=source_document,
        source_outgoing=source_outgoing,
        source_incoming=source_incoming,
        assigning_agency=assigning_agency,
        assigned_by=assigned_by,
        assigned_at=assigned_at,
        lead_agency=lead_agency,
        lead_department=lead_department,
        due_at=due_at,
        recurrence=recurrence,
        recurrence_until=recurrence_until if recurrence else None,
        priority=priority,
        parent=parent,
        created_by=actor,
    )
    seen = {lead_agency.pk}
    for agency, part in cooperating:
        if agency.pk in seen:
            continue
        seen.add(agency.pk)
        TaskCooperation.objects.create(task=task, agency=agency, part=(part or "")[:1000])
    TaskPeriod.objects.bulk_create(
        TaskPeriod(
            task=task,
            number=i,
            starts_at=start,
            due_at=deadline,
            effective_due_at=deadline,
            lead_agency=lead_agency,
            assigning_agency=assigning_agency,
            is_top=parent is None,
        )
        for i, (start, deadline) in enumerate(
            build_periods(
                assigned_at=assigned_at,
                due_at=due_at,
                recurrence=recurrence,
                until=recurrence_until,
            ),
            start=1,
        )
    )
    return task


def _assigning_leader(actor: Person, assigned_by: Person | None) -> Person:
    """Who gives the task: the acting leader, or (a tracking officer entering it) a leader of
    the same agency named by them."""
    if assigned_by is None or assigned_by.pk == actor.pk:
        if not actor.has_role(Role.LEADER):
            raise PermissionDenied(
                "Chỉ lãnh đạo mới được giao nhiệm vụ; cán bộ theo dõi nhập nhiệm vụ phải chọn "
                "lãnh đạo giao."
            )
        return actor
    if not actor.has_role(Role.TRACKING) and not actor.has_role(Role.LEADER):
        raise PermissionDenied("Bạn không có quyền nhập nhiệm vụ thay lãnh đạo.")
    if assigned_by.agency_id != actor.agency_id or not assigned_by.has_role(Role.LEADER):
        raise ValidationFailed(
            "Lãnh đạo giao nhiệm vụ phải là lãnh đạo của cơ quan bạn.",
            errors={"assigned_by": ["Lãnh đạo giao nhiệm vụ phải là lãnh đạo của cơ quan bạn."]},
        )
    return assigned_by


def _assigned_at(value: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if value is None:
        return now
    if value > now + dt.timedelta(minutes=5):
        msg = "Ngày giao nhiệm vụ không được ở tương lai."
        raise ValidationFailed(msg, errors={"assigned_at": [msg]})
    return value


def _audit_created(actor: Person, tasks: list[Task], action: str, **details) -> None:
    audit_record_many(
        actor=actor,
        entries=[
            Entry(
                action=action,
                obj=t,
                agency_id=t.assigning_agency_id,
                details={
                    "lead_agency": t.lead_agency_id,
                    "due_at": t.due_at,
                    "recurrence": t.recurrence,
                    **details,
                },
            )
            for t in tasks
        ],
    )


def task_create(
    *,
    actor: Person,
    title: str,
    lead_agency: Agency,
    due_at: dt.datetime,
    content: str = "",
    source_kind: str = SourceKind.MEETING,
    source_text: str = "",
    cooperating: Iterable[tuple[Agency, str]] = (),
    recurrence: str = "",
    recurrence_until: dt.date | None = None,
    priority: str = Priority.NORMAL,
    assigned_by: Person | None = None,
    assigned_at: dt.datetime | None = None,
    lead_department: Department | None = None,
    source_document=None,
) -> Task:
    """Giao nhiệm vụ (a meeting conclusion, a direction given orally, a document)."""
    actor = _person(actor)
    if source_kind not in SourceKind.values:
        raise ValidationFailed("Nguồn giao nhiệm vụ không hợp lệ.")
    with transaction.atomic():
        leader = _assigning_leader(actor, assigned_by)
        now = timezone.now()
        task = _create(
            actor=actor,
            assigned_by=leader,
            assigning_agency=actor.agency,
            title=title,
            lead_agency=lead_agency,
            due_at=due_at,
            assigned_at=_assigned_at(assigned_at, now),
            content=content,
            source_kind=source_kind,
            source_text=source_text,
            source_document=source_document,
            cooperating=cooperating,
            recurrence=recurrence,
            recurrence_until=recurrence_until,
            priority=priority,
            lead_department=lead_department,
        )
        _audit_created(actor, [task], "task.create")
    return task


def _document_reference(document) -> str:
    number = "/".join(p for p in (document.code_number, document.code_notation) if p)
    parts = [document.type_name or "Văn bản"]
    if number:
        parts.append(f"số {number}")
    if document.issued_date:
        parts.append(f"ngày {document.issued_date:%d/%m/%Y}")
    return " ".join(parts)


def task_create_for_agencies(
    *,
    actor: Person,
    agency_codes: list[str],
    title: str,
    due_at: dt.datetime,
    outgoing=None,
    document=None,
    content: str = "",
    parts: dict[str, str] | None = None,
    recurrence: str = "",
    recurrence_until: dt.date | None = None,
    priority: str = Priority.NORMAL,
    assigned_by: Person | None = None,
    assigned_at: dt.datetime | None = None,
    source_kind: str = SourceKind.DOCUMENT,
    source_text: str = "",
) -> list[Task]:
    """One task per named agency in one action, from a document such as a Thông báo kết luận
    (or, without a document, from a meeting conclusion): all are created or none. `parts`
    gives an agency's own wording of the task (by code)."""
    actor = _person(actor)
    codes = list(dict.fromkeys(c.strip() for c in agency_codes if c and c.strip()))
    if not codes:
        msg = "Hãy chọn ít nhất một cơ quan chủ trì."
        raise ValidationFailed(msg, errors={"agency_codes": [msg]})
    if outgoing is not None:
        document = outgoing.document
        if outgoing.agency_id != actor.agency_id:
            raise PermissionDenied("Chỉ giao nhiệm vụ từ văn bản do cơ quan mình ban hành.")
        if outgoing.state != "issued":
            raise Conflict("Chỉ giao nhiệm vụ từ văn bản đã phát hành.")
    elif document is not None and document.agency_id != actor.agency_id:
        raise PermissionDenied("Chỉ giao nhiệm vụ từ văn bản do cơ quan mình ban hành.")
    if document is None and source_kind == SourceKind.DOCUMENT:
        raise ValidationFailed("Hãy chọn văn bản giao nhiệm vụ.")
    if source_kind not in SourceKind.values:
        raise ValidationFailed("Nguồn giao nhiệm vụ không hợp lệ.")
    agencies = {a.code: a for a in Agency.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in agencies]
    if unknown:
        msg = "Không tìm thấy cơ quan có mã: " + ", ".join(unknown) + "."
        raise ValidationFailed(msg, errors={"agency_codes": [msg]})
    parts = parts or {}
    with transaction.atomic():
        leader = _assigning_leader(actor, assigned_by)
        when = _assigned_at(assigned_at, timezone.now())
        reference = source_text or (_document_reference(document) if document else "")
        tasks = [
            _create(
                actor=actor,
                assigned_by=leader,
                assigning_agency=actor.agency,
                title=title,
                lead_agency=agencies[code],
                due_at=due_at,
                assigned_at=when,
                content=(parts.get(code) or content),
                source_kind=SourceKind.DOCUMENT if document else source_kind,
                source_text=reference,
                source_document=document,
                source_outgoing=outgoing,
                recurrence=recurrence,
                recurrence_until=recurrence_until,
                priority=priority,
            )
            for code in codes
        ]
        _audit_created(actor, tasks, "task.create", document=document.pk if document else None)
    return tasks


def task_create_from_incoming(
    *,
    actor: Person,
    incoming,
    lead_agency: Agency,
    due_at: dt.datetime,
    title: str = "",
    content: str = "",
    cooperating: Iterable[tuple[Agency, str]] = (),
    priority: str = Priority.NORMAL,
    recurrence: str = "",
    recurrence_until: dt.date | None = None,
) -> Task:
    """A leader's direction on an incoming document (bút phê) becomes a task for an agency."""
    actor = _person(actor)
    if actor.agency_id != incoming.agency_id or not actor.has_role(Role.LEADER):
        raise PermissionDenied(
            "Chỉ lãnh đạo của cơ quan nhận văn bản mới được giao nhiệm vụ từ văn bản đến này."
        )
    document = incoming.document
    with transaction.atomic():
        task = _create(
            actor=actor,
            assigned_by=actor,
            assigning_agency=actor.agency,
            title=title or document.subject,
            lead_agency=lead_agency,
            due_at=due_at,
            assigned_at=timezone.now(),
            content=content or incoming.direction,
            source_kind=SourceKind.DIRECTION,
            source_text=f"Ý kiến chỉ đạo trên {_document_reference(document)} "
            f"của {document.organ_name}".strip(),
            source_document=document,
            source_incoming=incoming,
            cooperating=cooperating,
            priority=priority,
            recurrence=recurrence,
            recurrence_until=recurrence_until,
        )
        _audit_created(actor, [task], "task.create", incoming=incoming.pk)
    return task


def task_receive(*, actor: Person, task: Task) -> Task:
    """Đơn vị chủ trì tiếp nhận nhiệm vụ."""
    actor = _person(actor)
    with transaction.atomic():
        task = _locked(task)
        _require_lead(actor, task, "tiếp nhận nhiệm vụ")
        if task.received_at is not None:
            raise Conflict("Nhiệm vụ đã được tiếp nhận.")
        task.received_at = timezone.now()
        task.received_by = actor
        task.save(update_fields=["received_at", "received_by"])
        audit_record(actor=actor, action="task.receive", obj=task)
    return task


def task_assign_inside(*, actor: Person, task: Task, department: Department) -> Task:
    """The lead agency's leader gives the task to one of its departments."""
    actor = _person(actor)
    with transaction.atomic():
        task = _locked(task)
        _require_lead(actor, task, "phân công nhiệm vụ trong cơ quan")
        if not actor.has_role(Role.LEADER):
            raise PermissionDenied("Chỉ lãnh đạo đơn vị chủ trì mới được phân công nhiệm vụ.")
        if department.agency_id != task.lead_agency_id:
            raise ValidationFailed("Phòng, ban được phân công không thuộc cơ quan chủ trì.")
        now = timezone.now()
        if task.received_at is None:
            task.received_at, task.received_by = now, actor
        task.lead_department = department
        task.save(update_fields=["lead_department", "received_at", "received_by"])
        audit_record(
            actor=actor,
            action="task.assign_inside",
            obj=task,
            details={"department": department.pk},
        )
    return task


def task_split(*, actor: Person, task: Task, parts: list[dict]) -> list[Task]:
    """Sub-tasks for the lead agency's departments: [{"department", "title", "due_at"}]."""
    actor = _person(actor)
    if not parts:
        raise ValidationFailed("Hãy nhập ít nhất một nhiệm vụ con.")
    with transaction.atomic():
        task = _locked(task)
        _require_lead(actor, task, "chia nhiệm vụ cho các phòng")
        if not actor.has_role(Role.LEADER):
            raise PermissionDenied("Chỉ lãnh đạo đơn vị chủ trì mới được chia nhiệm vụ.")
        now = timezone.now()
        deadline = _period_for(task, None, now).effective_due_at
        children = []
        for i, part in enumerate(parts, start=1):
            department = part.get("department")
            if department is None or department.agency_id != task.lead_agency_id:
                raise ValidationFailed(
                    f"Nhiệm vụ con {i}: phòng, ban không thuộc cơ quan chủ trì.",
                    errors=[{"line": i, "message": "Phòng, ban không thuộc cơ quan chủ trì."}],
                )
            due = part.get("due_at") or deadline
            if due > deadline:
                raise ValidationFailed(
                    f"Nhiệm vụ con {i}: hạn không được sau hạn của nhiệm vụ "
                    f"({timezone.localtime(deadline):%d/%m/%Y}).",
                    errors=[{"line": i, "message": "Hạn sau hạn của nhiệm vụ."}],
                )
            children.append(
                _create(
                    actor=actor,
                    assigned_by=actor,
                    assigning_agency=task.lead_agency,
                    title=part.get("title") or task.title,
                    lead_agency=task.lead_agency,
                    lead_department=department,
                    due_at=due,
                    assigned_at=now,
                    content=part.get("content", ""),
                    source_kind=task.source_kind,
                    source_text=task.source_text,
                    source_document=task.source_document,
                    priority=task.priority,
                    parent=task,
                )
            )
        if task.received_at is None:
            task.received_at, task.received_by = now, actor
            task.save(update_fields=["received_at", "received_by"])
        _audit_created(actor, children, "task.split", parent=task.pk)
    return children


def _staged_files(files: Iterable[Upload] | None):
    """Hash, size-check, sniff and read every file before any database work (the documents
    app's staging): a file too large, of a forbidden type or corrupt refuses the whole report."""
    uploads = list(files or ())
    if len(uploads) > FILES_MAX:
        msg = f"Mỗi báo cáo kèm tối đa {FILES_MAX} tệp."
        raise ValidationFailed(msg, errors={"files": [msg]}, code="too_many_files")
    return stage_uploads(uploads)


def _attach_files(staged, *, task: Task, actor: Person, **owner) -> list[TaskFile]:
    """Store staged files in the content-addressed storage (inside the caller's transaction,
    within `files_written_until_commit`) and link them to the report."""
    out = []
    for position, (upload, item) in enumerate(staged):
        page_count = item.page_count
        blob = storage.store(item)
        out.append(
            TaskFile.objects.create(
                task=task,
                blob=blob,
                original_name=(upload.name or "tep")[:255],
                content_type=item.content_type,
                size=item.size,
                page_count=page_count,
                position=position,
                created_by=actor,
                **owner,
            )
        )
    return out


def _files(stored: list[TaskFile]) -> dict:
    return {"files": [f.blob.sha256 for f in stored]} if stored else {}


def _discard(staged) -> None:
    for _, item in staged:
        item.discard()  # already moved into storage when stored; harmless then


def task_report_progress(
    *,
    actor: Person,
    task: Task,
    text: str,
    percent: int,
    period: TaskPeriod | None = None,
    files: Iterable[Upload] | None = None,
) -> ProgressReport:
    """Báo cáo tiến độ: the lead unit, or a co-operating one about its part, with files."""
    actor = _person(actor)
    text = _clean_text(text, "text", "Hãy nhập nội dung báo cáo tiến độ.")
    if percent is None or not 0 <= int(percent) <= 100:
        msg = "Tỷ lệ hoàn thành phải từ 0 đến 100%."
        raise ValidationFailed(msg, errors={"percent": [msg]})
    staged = _staged_files(files)
    try:
        with storage.files_written_until_commit(), transaction.atomic():
            task = _locked(task)
            cooperating = task.cooperations.filter(agency_id=actor.agency_id).exists()
            if actor.agency_id != task.lead_agency_id and not cooperating:
                raise PermissionDenied(
                    "Chỉ đơn vị chủ trì hoặc phối hợp mới được báo cáo tiến độ nhiệm vụ."
                )
            now = timezone.now()
            current = _period_for(task, period, now)
            report = ProgressReport.objects.create(
                task=task,
                period=current,
                agency_id=actor.agency_id,
                text=text,
                percent=int(percent),
                created_by=actor,
                created_at=now,
            )
            stored = _attach_files(staged, task=task, actor=actor, progress_report=report)
            audit_record(
                actor=actor,
                action="task.progress",
                obj=task,
                details={"percent": report.percent, "period": current.number, **_files(stored)},
            )
    finally:
        _discard(staged)
    return report


def _finished(period: TaskPeriod) -> bool:
    return period.confirmed_at is not None or period.completed_at is not None


def task_request_extension(
    *,
    actor: Person,
    task: Task,
    reason: str,
    new_due_at: dt.datetime,
    period: TaskPeriod | None = None,
) -> ExtensionRequest:
    """Đề nghị gia hạn (lead unit): reason and a new date later than the current deadline."""
    actor = _person(actor)
    reason = _clean_text(reason, "reason", "Hãy nêu lý do đề nghị gia hạn.", 5000)
    with transaction.atomic():
        task = _locked(task)
        _require_lead(actor, task, "đề nghị gia hạn")
        now = timezone.now()
        current = _period_for(task, period, now)
        if _finished(current):
            raise Conflict(
                "Nhiệm vụ đã báo cáo hoàn thành, không thể đề nghị gia hạn.",
                code="task_finished",
            )
        if new_due_at is None or new_due_at <= current.effective_due_at:
            msg = (
                "Hạn đề nghị phải sau hạn hiện tại "
                f"({timezone.localtime(current.effective_due_at):%d/%m/%Y %H:%M})."
            )
            raise ValidationFailed(msg, errors={"new_due_at": [msg]})
        if current.extensions.filter(decision=Decision.PENDING).exists():
            raise Conflict("Đã có đề nghị gia hạn đang chờ lãnh đạo quyết định.")
        request = ExtensionRequest.objects.create(
            period=current,
            reason=reason,
            new_due_at=new_due_at,
            requested_by=actor,
            requested_at=now,
        )
        audit_record(
            actor=actor,
            action="task.extension_request",
            obj=task,
            details={"new_due_at": new_due_at, "period": current.number},
        )
    return request


def extension_decide(
    *, actor: Person, extension: ExtensionRequest, grant: bool, note: str = ""
) -> ExtensionRequest:
    """Đồng ý gia hạn (the deadline moves) or không đồng ý, by the assigner."""
    actor = _person(actor)
    with transaction.atomic():
        extension = (
            ExtensionRequest.objects.select_for_update()
            .select_related("period__task")
            .get(pk=extension.pk)
        )
        period = TaskPeriod.objects.select_for_update().get(pk=extension.period_id)
        task = period.task
        _require_assigner(actor, task)
        if extension.decision != Decision.PENDING:
            raise Conflict("Đề nghị gia hạn này đã được quyết định.")
        if grant and _finished(period):
            raise Conflict(
                "Nhiệm vụ đã báo cáo hoàn thành, không thể gia hạn.", code="task_finished"
            )
        if not grant and not (note or "").strip():
            msg = "Hãy nêu lý do không đồng ý gia hạn."
            raise ValidationFailed(msg, errors={"note": [msg]})
        now = timezone.now()
        extension.decision = Decision.GRANTED if grant else Decision.REFUSED
        extension.decided_by, extension.decided_at = actor, now
        extension.note = (note or "").strip()[:1000]
        extension.save(update_fields=["decision", "decided_by", "decided_at", "note"])
        if grant:
            period.effective_due_at = max(period.effective_due_at, extension.new_due_at)
            period.save(update_fields=["effective_due_at"])
        events.emit("directives.extension_decided", extension=extension)
        audit_record(
            actor=actor,
            action="task.extension_grant" if grant else "task.extension_refuse",
            obj=task,
            details={"extension": extension.pk, "new_due_at": extension.new_due_at},
        )
    return extension


def task_complete(
    *,
    actor: Person,
    task: Task,
    result: str,
    evidence: str = "",
    period: TaskPeriod | None = None,
    files: Iterable[Upload] | None = None,
) -> Completion:
    """Báo cáo hoàn thành (lead unit only), with evidence files; waits for the assigner's
    confirmation."""
    actor = _person(actor)
    result = _clean_text(result, "result", "Hãy nhập kết quả thực hiện nhiệm vụ.")
    staged = _staged_files(files)
    try:
        with storage.files_written_until_commit(), transaction.atomic():
            task = _locked(task)
            _require_lead(actor, task, "báo cáo hoàn thành nhiệm vụ")
            now = timezone.now()
            current = _period_for(task, period, now)
            if current.confirmed_at is not None:
                raise Conflict("Nhiệm vụ (kỳ này) đã được xác nhận hoàn thành.")
            if current.completed_at is not None:
                raise Conflict("Nhiệm vụ đã báo cáo hoàn thành, đang chờ lãnh đạo xác nhận.")
            completion = Completion.objects.create(
                period=current,
                result=result,
                evidence=(evidence or "").strip(),
                completed_by=actor,
                completed_at=now,
            )
            current.completed_at = now
            current.save(update_fields=["completed_at"])
            stored = _attach_files(staged, task=task, actor=actor, completion=completion)
            audit_record(
                actor=actor,
                action="task.complete",
                obj=task,
                details={"period": current.number, **_files(stored)},
            )
    finally:
        _discard(staged)
    return completion


def completion_decide(
    *, actor: Person, completion: Completion, confirm: bool, note: str = ""
) -> Completion:
    """Xác nhận hoàn thành, or trả lại (not done: the clock runs again), by the assigner."""
    actor = _person(actor)
    with transaction.atomic():
        completion = Completion.objects.select_for_update().get(pk=completion.pk)
        period = (
            TaskPeriod.objects.select_for_update()
            .select_related("task")
            .get(pk=completion.period_id)
        )
        _require_assigner(actor, period.task)
        if completion.decision != CompletionDecision.PENDING:
            raise Conflict("Báo cáo hoàn thành này đã được xử lý.")
        if not confirm and not (note or "").strip():
            msg = "Hãy nêu lý do trả lại."
            raise ValidationFailed(msg, errors={"note": [msg]})
        now = timezone.now()
        completion.decision = (
            CompletionDecision.CONFIRMED if confirm else CompletionDecision.RETURNED
        )
        completion.decided_by, completion.decided_at = actor, now
        completion.note = (note or "").strip()[:1000]
        completion.save(update_fields=["decision", "decided_by", "decided_at", "note"])
        if confirm:
            period.confirmed_at = now
        else:
            period.completed_at = None
        period.save(update_fields=["confirmed_at", "completed_at"])
        audit_record(
            actor=actor,
            action="task.confirm" if confirm else "task.return",
            obj=period.task,
            details={"period": period.number, "completion": completion.pk},
        )
    return completion


def _may_urge(actor: Person, task: Task) -> bool:
    return can_oversee(actor) or (
        actor.agency_id == task.assigning_agency_id
        and (actor.has_role(Role.LEADER) or actor.has_role(Role.TRACKING))
    )


def task_urge(*, actor: Person, task: Task, text: str = "") -> Urge:
    """Đôn đốc one task: a record the lead agency sees on the task and in its list."""
    actor = _person(actor)
    with transaction.atomic():
        task = _locked(task)
        if not _may_urge(actor, task):
            raise PermissionDenied(
                "Chỉ cán bộ theo dõi, lãnh đạo giao nhiệm vụ mới được đôn đốc nhiệm vụ."
            )
        now = timezone.now()
        if not task.periods.exclude(confirmed_at__isnull=False).exists():
            raise Conflict("Nhiệm vụ đã hoàn thành, không cần đôn đốc.")
        urge = Urge.objects.create(
            task=task,
            agency_id=task.lead_agency_id,
            text=(text or "").strip()[:1000],
            urged_by=actor,
            urged_at=now,
        )
        events.emit("directives.urged", urges=[urge])
        audit_record(actor=actor, action="task.urge", obj=task, details={"urge": urge.pk})
    return urge


def agency_urge_overdue(*, actor: Person, agency: Agency, text: str = "") -> list[Urge]:
    """Đôn đốc every overdue task of an agency in one action (those the actor may urge)."""
    actor = _person(actor)
    with transaction.atomic():
        now = timezone.now()
        periods = TaskPeriod.objects.filter(is_top=True, lead_agency=agency).filter(
            status_q(Status.OVERDUE, now)
        )
        if not can_oversee(actor):
            if not (actor.has_role(Role.LEADER) or actor.has_role(Role.TRACKING)):
                raise PermissionDenied(
                    "Chỉ cán bộ theo dõi, lãnh đạo giao nhiệm vụ mới được đôn đốc nhiệm vụ."
                )
            periods = periods.filter(assigning_agency_id=actor.agency_id)
        task_ids = sorted(set(periods.values_list("task_id", flat=True)))
        if not task_ids:
            raise Conflict(f"{agency.name} không có nhiệm vụ quá hạn nào để đôn đốc.")
        tasks = list(task_visible(viewer=actor).filter(pk__in=task_ids))
        urges = Urge.objects.bulk_create(
            Urge(
                task=t,
                agency=agency,
                text=(text or "").strip()[:1000],
                urged_by=actor,
                urged_at=now,
            )
            for t in tasks
        )
        events.emit("directives.urged", urges=urges)
        audit_record_many(
            actor=actor,
            entries=[
                Entry(action="task.urge", obj=t, details={"bulk": True, "agency": agency.pk})
                for t in tasks
            ],
        )
    return urges
