"""Pages of the incoming documents: thin, they parse, call services and selectors, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qlvb.agencies.models import Department, Person, Role, RoleAssignment
from qlvb.agencies.selectors import agency_search
from qlvb.audit.services import audit_record
from qlvb.core.errors import DomainError, NotFound
from qlvb.documents.http import attachment_response, domain_error_text, register_book_page
from qlvb.documents.models import Urgency
from qlvb.documents.selectors import attachment_get
from qlvb.documents.services import Upload
from qlvb.incoming import selectors, services
from qlvb.incoming.forms import RegisterForm
from qlvb.incoming.models import Assignment, AssignmentKind, AssignmentState, IncomingState
from qlvb.incoming.outputs import incoming_register_book

BOX_LABELS = {
    "reception": gettext_lazy("To receive"),
    "waiting": gettext_lazy("Waiting for my direction"),
    "mine": gettext_lazy("Assigned to me"),
    "overdue": gettext_lazy("Overdue"),
    "all": gettext_lazy("All"),
}


def _boxes_for(person) -> list[str]:
    boxes = []
    if person.has_role(Role.CLERK):
        boxes.append("reception")
    if person.has_role(Role.LEADER):
        boxes.append("waiting")
    boxes += ["mine", "overdue", "all"]
    return boxes


@login_required
def list_view(request):
    person = request.user
    boxes = _boxes_for(person)
    box = request.GET.get("box") or boxes[0]
    if box not in boxes:
        box = "all"
    filters = {
        k: request.GET.get(k, "").strip()
        for k in ("date_from", "date_to", "sender", "type_name", "urgency", "state", "due")
    }
    for key in ("date_from", "date_to"):
        try:
            filters[key] = dt.date.fromisoformat(filters[key]) if filters[key] else None
        except ValueError:
            filters[key] = None
            messages.error(request, _("The date filter is not a valid date."))
    sort = request.GET.get("sort", "urgent")
    try:
        rows, next_cursor = selectors.incoming_page(
            viewer=person,
            box=box,
            filters=filters,
            cursor=request.GET.get("cursor") or None,
            limit=50,
            sort=sort,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        rows, next_cursor = [], None
    counts = selectors.incoming_nav_counts(viewer=person)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "boxes": [(b, BOX_LABELS[b], counts.get(b)) for b in boxes],
        "box": box,
        "rows": rows,
        "next_cursor": next_cursor,
        "filters": filters,
        "query": query.urlencode(),
        "sort": sort,
        "urgencies": Urgency.choices,
        "states": IncomingState.choices,
        "now": timezone.now(),
    }
    template = "incoming/_rows.html" if request.headers.get("HX-Request") else "incoming/list.html"
    return render(request, template, context)


@login_required
def register_view(request):
    person = request.user
    if not person.has_role(Role.CLERK):
        raise Http404
    duplicate_warning = None
    if request.method == "POST":
        form = RegisterForm(request.POST, request.FILES)
        if form.is_valid():
            uploads = [
                Upload(f, f.name, "main" if i == 0 else "appendix")
                for i, f in enumerate(form.cleaned_data["files"])
            ]
            paper_at = form.cleaned_data.get("paper_received_at")
            try:
                incoming = services.incoming_register(
                    actor=person,
                    metadata=form.metadata(),
                    uploads=uploads,
                    source=form.cleaned_data["source"],
                    paper_received_at=paper_at,
                    confirm_duplicate=request.POST.get("confirm_duplicate") == "1",
                )
            except DomainError as exc:
                if exc.code == "possible_duplicate":
                    duplicate_warning = exc.message
                else:
                    _attach_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Registered with incoming number %(number)s.")
                    % {"number": incoming.arrival_number},
                )
                if request.POST.get("next") == "again":
                    return redirect("incoming:register")
                return redirect("incoming:detail", pk=incoming.pk)
    else:
        form = RegisterForm(
            initial={"paper_received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
        )
    return render(
        request,
        "incoming/register.html",
        {"form": form, "duplicate_warning": duplicate_warning},
    )


@login_required
def sender_suggestions(request):
    """Type-ahead for the sender field: agencies of the directory, as datalist options."""
    query = request.GET.get("organ_name", "").strip()
    agencies = agency_search(viewer=request.user, query=query, limit=12) if len(query) >= 2 else []
    return render(request, "incoming/_sender_options.html", {"agencies": agencies})


def _visible(request, pk: int):
    incoming = (
        selectors.incoming_visible(viewer=request.user)
        .select_related("document", "register_book", "routed_to", "directed_by", "merged_into")
        .filter(pk=pk)
        .first()
    )
    if incoming is None:
        raise Http404
    return incoming


def _agency_leaders(agency_id: int) -> list[Person]:
    leader_ids = RoleAssignment.objects.filter(agency_id=agency_id, role=Role.LEADER).values(
        "person_id"
    )
    return list(
        Person.objects.filter(
            agency_id=agency_id, is_active=True, pk__in=leader_ids
        ).select_related("position")
    )


@login_required
def detail_view(request, pk: int):
    person = request.user
    incoming = _visible(request, pk)
    audit_record(actor=person, action="incoming.view", obj=incoming)
    assignments = list(
        incoming.assignments.select_related("person", "department", "assigned_by").order_by("id")
    )
    children: dict[int | None, list[Assignment]] = {}
    for a in assignments:
        children.setdefault(a.parent_id, []).append(a)

    def tree(parent_id):
        return [{"a": a, "children": tree(a.pk)} for a in children.get(parent_id, [])]

    mine = [
        a
        for a in assignments
        if a.state == AssignmentState.OPEN
        and (
            a.person_id == person.pk
            or (a.person_id is None and a.department_id == person.department_id)
        )
    ]
    is_clerk = person.has_role(Role.CLERK)
    is_leader = person.has_role(Role.LEADER)
    agency_people = Person.objects.filter(
        agency_id=incoming.agency_id, is_active=True
    ).select_related("department")
    can_submit = is_clerk and incoming.state in (IncomingState.REGISTERED, IncomingState.SUBMITTED)
    context = {
        "incoming": incoming,
        "document": incoming.document,
        "attachments": list(incoming.document.attachments.all()),
        "timeline": list(incoming.timeline.select_related("actor")),
        "tree": tree(None),
        "comments": list(incoming.comments.select_related("author")),
        "mine": mine,
        "can_receive": is_clerk and incoming.state == IncomingState.RECEIVED,
        "can_submit": can_submit,
        "can_direct": is_leader
        and incoming.state in (IncomingState.REGISTERED, IncomingState.SUBMITTED),
        "can_reopen": is_leader and incoming.state == IncomingState.DONE,
        "can_record_paper": is_clerk and incoming.arrival_number and not incoming.paper_received_at,
        # Only the clerk's submit form lists them; one query (asking each of the agency's
        # people for their roles was 79 queries a page in the generated province's office).
        "leaders": _agency_leaders(incoming.agency_id) if can_submit else [],
        "departments": Department.objects.filter(agency_id=incoming.agency_id, is_active=True),
        "agency_people": agency_people,
        "link_candidates": (
            selectors.incoming_visible(viewer=person)
            .filter(
                arrival_number__isnull=False,
                electronic_received_at__isnull=True,
                document__code_number=incoming.document.code_number,
            )
            .select_related("document")[:10]
            if incoming.state == IncomingState.RECEIVED
            and is_clerk
            and incoming.document.code_number
            else []
        ),
        "kinds": AssignmentKind.choices,
        "is_clerk": is_clerk,
        "is_leader": is_leader,
    }
    return render(request, "incoming/detail.html", context)


@login_required
def slip_view(request, pk: int):
    """Phiếu giải quyết văn bản đến (ND30 Phụ lục IV, VII), ready to print."""
    incoming = _visible(request, pk)
    assignments = incoming.assignments.select_related("person", "department").order_by("id")
    return render(
        request,
        "incoming/slip.html",
        {
            "incoming": incoming,
            "document": incoming.document,
            "top": [a for a in assignments if a.parent_id is None],
            "delegated": [a for a in assignments if a.parent_id is not None],
            "progress": incoming.timeline.filter(
                kind__in=["progress", "completed", "part_completed"]
            ),
        },
    )


@login_required
def attachment_view(request, pk: int, attachment_pk: int):
    _visible(request, pk)
    try:
        attachment = attachment_get(viewer=request.user, pk=attachment_pk)
    except NotFound as exc:
        raise Http404 from exc
    if attachment.document_id != _visible(request, pk).document_id:
        raise Http404
    inline = request.GET.get("inline") == "1"
    return attachment_response(request, attachment, actor=request.user, inline=inline)


@login_required
def register_book_view(request):
    return register_book_page(
        request,
        make=incoming_register_book,
        default_kind="incoming",
        template="incoming/register_book.html",
        is_clerk=request.user.has_role(Role.CLERK),
    )


@login_required
@require_POST
def action_view(request, pk: int, action: str):
    person = request.user
    incoming = _visible(request, pk)
    post = request.POST
    try:
        if action == "accept":
            done = services.incoming_accept(actor=person, incoming=incoming)
            messages.success(
                request, _("Accepted with incoming number %(n)s.") % {"n": done.arrival_number}
            )
        elif action == "reject":
            services.incoming_reject(actor=person, incoming=incoming, reason=post.get("reason", ""))
            messages.success(request, _("Rejected; the sender is told why."))
        elif action == "link":
            registered = _visible(request, int(post.get("registered", "0") or 0))
            services.incoming_link_electronic_copy(
                actor=person, delivered=incoming, registered=registered
            )
            messages.success(request, _("Linked to the registered paper copy."))
            return redirect("incoming:detail", pk=registered.pk)
        elif action == "paper_copy":
            services.incoming_record_paper_copy(actor=person, incoming=incoming)
            messages.success(request, _("Paper copy recorded."))
        elif action == "submit":
            leader = Person.objects.filter(
                pk=post.get("leader") or 0, agency_id=incoming.agency_id
            ).first()
            if leader is None:
                raise NotFound(_("Choose a leader."))
            services.incoming_submit(actor=person, incoming=incoming, leader=leader)
            messages.success(request, _("Submitted to %(name)s.") % {"name": leader.full_name})
        elif action == "direct":
            services.incoming_direct(
                actor=person,
                incoming=incoming,
                direction=post.get("direction", ""),
                assignments=_assignment_items(post),
            )
            messages.success(request, _("Direction recorded and handlers assigned."))
        elif action == "delegate":
            assignment = _my_assignment(incoming, post.get("assignment"))
            services.assignment_delegate(
                actor=person, assignment=assignment, assignments=_assignment_items(post)
            )
            messages.success(request, _("Passed on."))
        elif action == "progress":
            assignment = _my_assignment(incoming, post.get("assignment"))
            services.assignment_progress(
                actor=person, assignment=assignment, note=post.get("note", "")
            )
            messages.success(request, _("Progress recorded."))
        elif action == "complete":
            assignment = _my_assignment(incoming, post.get("assignment"))
            services.assignment_complete(
                actor=person, assignment=assignment, result=post.get("result", "")
            )
            messages.success(request, _("Your part is complete."))
        elif action == "reopen":
            services.incoming_reopen(actor=person, incoming=incoming, reason=post.get("reason", ""))
            messages.success(request, _("Reopened."))
        elif action == "comment":
            services.incoming_comment(actor=person, incoming=incoming, text=post.get("text", ""))
        elif action == "recall_answer":
            services.incoming_recall_answer(
                actor=person,
                incoming=incoming,
                agree=post.get("agree") == "1",
                text=post.get("text", ""),
            )
            messages.success(request, _("Answer sent to the sender."))
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, domain_error_text(exc))
    if action == "reject" and incoming.state == IncomingState.RECEIVED:
        return redirect("incoming:detail", pk=pk)
    return redirect("incoming:detail", pk=pk)


def _my_assignment(incoming, value) -> Assignment:
    assignment = Assignment.objects.filter(pk=value or 0, incoming=incoming).first()
    if assignment is None:
        raise NotFound(_("Assignment not found."))
    return assignment


def _parse_target(value: str) -> dict:
    kind, _sep, raw = (value or "").partition(":")
    if not raw.isdigit():
        return {}
    return {"department": int(raw)} if kind == "d" else {"person": int(raw)} if kind == "p" else {}


def _assignment_items(post) -> list[dict]:
    """The direction form: one lead, any co-handlers and people to inform, one deadline."""
    due = {}
    if post.get("due_days", "").strip().isdigit():
        due = {"due_in_working_days": int(post["due_days"])}
    elif post.get("due_date"):
        try:
            day = dt.date.fromisoformat(post["due_date"])
            due = {"due_at": timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))}
        except ValueError:
            pass
    items = []
    lead = _parse_target(post.get("lead", ""))
    if lead:
        items.append({"kind": AssignmentKind.LEAD, **lead, **due})
    for value in post.getlist("co"):
        if target := _parse_target(value):
            items.append({"kind": AssignmentKind.CO, **target, **due})
    for value in post.getlist("info"):
        if target := _parse_target(value):
            items.append({"kind": AssignmentKind.INFO, **target})
    return items


def _attach_errors(form, exc: DomainError) -> None:
    errors = exc.errors if isinstance(exc.errors, dict) else {}
    placed = False
    for field, msgs in errors.items():
        for msg in msgs:
            form.add_error(field if field in form.fields else None, msg)
            placed = True
    if not placed:
        form.add_error(None, exc.message)
