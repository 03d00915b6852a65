"""Rules: one function per domain event, naming who is told what. Vietnamese texts.

Confidential documents never show their subject outside the system (e-mail, SMS): the text
says "văn bản mật" and the link leads to the page, where the usual permission check applies."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from qlvb.agencies.models import Role
from qlvb.documents.models import Urgency
from qlvb.notifications import people
from qlvb.notifications.models import Event
from qlvb.notifications.services import Spec, notify

KIND_LABEL = {"lead": "chủ trì", "co": "phối hợp", "info": "để biết"}


def describe(document) -> str:
    """ "Số 12/UBND-VP: Về việc ..." (or "Văn bản mật số ..." for confidential ones)."""
    number = document.code_notation or ""
    if document.code_number:
        number = f"{document.code_number}/{number}" if number else str(document.code_number)
    if document.is_confidential:
        return f"Văn bản mật {('số ' + number) if number else ''}".strip()
    subject = (document.subject or "").strip() or "(chưa có trích yếu)"
    return f"{number}: {subject}" if number else subject


def _due_text(due_at) -> str:
    if not due_at:
        return ""
    return f" Hạn xử lý: {timezone.localtime(due_at):%H:%M ngày %d/%m/%Y}."


def incoming_url(incoming) -> str:
    return reverse("incoming:detail", args=[incoming.pk])


def _recipients_of_assignment(assignment) -> list:
    if assignment.person_id:
        return [assignment.person]
    return people.department_heads(assignment.department_id)


def incoming_assigned(*, assignments) -> None:
    specs = []
    for a in assignments:
        incoming = a.incoming
        doc = incoming.document
        direction = (incoming.direction or "").strip()
        body = f"Bạn được giao {KIND_LABEL.get(a.kind, '')} xử lý văn bản {describe(doc)}."
        body += _due_text(a.due_at)
        if direction and not doc.is_confidential:
            body += f" Ý kiến chỉ đạo: {direction}"
        for person in _recipients_of_assignment(a):
            specs.append(
                Spec(
                    recipient=person,
                    event=Event.ASSIGNED,
                    title=f"Được giao xử lý: {describe(doc)}",
                    body=body,
                    url=incoming_url(incoming),
                    urgent=doc.urgency == Urgency.FLASH,
                )
            )
    notify(specs)


def incoming_delivered(*, incomings) -> None:
    """Văn bản đến: the clerks; hỏa tốc also the leader on duty, at once, SMS by default. The
    copies of one document delivered to many agencies are told in one pass."""
    agency_ids = {i.agency_id for i in incomings}
    clerks = people.with_role_in(agency_ids, Role.CLERK)
    urgent_ids = {i.agency_id for i in incomings if i.document.urgency == Urgency.FLASH}
    on_duty = people.duty_leaders_in(urgent_ids) if urgent_ids else {}
    specs = []
    for incoming in incomings:
        doc = incoming.document
        urgent = doc.urgency == Urgency.FLASH
        recipients = list(clerks.get(incoming.agency_id, []))
        if urgent:
            recipients += on_duty.get(incoming.agency_id, [])
        sender = doc.organ_name or "cơ quan gửi"
        title = f"{'HỎA TỐC - ' if urgent else ''}Văn bản đến từ {sender}"
        specs += [
            Spec(
                recipient=p,
                event=Event.URGENT_DELIVERED if urgent else Event.DELIVERED,
                title=title,
                body=f"{sender} gửi văn bản {describe(doc)}, chờ tiếp nhận."
                + _due_text(incoming.due_at),
                url=incoming_url(incoming),
                urgent=urgent,
            )
            for p in recipients
        ]
    notify(specs)


def incoming_directed(*, incoming, actor=None) -> None:
    """Ý kiến chỉ đạo: the clerk who registered it learns the leader's direction."""
    clerk = incoming.registered_by
    if clerk is None or (actor is not None and clerk.pk == actor.pk):
        return
    doc = incoming.document
    by = actor.full_name if actor else "Lãnh đạo"
    text = "" if doc.is_confidential else f": {incoming.direction}"
    notify(
        [
            Spec(
                recipient=clerk,
                event=Event.DIRECTED,
                title=f"{by} đã cho ý kiến chỉ đạo: {describe(doc)}",
                body=f"{by} đã chỉ đạo, phân công văn bản {describe(doc)}{text}",
                url=incoming_url(incoming),
            )
        ]
    )


def incoming_reminder(*, incoming, text: str = "", actor=None) -> None:
    """Nhắc nhở from the sender: whoever holds it now (clerks if not accepted, else the
    people on its open assignments)."""
    from qlvb.incoming.models import AssignmentState, IncomingState

    incoming = type(incoming).objects.select_related("document").get(pk=incoming.pk)
    doc = incoming.document
    if incoming.state == IncomingState.RECEIVED:
        recipients = people.with_role(incoming.agency_id, Role.CLERK)
    else:
        recipients = []
        for a in incoming.assignments.filter(state=AssignmentState.OPEN).select_related("person"):
            recipients += _recipients_of_assignment(a)
        if not recipients:
            recipients = people.with_role(incoming.agency_id, Role.CLERK)
    sender = doc.organ_name or "Bên gửi"
    notify(
        Spec(
            recipient=p,
            event=Event.REMINDER,
            title=f"{sender} nhắc nhở: {describe(doc)}",
            body=(text or "").strip() or f"{sender} nhắc nhở về văn bản {describe(doc)}.",
            url=incoming_url(incoming),
        )
        for p in recipients
    )


def outgoing_rejected(*, delivery, reason: str = "") -> None:
    """Văn bản đi bị từ chối: the drafter and the sender's clerks."""
    outgoing = delivery.outgoing
    doc = outgoing.document
    recipients = [outgoing.created_by, *people.with_role(outgoing.agency_id, Role.CLERK)]
    who = delivery.recipient_agency.name
    notify(
        Spec(
            recipient=p,
            event=Event.REJECTED,
            title=f"{who} từ chối tiếp nhận: {describe(doc)}",
            body=f"{who} từ chối tiếp nhận văn bản {describe(doc)}. Lý do: {reason or '—'}",
            url=reverse("outgoing:detail", args=[outgoing.pk]),
        )
        for p in recipients
    )


def _task_people(task) -> list:
    if task.lead_department_id:
        found = people.department_heads(task.lead_department_id)
        if found:
            return found
    return people.with_role(task.lead_agency_id, Role.LEADER) + people.with_role(
        task.lead_agency_id, Role.TRACKING
    )


def task_urged(*, urges) -> None:
    specs = []
    for urge in urges:
        task = urge.task
        by = urge.urged_by.full_name
        body = f"{by} đôn đốc nhiệm vụ “{task.title}”.{_due_text(task.due_at)}"
        if urge.text:
            body += f" {urge.text}"
        specs += [
            Spec(
                recipient=p,
                event=Event.URGED,
                title=f"Đôn đốc nhiệm vụ: {task.title}",
                body=body,
                url=reverse("directives:detail", args=[task.pk]),
            )
            for p in _task_people(task)
        ]
    notify(specs)


def extension_decided(*, extension) -> None:
    task = extension.period.task
    granted = extension.decision == "granted"
    body = (
        f"Đề nghị gia hạn nhiệm vụ “{task.title}” đã được đồng ý. Hạn mới: "
        f"{timezone.localtime(extension.new_due_at):%d/%m/%Y}."
        if granted
        else f"Đề nghị gia hạn nhiệm vụ “{task.title}” không được đồng ý. {extension.note}"
    )
    notify(
        [
            Spec(
                recipient=extension.requested_by,
                event=Event.EXTENSION_DECIDED,
                title=("Đồng ý gia hạn: " if granted else "Không đồng ý gia hạn: ") + task.title,
                body=body.strip(),
                url=reverse("directives:detail", args=[task.pk]),
            )
        ]
    )


RULES = {
    "incoming.delivered": incoming_delivered,
    "incoming.assigned": incoming_assigned,
    "incoming.directed": incoming_directed,
    "incoming.reminder": incoming_reminder,
    "outgoing.rejected": outgoing_rejected,
    "directives.urged": task_urged,
    "directives.extension_decided": extension_decided,
}
