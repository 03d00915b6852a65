"""Every change to incoming documents: delivery into the reception queue, acceptance,
rejection, registration of paper documents, routing, direction, assignment, handling."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone

from qlvb.agencies.models import Agency, Department, Person, Role
from qlvb.audit.services import Entry as AuditEntry
from qlvb.audit.services import audit_record, audit_record_many
from qlvb.core.calendar import due_at_after_working_days
from qlvb.core.errors import Conflict, PermissionDenied, ValidationFailed
from qlvb.documents import storage
from qlvb.documents.models import URGENCY_RANK, Document, RegisterKind
from qlvb.documents.numbering import register_book_for, take_number
from qlvb.documents.services import (
    StoredFile,
    Upload,
    attach_staged,
    clean_metadata,
    documents_create_many,
    stage_uploads,
)
from qlvb.incoming import signals
from qlvb.incoming.models import (
    Assignment,
    AssignmentKind,
    AssignmentState,
    Comment,
    IncomingDocument,
    IncomingState,
    Source,
    TimelineEvent,
)
from qlvb.incoming.selectors import incoming_duplicates, nav_counts_changed
from qlvb.notifications import events

# edXML status codes the sender sees (../shared/standards/edxml.md)
STATUS_ARRIVED, STATUS_REJECTED, STATUS_ACCEPTED = "01", "02", "03"
STATUS_ASSIGNED, STATUS_IN_PROGRESS, STATUS_DONE = "04", "05", "06"


def _require_role(actor: Person, agency: Agency, *roles: str) -> None:
    if actor.agency_id != agency.pk or not any(actor.has_role(r) for r in roles):
        raise PermissionDenied("Bạn không có quyền thực hiện thao tác này với văn bản đến.")


def _event(incoming, *, actor, kind: str, status_code: str = "", text: str = "", **details):
    event = TimelineEvent.objects.create(
        incoming=incoming,
        occurred_at=timezone.now(),
        actor=actor,
        kind=kind,
        status_code=status_code,
        text=text,
        details=details,
    )
    if status_code:
        signals.status_changed.send(
            sender=IncomingDocument,
            incomings=[incoming],
            status_code=status_code,
            actor=actor,
            occurred_at=event.occurred_at,
            text=text,
        )


def _number(incoming: IncomingDocument, *, actor, when) -> None:
    kind = (
        RegisterKind.INCOMING_CONFIDENTIAL
        if incoming.document.is_confidential
        else RegisterKind.INCOMING
    )
    local_day = timezone.localtime(when).date()
    book = register_book_for(agency=incoming.agency, year=local_day.year, kind=kind)
    incoming.register_book = book
    incoming.arrival_number = take_number(book=book)
    incoming.arrival_date = local_day
    incoming.registered_at = when
    incoming.registered_by = actor
    incoming.state = IncomingState.REGISTERED


@dataclass(frozen=True)
class Arrival:
    """One recipient's copy of an electronic delivery: the agency and the reference that makes
    the delivery idempotent (`delivery:<pk>` on this installation, `edxml:<sender>|<id>`)."""

    agency: Agency
    origin_reference: str


def incoming_deliver(
    *,
    agency: Agency,
    metadata: dict,
    uploads: list[Upload],
    origin_reference: str,
    sender: Agency | None = None,
) -> IncomingDocument:
    """Place an electronically delivered document in the agency's reception queue (status 01).
    Idempotent on (agency, origin_reference): a delivery retried after a crash lands once."""
    existing = IncomingDocument.objects.filter(
        agency=agency, origin_reference=origin_reference
    ).first()
    if existing is not None:
        return existing
    staged = stage_uploads(uploads)
    with storage.files_written_until_commit(), transaction.atomic():
        files = [StoredFile.staged(upload, item) for upload, item in staged]
        arrival = Arrival(agency, origin_reference)
        placed = incoming_deliver_many(
            arrivals=[arrival], metadata=metadata, files=files, sender=sender
        )
    return placed[arrival]


def incoming_deliver_many(
    *,
    arrivals: list[Arrival],
    metadata: dict,
    files: list[StoredFile],
    sender: Agency | None = None,
) -> dict[Arrival, IncomingDocument]:
    """Place one document in many agencies' reception queues at once (status 01 to each), its
    files already stored: the rows of every copy in a few bulk statements and one append to the
    audit chain. Idempotent per arrival (agency, origin_reference): copies already placed are
    returned as they are."""
    cleaned = clean_metadata(metadata)
    if sender is not None:
        cleaned.setdefault("organ", sender)
        cleaned.setdefault("organ_name", sender.name)
    with transaction.atomic():
        placed: dict[Arrival, IncomingDocument] = {}
        wanted = {(a.agency.pk, a.origin_reference): a for a in arrivals}
        for found in IncomingDocument.objects.filter(
            origin_reference__in={a.origin_reference for a in arrivals},
            agency_id__in={a.agency.pk for a in arrivals},
        ):
            arrival = wanted.get((found.agency_id, found.origin_reference))
            if arrival is not None:
                placed[arrival] = found
        new = [a for a in wanted.values() if a not in placed]
        if not new:
            return placed
        now = timezone.now()
        documents = [Document(agency=a.agency, **cleaned) for a in new]
        documents_create_many(documents=documents, files=[files] * len(new))
        rank = URGENCY_RANK[documents[0].urgency]
        due_at = _end_of_day(documents[0].due_date)
        incomings = IncomingDocument.objects.bulk_create(
            IncomingDocument(
                document=document,
                agency=arrival.agency,
                state=IncomingState.RECEIVED,
                source=Source.ELECTRONIC,
                electronic_received_at=now,
                origin_reference=arrival.origin_reference,
                urgency_rank=rank,
                due_at=due_at,
            )
            for arrival, document in zip(new, documents, strict=True)
        )
        TimelineEvent.objects.bulk_create(
            TimelineEvent(
                incoming=incoming,
                occurred_at=now,
                actor=None,
                kind="arrived",
                status_code=STATUS_ARRIVED,
                text="",
                details={},
            )
            for incoming in incomings
        )
        signals.status_changed.send(
            sender=IncomingDocument,
            incomings=incomings,
            status_code=STATUS_ARRIVED,
            actor=None,
            occurred_at=now,
            text="",
        )
        audit_record_many(
            actor=None,
            entries=[
                AuditEntry(
                    action="incoming.deliver",
                    obj=incoming,
                    details={"origin": incoming.origin_reference},
                    agency_id=incoming.agency_id,
                )
                for incoming in incomings
            ],
        )
        for agency_id in {i.agency_id for i in incomings}:
            transaction.on_commit(partial(nav_counts_changed, agency_id))
        placed.update(zip(new, incomings, strict=True))
    return placed


def incoming_accept(
    *, actor: Person, incoming: IncomingDocument, metadata: dict | None = None
) -> IncomingDocument:
    """Tiếp nhận: the clerk accepts an electronic delivery and registers it (status 03)."""
    with transaction.atomic():
        incoming = IncomingDocument.objects.select_for_update().get(pk=incoming.pk)
        _require_role(actor, incoming.agency, Role.CLERK)
        if incoming.state != IncomingState.RECEIVED:
            raise Conflict("Văn bản này không còn chờ tiếp nhận.")
        if metadata:
            cleaned = clean_metadata(
                {**_metadata_of(incoming.document), **metadata}, require_subject=True
            )
            for key, value in cleaned.items():
                setattr(incoming.document, key, value)
            incoming.document.save()
            incoming.urgency_rank = URGENCY_RANK[incoming.document.urgency]
        _number(incoming, actor=actor, when=timezone.now())
        incoming.save()
        _event(
            incoming,
            actor=actor,
            kind="accepted",
            status_code=STATUS_ACCEPTED,
            arrival_number=incoming.arrival_number,
        )
        audit_record(
            actor=actor,
            action="incoming.accept",
            obj=incoming,
            details={"arrival_number": incoming.arrival_number},
        )
    return incoming


def incoming_reject(*, actor: Person, incoming: IncomingDocument, reason: str) -> IncomingDocument:
    """Từ chối tiếp nhận with a mandatory reason (status 02 to the sender)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Phải nêu lý do từ chối.", errors={"reason": ["Lý do từ chối là bắt buộc."]}
        )
    if len(reason) > 1000:
        raise ValidationFailed("Lý do từ chối quá dài.", errors={"reason": ["Tối đa 1000 ký tự."]})
    with transaction.atomic():
        incoming = IncomingDocument.objects.select_for_update().get(pk=incoming.pk)
        _require_role(actor, incoming.agency, Role.CLERK)
        if incoming.state != IncomingState.RECEIVED:
            raise Conflict("Văn bản này không còn chờ tiếp nhận.")
        incoming.state = IncomingState.REJECTED
        incoming.rejected_reason = reason
        incoming.save(update_fields=["state", "rejected_reason"])
        _event(incoming, actor=actor, kind="rejected", status_code=STATUS_REJECTED, text=reason)
        audit_record(
            actor=actor, action="incoming.reject", obj=incoming, details={"reason": reason}
        )
    return incoming


def incoming_register(
    *,
    actor: Person,
    metadata: dict,
    uploads: list[Upload],
    source: str = Source.PAPER,
    paper_received_at: dt.datetime | None = None,
    confirm_duplicate: bool = False,
) -> IncomingDocument:
    """Vào sổ a paper or e-mail document: number, metadata, scans. Warns (Conflict with code
    `possible_duplicate`) when the same sender, number/notation and date are already registered,
    unless the clerk confirms (Phụ lục VI III.1.h)."""
    agency = actor.agency
    if agency is None:
        raise PermissionDenied("Bạn không thuộc cơ quan nào.")
    _require_role(actor, agency, Role.CLERK)
    if source not in (Source.PAPER, Source.EMAIL):
        raise ValidationFailed(
            "Nguồn văn bản không hợp lệ.", errors={"source": ["Giấy hoặc thư điện tử."]}
        )
    cleaned = clean_metadata(metadata)
    if not confirm_duplicate:
        duplicates = list(
            incoming_duplicates(
                agency=agency,
                organ_name=cleaned.get("organ_name", ""),
                code_number=cleaned.get("code_number", ""),
                code_notation=cleaned.get("code_notation", ""),
                issued_date=cleaned.get("issued_date"),
            ).values_list("arrival_number", flat=True)
        )
        if duplicates:
            raise Conflict(
                "Văn bản cùng cơ quan ban hành, số, ký hiệu và ngày đã được vào sổ "
                f"(số đến {', '.join(str(n) for n in duplicates)}). Xác nhận nếu vẫn muốn vào sổ.",
                code="possible_duplicate",
            )
    staged = stage_uploads(uploads)
    now = timezone.now()
    with storage.files_written_until_commit(), transaction.atomic():
        document = Document.objects.create(agency=agency, **cleaned)
        attach_staged(document=document, staged=staged, actor=actor)
        incoming = IncomingDocument(
            document=document,
            agency=agency,
            source=source,
            paper_received_at=paper_received_at or (now if source == Source.PAPER else None),
            electronic_received_at=now if source == Source.EMAIL else None,
            urgency_rank=URGENCY_RANK[document.urgency],
            due_at=_end_of_day(document.due_date),
        )
        _number(incoming, actor=actor, when=now)
        incoming.save()
        _event(incoming, actor=actor, kind="registered", arrival_number=incoming.arrival_number)
        audit_record(
            actor=actor,
            action="incoming.register",
            obj=incoming,
            details={"arrival_number": incoming.arrival_number, "source": source},
        )
    return incoming


def incoming_link_electronic_copy(
    *, actor: Person, delivered: IncomingDocument, registered: IncomingDocument
) -> IncomingDocument:
    """The electronic copy of a paper document already registered arrives: the clerk links it
    instead of registering it twice. The registered document keeps its number and gains the
    electronic arrival time (the province measures which copy came first); the sender is told
    it was accepted (03)."""
    with transaction.atomic():
        pair = {
            i.pk: i
            for i in IncomingDocument.objects.select_for_update().filter(
                pk__in=[delivered.pk, registered.pk]
            )
        }
        delivered, registered = pair[delivered.pk], pair[registered.pk]
        _require_role(actor, delivered.agency, Role.CLERK)
        if delivered.agency_id != registered.agency_id:
            raise ValidationFailed("Hai văn bản không thuộc cùng cơ quan.")
        if delivered.state != IncomingState.RECEIVED:
            raise Conflict("Văn bản điện tử này không còn chờ tiếp nhận.")
        if registered.arrival_number is None or registered.electronic_received_at is not None:
            raise Conflict("Chỉ ghép được với văn bản giấy đã vào sổ và chưa có bản điện tử.")
        registered.electronic_received_at = delivered.electronic_received_at
        registered.origin_reference = delivered.origin_reference
        registered.save(update_fields=["electronic_received_at", "origin_reference"])
        delivered.state = IncomingState.MERGED
        delivered.merged_into = registered
        delivered.save(update_fields=["state", "merged_into"])
        _event(
            delivered,
            actor=actor,
            kind="merged",
            status_code=STATUS_ACCEPTED,
            arrival_number=registered.arrival_number,
        )
        _event(registered, actor=actor, kind="electronic_copy_linked", delivered=delivered.pk)
        audit_record(
            actor=actor,
            action="incoming.link_electronic_copy",
            obj=registered,
            details={"delivered": delivered.pk},
        )
    return registered


def incoming_record_paper_copy(
    *, actor: Person, incoming: IncomingDocument, received_at: dt.datetime | None = None
) -> IncomingDocument:
    """The paper copy of an electronically received document arrives: record when."""
    with transaction.atomic():
        incoming = IncomingDocument.objects.select_for_update().get(pk=incoming.pk)
        _require_role(actor, incoming.agency, Role.CLERK)
        if incoming.arrival_number is None:
            raise Conflict("Văn bản chưa được vào sổ.")
        if incoming.paper_received_at is not None:
            raise Conflict("Đã ghi nhận bản giấy của văn bản này.")
        incoming.paper_received_at = received_at or timezone.now()
        incoming.save(update_fields=["paper_received_at"])
        _event(incoming, actor=actor, kind="paper_copy_received")
        audit_record(actor=actor, action="incoming.paper_copy", obj=incoming)
    return incoming


def incoming_submit(
    *, actor: Person, incoming: IncomingDocument, leader: Person
) -> IncomingDocument:
    """Trình: the clerk routes a registered document to the leader in charge."""
    with transaction.atomic():
        incoming = IncomingDocument.objects.select_for_update().get(pk=incoming.pk)
        _require_role(actor, incoming.agency, Role.CLERK)
        if leader.agency_id != incoming.agency_id or not leader.has_role(Role.LEADER):
            raise ValidationFailed(
                "Người nhận trình phải là lãnh đạo của cơ quan.",
                errors={"leader": ["Không hợp lệ."]},
            )
        if incoming.state not in (IncomingState.REGISTERED, IncomingState.SUBMITTED):
            raise Conflict("Chỉ trình được văn bản đã vào sổ và chưa phân công.")
        incoming.state = IncomingState.SUBMITTED
        incoming.routed_to = leader
        incoming.save(update_fields=["state", "routed_to"])
        _event(incoming, actor=actor, kind="submitted", leader=leader.full_name)
        audit_record(
            actor=actor, action="incoming.submit", obj=incoming, details={"leader": leader.pk}
        )
    return incoming


def incoming_direct(
    *,
    actor: Person,
    incoming: IncomingDocument,
    direction: str,
    assignments: list[dict],
) -> IncomingDocument:
    """Ý kiến chỉ đạo and phân công: one lead handler, co-handlers, people to inform, each a
    department or person of the agency with an optional `due_at` (status 04)."""
    with transaction.atomic():
        incoming = IncomingDocument.objects.select_for_update().get(pk=incoming.pk)
        _require_role(actor, incoming.agency, Role.LEADER)
        if incoming.state not in (IncomingState.REGISTERED, IncomingState.SUBMITTED):
            raise Conflict("Văn bản đã được phân công hoặc không ở trạng thái chờ chỉ đạo.")
        now = timezone.now()
        created = _create_assignments(incoming, assignments, actor=actor, now=now, parent=None)
        incoming.direction = (direction or "").strip()
        incoming.directed_by = actor
        incoming.directed_at = now
        lead = next(a for a in created if a.kind == AssignmentKind.LEAD)
        incoming.due_at = lead.due_at or incoming.due_at
        incoming.state = IncomingState.ASSIGNED
        incoming.save()
        events.emit("incoming.assigned", assignments=created)
        _event(
            incoming,
            actor=actor,
            kind="directed",
            status_code=STATUS_ASSIGNED,
            text=incoming.direction,
            assignments=[_describe(a) for a in created],
        )
        audit_record(
            actor=actor,
            action="incoming.direct",
            obj=incoming,
            details={"assignments": [_describe(a) for a in created]},
        )
    return incoming


def assignment_delegate(
    *, actor: Person, assignment: Assignment, assignments: list[dict]
) -> list[Assignment]:
    """A department head passes an assignment on to specialists; the chain is kept."""
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update().select_related("incoming").get(pk=assignment.pk)
        )
        if not _may_act_on(actor, assignment) or not actor.has_role(Role.LEADER):
            raise PermissionDenied("Bạn không thể giao tiếp phân công này.")
        if assignment.state != AssignmentState.OPEN:
            raise Conflict("Phân công đã hoàn thành.")
        created = _create_assignments(
            assignment.incoming,
            assignments,
            actor=actor,
            now=timezone.now(),
            parent=assignment,
            require_lead=False,
        )
        events.emit("incoming.assigned", assignments=created)
        _event(
            assignment.incoming,
            actor=actor,
            kind="delegated",
            assignments=[_describe(a) for a in created],
        )
        audit_record(
            actor=actor,
            action="assignment.delegate",
            obj=assignment,
            agency_id=assignment.incoming.agency_id,
            details={"assignments": [_describe(a) for a in created]},
        )
    return created


def assignment_progress(*, actor: Person, assignment: Assignment, note: str) -> Assignment:
    """A progress note (status 05 the first time work is reported)."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Nội dung tiến độ là bắt buộc.", errors={"note": ["Bắt buộc."]})
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update().select_related("incoming").get(pk=assignment.pk)
        )
        if not _may_act_on(actor, assignment):
            raise PermissionDenied("Bạn không được giao xử lý văn bản này.")
        if assignment.state != AssignmentState.OPEN:
            raise Conflict("Phân công đã hoàn thành.")
        incoming = IncomingDocument.objects.select_for_update().get(pk=assignment.incoming_id)
        first = incoming.state == IncomingState.ASSIGNED
        if first:
            incoming.state = IncomingState.IN_PROGRESS
            incoming.save(update_fields=["state"])
        _event(
            incoming,
            actor=actor,
            kind="progress",
            status_code=STATUS_IN_PROGRESS if first else "",
            text=note,
            assignment=assignment.pk,
        )
        audit_record(
            actor=actor, action="assignment.progress", obj=assignment, agency_id=incoming.agency_id
        )
    return assignment


def assignment_complete(*, actor: Person, assignment: Assignment, result: str) -> Assignment:
    """An assignee completes their part; the document is done when its lead completes (06)."""
    result = (result or "").strip()
    if not result:
        raise ValidationFailed("Kết quả xử lý là bắt buộc.", errors={"result": ["Bắt buộc."]})
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if not _may_act_on(actor, assignment):
            raise PermissionDenied("Bạn không được giao xử lý văn bản này.")
        if assignment.state != AssignmentState.OPEN:
            raise Conflict("Phân công đã hoàn thành.")
        now = timezone.now()
        assignment.state = AssignmentState.DONE
        assignment.result = result
        assignment.completed_at = now
        assignment.save(update_fields=["state", "result", "completed_at"])
        incoming = IncomingDocument.objects.select_for_update().get(pk=assignment.incoming_id)
        lead_done = assignment.kind == AssignmentKind.LEAD and assignment.parent_id is None
        if lead_done:
            incoming.state = IncomingState.DONE
            incoming.done_at = now
            incoming.save(update_fields=["state", "done_at"])
        _event(
            incoming,
            actor=actor,
            kind="completed" if lead_done else "part_completed",
            status_code=STATUS_DONE if lead_done else "",
            text=result,
            assignment=assignment.pk,
        )
        audit_record(
            actor=actor, action="assignment.complete", obj=assignment, agency_id=incoming.agency_id
        )
    return assignment


def incoming_reopen(*, actor: Person, incoming: IncomingDocument, reason: str) -> IncomingDocument:
    """A leader reopens a finished document; the lead assignment is open again."""
    with transaction.atomic():
        incoming = IncomingDocument.objects.select_for_update().get(pk=incoming.pk)
        _require_role(actor, incoming.agency, Role.LEADER)
        if incoming.state != IncomingState.DONE:
            raise Conflict("Chỉ mở lại được văn bản đã hoàn thành.")
        incoming.state = IncomingState.IN_PROGRESS
        incoming.done_at = None
        incoming.save(update_fields=["state", "done_at"])
        incoming.assignments.filter(kind=AssignmentKind.LEAD, parent__isnull=True).update(
            state=AssignmentState.OPEN, completed_at=None
        )
        _event(incoming, actor=actor, kind="reopened", status_code=STATUS_IN_PROGRESS, text=reason)
        audit_record(
            actor=actor, action="incoming.reopen", obj=incoming, details={"reason": reason}
        )
    return incoming


def incoming_comment(*, actor: Person, incoming: IncomingDocument, text: str) -> Comment:
    """Add a comment; the caller has already found the document through incoming_visible."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Nội dung ý kiến là bắt buộc.", errors={"text": ["Bắt buộc."]})
    if len(text) > 4000:
        raise ValidationFailed("Ý kiến quá dài.", errors={"text": ["Tối đa 4000 ký tự."]})
    with transaction.atomic():
        comment = Comment.objects.create(incoming=incoming, author=actor, text=text)
        audit_record(
            actor=actor, action="incoming.comment", obj=incoming, details={"comment": comment.pk}
        )
    return comment


# --- helpers ---------------------------------------------------------------------------------


def _create_assignments(incoming, items, *, actor, now, parent, require_lead=True):
    errors: dict[str, list[str]] = {}
    leads = [i for i in items if i.get("kind") == AssignmentKind.LEAD]
    if require_lead and len(leads) != 1:
        errors.setdefault("assignments", []).append("Phải giao đúng một đơn vị/cá nhân chủ trì.")
    created = []
    for index, item in enumerate(items):
        kind = item.get("kind")
        if kind not in AssignmentKind.values:
            errors.setdefault(f"assignments.{index}", []).append("Loại phân công không hợp lệ.")
            continue
        person = item.get("person")
        department = item.get("department")
        if isinstance(person, int):
            person = Person.objects.filter(pk=person).first()
        if isinstance(department, int):
            department = Department.objects.filter(pk=department).first()
        if person is None and department is None:
            errors.setdefault(f"assignments.{index}", []).append(
                "Chưa chọn người hoặc đơn vị xử lý."
            )
            continue
        if (person is not None and person.agency_id != incoming.agency_id) or (
            department is not None and department.agency_id != incoming.agency_id
        ):
            errors.setdefault(f"assignments.{index}", []).append(
                "Chỉ được phân công cho đơn vị, cá nhân trong cơ quan."
            )
            continue
        due_at = item.get("due_at")
        if item.get("due_in_working_days") is not None:
            days = item["due_in_working_days"]
            if not isinstance(days, int) or not 0 < days <= 365:
                errors.setdefault(f"assignments.{index}", []).append(
                    "Số ngày làm việc phải từ 1 đến 365."
                )
                continue
            due_at = due_at_after_working_days(days, start=now)
        if due_at is not None and due_at < now:
            errors.setdefault(f"assignments.{index}", []).append("Hạn xử lý đã qua.")
            continue
        created.append(
            Assignment(
                incoming=incoming,
                parent=parent,
                kind=kind,
                person=person,
                department=department,
                due_at=due_at,
                assigned_by=actor,
                assigned_at=now,
            )
        )
    if errors:
        raise ValidationFailed("Phân công chưa hợp lệ.", errors=errors)
    for assignment in created:
        assignment.save()
    return created


def _may_act_on(actor: Person, assignment: Assignment) -> bool:
    if assignment.person_id is not None:
        return assignment.person_id == actor.pk
    return assignment.department_id is not None and assignment.department_id == actor.department_id


def _describe(assignment: Assignment) -> dict:
    return {
        "kind": assignment.kind,
        "person": assignment.person.full_name if assignment.person else None,
        "department": assignment.department.name if assignment.department else None,
        "due_at": assignment.due_at.isoformat() if assignment.due_at else None,
    }


def _metadata_of(document: Document) -> dict:
    return {
        "type_name": document.type_name,
        "code_number": document.code_number,
        "code_notation": document.code_notation,
        "issued_date": document.issued_date,
        "organ_name": document.organ_name,
        "subject": document.subject,
        "urgency": document.urgency,
        "confidentiality": document.confidentiality,
        "due_date": document.due_date,
    }


def _end_of_day(day):
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


# --- the sender's recall, reminders and replacements (outgoing documents on this installation) --

STATUS_RECALL_AGREED, STATUS_RECALL_REFUSED = "15", "16"


def incoming_recall(*, incoming: IncomingDocument, reason: str, actor=None) -> str:
    """The sender recalls (thu hồi) what it sent. Decided under the row lock, so a clerk who
    accepts at the same moment is either before (recall order) or after (nothing to accept):
    not yet accepted → withdrawn from the reception queue ("withdrawn"); accepted → a recall
    order the clerk answers with 15/16 ("requested"); rejected or already gone → "none".
    `actor` is the sender's person, shown on the recipient's timeline."""
    with transaction.atomic():
        incoming = IncomingDocument.objects.select_for_update().get(pk=incoming.pk)
        if incoming.state == IncomingState.MERGED and incoming.merged_into_id:
            incoming = IncomingDocument.objects.select_for_update().get(pk=incoming.merged_into_id)
        if incoming.state == IncomingState.RECEIVED:
            incoming.state = IncomingState.WITHDRAWN
            incoming.recall_reason = reason[:1000]
            incoming.save(update_fields=["state", "recall_reason"])
            _event(incoming, actor=actor, kind="withdrawn", text=reason)
            outcome = "withdrawn"
        elif incoming.state in (
            IncomingState.REJECTED,
            IncomingState.WITHDRAWN,
            IncomingState.MERGED,
        ):
            return "none"
        elif incoming.recall_requested_at is not None:
            return "requested"
        else:
            incoming.recall_requested_at = timezone.now()
            incoming.recall_reason = reason[:1000]
            incoming.save(update_fields=["recall_requested_at", "recall_reason"])
            _event(incoming, actor=actor, kind="recall_requested", text=reason)
            outcome = "requested"
        audit_record(
            actor=actor,
            action="incoming.recall",
            obj=incoming,
            agency_id=incoming.agency_id,
            details={"outcome": outcome, "reason": reason},
        )
    return outcome


def incoming_recall_answer(
    *, actor: Person, incoming: IncomingDocument, agree: bool, text: str = ""
) -> IncomingDocument:
    """The recipient answers a recall order: 15 agree (the document is withdrawn) or 16 refuse
    (a reason is required)."""
    text = (text or "").strip()
    if not agree and not text:
        raise ValidationFailed(
            "Phải nêu lý do từ chối thu hồi.", errors={"text": ["Lý do là bắt buộc."]}
        )
    with transaction.atomic():
        incoming = IncomingDocument.objects.select_for_update().get(pk=incoming.pk)
        _require_role(actor, incoming.agency, Role.CLERK, Role.LEADER)
        if incoming.recall_requested_at is None:
            raise Conflict("Không có yêu cầu thu hồi nào cho văn bản này.")
        if incoming.recall_answer:
            raise Conflict("Đã trả lời yêu cầu thu hồi.")
        incoming.recall_answer = STATUS_RECALL_AGREED if agree else STATUS_RECALL_REFUSED
        fields = ["recall_answer"]
        if agree:
            incoming.state = IncomingState.WITHDRAWN
            fields.append("state")
        incoming.save(update_fields=fields)
        _event(
            incoming,
            actor=actor,
            kind="recall_agreed" if agree else "recall_refused",
            status_code=incoming.recall_answer,
            text=text,
        )
        audit_record(
            actor=actor,
            action="incoming.recall_answer",
            obj=incoming,
            details={"agree": agree, "text": text},
        )
    return incoming


def incoming_remind(*, incoming: IncomingDocument, text: str, actor=None) -> TimelineEvent:
    """Nhắc nhở from the sender: an entry on the recipient's timeline (e-mail and SMS come with
    the notifications work). `actor` is the sender's person."""
    with transaction.atomic():
        event = TimelineEvent.objects.create(
            incoming=incoming,
            occurred_at=timezone.now(),
            actor=actor,
            kind="reminder",
            text=text,
        )
        events.emit("incoming.reminder", incoming=incoming, text=text, actor=actor)
        audit_record(
            actor=actor,
            action="incoming.reminder",
            obj=incoming,
            agency_id=incoming.agency_id,
            details={"text": text},
        )
    return event


def incoming_link_previous(
    *, incoming: IncomingDocument, previous: IncomingDocument, relation: str
) -> IncomingDocument:
    """A replacement or update links the new document to the one it follows, both timelines
    say so. Idempotent (a retried delivery links once)."""
    with transaction.atomic():
        incoming = IncomingDocument.objects.select_for_update().get(pk=incoming.pk)
        if incoming.replaces_id == previous.pk:
            return incoming
        if previous.agency_id != incoming.agency_id:
            raise ValidationFailed("Hai văn bản không thuộc cùng một cơ quan nhận.")
        incoming.replaces = previous
        incoming.relation = relation
        incoming.save(update_fields=["replaces", "relation"])
        _event(incoming, actor=None, kind="replaces", text=relation, previous=previous.pk)
        _event(previous, actor=None, kind="replaces", text=relation, replaced_by=incoming.pk)
    return incoming
