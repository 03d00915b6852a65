"""Pages of the outgoing documents: thin, they parse, call services and selectors, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qlvb.agencies.models import Person, Role
from qlvb.audit.services import audit_record
from qlvb.core.errors import DomainError, NotFound
from qlvb.documents.http import attachment_response, domain_error_text, register_book_page
from qlvb.documents.services import Upload
from qlvb.outgoing import selectors, services
from qlvb.outgoing.forms import DraftForm
from qlvb.outgoing.models import OutgoingState, StepState
from qlvb.outgoing.outputs import outgoing_register_book

BOX_LABELS = {
    "drafts": gettext_lazy("My drafts"),
    "to_review": gettext_lazy("To review"),
    "to_sign": gettext_lazy("To sign"),
    "to_issue": gettext_lazy("To issue"),
    "issued": gettext_lazy("Issued"),
    "all": gettext_lazy("All"),
}
FILTER_LABELS = {
    "all": gettext_lazy("All"),
    "not_accepted": gettext_lazy("Not yet accepted"),
    "rejected": gettext_lazy("Rejected"),
    "late": gettext_lazy("Late"),
    "done": gettext_lazy("Done"),
    "recall": gettext_lazy("Recall"),
}


def _boxes_for(person) -> list[str]:
    boxes = ["drafts"]
    if person.has_role(Role.LEADER):
        boxes += ["to_review", "to_sign"]
    if person.has_role(Role.CLERK):
        boxes.append("to_issue")
    return [*boxes, "issued", "all"]


def _error(request, exc: DomainError) -> None:
    messages.error(request, domain_error_text(exc))


@login_required
def list_view(request):
    person = request.user
    boxes = _boxes_for(person)
    counts = selectors.outgoing_box_counts(viewer=person)
    box = request.GET.get("box")
    if box not in boxes:
        # Start where there is work waiting.
        box = next((b for b in boxes if counts.get(b)), "all")
    rows = list(selectors.outgoing_box(viewer=person, box=box)[:100])
    return render(
        request,
        "outgoing/list.html",
        {
            "boxes": [(b, BOX_LABELS[b], counts.get(b)) for b in boxes],
            "box": box,
            "rows": rows,
            "can_draft": person.agency_id is not None,
        },
    )


def _uploads(files) -> list[Upload]:
    return [Upload(f, f.name, "main" if i == 0 else "appendix") for i, f in enumerate(files)]


@login_required
def create_view(request):
    person = request.user
    if person.agency_id is None:
        raise Http404
    if request.method == "POST":
        form = DraftForm(request.POST, request.FILES, person=person)
        if form.is_valid():
            try:
                outgoing = services.outgoing_create(
                    actor=person,
                    metadata=form.metadata(),
                    recipients=form.recipients(),
                    signer=form.cleaned_data["signer"],
                    drafting_department=form.cleaned_data.get("drafting_department"),
                    uploads=_uploads(form.cleaned_data["files"]),
                )
            except DomainError as exc:
                errors = exc.errors if isinstance(exc.errors, dict) else {}
                for field, msgs in errors.items():
                    for msg in msgs:
                        form.add_error(field if field in form.fields else None, msg)
                if not errors:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, _("Draft saved."))
                return redirect("outgoing:detail", pk=outgoing.pk)
    else:
        form = DraftForm(
            person=person,
            initial={
                "drafting_department": person.department_id,
                "document_type": _default_type(),
            },
        )
    return render(request, "outgoing/create.html", {"form": form})


def _default_type():
    from qlvb.documents.models import DocumentType

    found = DocumentType.objects.filter(name="Công văn").first()
    return found.pk if found else None


def _get(request, pk: int):
    try:
        return selectors.outgoing_get(viewer=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc


@login_required
def detail_view(request, pk: int):
    person = request.user
    outgoing = _get(request, pk)
    audit_record(actor=person, action="outgoing.view", obj=outgoing)
    versions = list(
        outgoing.versions.select_related("created_by")
        .prefetch_related("files__attachment")
        .order_by("-number")
    )
    steps = list(outgoing.review_steps.select_related("reviewer"))
    pending = next((s for s in steps if s.state == StepState.PENDING), None)
    my_turn = (
        outgoing.state == OutgoingState.IN_REVIEW
        and pending is not None
        and pending.reviewer_id == person.pk
    )
    is_drafter = outgoing.created_by_id == person.pk
    leaders = (
        Person.objects.filter(agency_id=outgoing.agency_id, is_active=True, roles__role=Role.LEADER)
        .select_related("position", "department")
        .distinct()
    )
    context = {
        "outgoing": outgoing,
        "document": outgoing.document,
        "versions": versions,
        "steps": steps,
        "rounds": sorted({s.round for s in steps}, reverse=True),
        "recipients": list(outgoing.recipients.select_related("agency")),
        "timeline": list(outgoing.events.select_related("actor")),
        "comments": list(outgoing.comments.select_related("author", "version")),
        "is_drafter": is_drafter,
        "my_turn": my_turn,
        "can_upload": (is_drafter and outgoing.state == OutgoingState.DRAFT) or my_turn,
        "can_submit": is_drafter and outgoing.state == OutgoingState.DRAFT,
        "can_sign": outgoing.state == OutgoingState.APPROVED and outgoing.signer_id == person.pk,
        "can_issue": outgoing.state == OutgoingState.SIGNED and person.has_role(Role.CLERK),
        "can_recall": outgoing.state == OutgoingState.ISSUED
        and (person.has_role(Role.CLERK) or person.has_role(Role.LEADER)),
        "default_chain": services.default_chain(outgoing)
        if outgoing.state == OutgoingState.DRAFT
        else [],
        "leaders": leaders,
        "counts": selectors.delivery_counts(outgoing=outgoing)
        if outgoing.state in (OutgoingState.ISSUED, OutgoingState.RECALLED)
        else None,
    }
    return render(request, "outgoing/detail.html", context)


STATUS_BADGE = {"06": "text-bg-success", "02": "text-bg-danger", "01": "text-bg-warning"}
STATUS_BADGE["queued"] = "text-bg-warning"


def _when(value, fmt: str = "%d/%m %H:%M") -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""


# What _tracking_row reads: the three joined rows are wide (work-row fields, the whole incoming
# record), and loading 220 of each whole was most of the page's database time.
TRACKING_COLUMNS = (
    "status",
    "due_date",
    "done_at",
    "in_progress_at",
    "assigned_at",
    "rejected_reason",
    "reminded_at",
    "delivered_at",
    "accepted_at",
    "acted_by_name",
    "status_changed_at",
    "recipient_agency__name",
    "recipient__medium",
    "recipient__position",
    "incoming__arrival_number",
    "incoming__electronic_received_at",
    "incoming__paper_received_at",
)


def _tracking_row(d, today) -> dict:
    """One recipient's line, formatted here: a document issued to a whole province has 220 of
    them, and the template engine's date filters cost more than the query (docs/benchmarks.md)."""
    incoming = d.incoming
    if d.done_at:
        handling = (_("done"), d.done_at)
    elif d.in_progress_at:
        handling = (_("in progress"), d.in_progress_at)
    elif d.assigned_at:
        handling = (_("assigned"), d.assigned_at)
    else:
        handling = ("", None)
    return {
        "status": d.status,
        "status_label": d.get_status_display(),
        "badge": STATUS_BADGE.get(d.status, "text-bg-light border"),
        "late": selectors.is_late(d, today),
        "agency": d.recipient_agency.name,
        "medium": d.recipient.get_medium_display(),
        "rejected_reason": d.rejected_reason,
        "reminded": _when(d.reminded_at),
        "delivered": _when(d.delivered_at, "%d/%m/%Y %H:%M"),
        "accepted": _when(d.accepted_at, "%d/%m/%Y %H:%M"),
        "arrival_number": incoming.arrival_number if incoming else None,
        "electronic": _when(incoming.electronic_received_at) if incoming else "",
        "paper": _when(incoming.paper_received_at) if incoming else "",
        "handling": f"{handling[0]} {_when(handling[1])}" if handling[1] else "",
        "acted_by": d.acted_by_name,
        "changed": _when(d.status_changed_at),
    }


@login_required
def external_suggestions(request):
    """Type-ahead for agencies elsewhere: directory agencies not on this installation."""
    from qlvb.agencies.selectors import agency_search

    query = request.GET.get("q", "").strip()
    found = agency_search(viewer=request.user, query=query, limit=40) if len(query) >= 2 else []
    agencies = [a for a in found if not a.on_installation][:12]
    return render(request, "outgoing/_external_options.html", {"agencies": agencies})


@login_required
def tracking_view(request, pk: int):
    """Theo dõi: per recipient status, times and who acted; filters; one reminder action."""
    person = request.user
    outgoing = _get(request, pk)
    current = request.GET.get("filter") or "all"
    if current not in FILTER_LABELS:
        current = "all"
    today = timezone.localdate()
    rows = selectors.deliveries_for(
        viewer=person, outgoing=outgoing, filter=current, today=today
    ).only(*TRACKING_COLUMNS)
    deliveries = [_tracking_row(d, today) for d in rows]
    counts = selectors.delivery_counts(outgoing=outgoing, today=today)
    return render(
        request,
        "outgoing/tracking.html",
        {
            "outgoing": outgoing,
            "document": outgoing.document,
            "deliveries": deliveries,
            "filters": [(k, v, counts.get(k)) for k, v in FILTER_LABELS.items()],
            "current": current,
            "counts": counts,
            "paper_lines": list(outgoing.recipients.filter(agency__isnull=True)),
            "can_remind": outgoing.state == OutgoingState.ISSUED,
        },
    )


@login_required
def file_view(request, pk: int, attachment_pk: int):
    outgoing = _get(request, pk)
    attachment = (
        outgoing.document.attachments.select_related("blob").filter(pk=attachment_pk).first()
    )
    if attachment is None:
        raise Http404
    inline = request.GET.get("inline") == "1"
    return attachment_response(request, attachment, actor=request.user, inline=inline)


@login_required
def register_book_view(request):
    return register_book_page(
        request,
        make=outgoing_register_book,
        default_kind="outgoing",
        template="outgoing/register_book.html",
    )


@login_required
@require_POST
def action_view(request, pk: int, action: str):
    person = request.user
    outgoing = _get(request, pk)
    post = request.POST
    target = redirect("outgoing:detail", pk=pk)
    try:
        if action == "version":
            files = request.FILES.getlist("files")
            services.outgoing_upload_version(
                actor=person, outgoing=outgoing, uploads=_uploads(files), note=post.get("note", "")
            )
            messages.success(request, _("New version uploaded."))
        elif action == "submit":
            chain = [int(v) for v in post.getlist("chain") if v.isdigit()]
            services.outgoing_submit(
                actor=person,
                outgoing=outgoing,
                chain=chain if post.get("custom_chain") == "1" else None,
                note=post.get("note", ""),
            )
            messages.success(request, _("Submitted for approval."))
        elif action == "approve":
            services.outgoing_approve(
                actor=person, outgoing=outgoing, comment=post.get("comment", "")
            )
            messages.success(request, _("Approved."))
        elif action == "return":
            services.outgoing_return(
                actor=person, outgoing=outgoing, comment=post.get("comment", "")
            )
            messages.success(request, _("Returned to the drafter."))
        elif action == "sign":
            services.outgoing_sign(actor=person, outgoing=outgoing)
            messages.success(request, _("Signed; the clerk can issue it."))
        elif action == "issue":
            done = services.outgoing_issue(actor=person, outgoing=outgoing)
            messages.success(
                request,
                _("Issued as %(number)s.") % {"number": done.document.number_and_notation},
            )
            target = redirect("outgoing:tracking", pk=pk)
        elif action == "recall":
            services.outgoing_recall(actor=person, outgoing=outgoing, reason=post.get("reason", ""))
            messages.success(request, _("Recalled."))
            target = redirect("outgoing:tracking", pk=pk)
        elif action == "remind":
            sent = services.outgoing_remind(
                actor=person, outgoing=outgoing, text=post.get("text", "")
            )
            messages.success(request, _("%(n)s recipients reminded.") % {"n": len(sent)})
            target = redirect("outgoing:tracking", pk=pk)
        elif action == "comment":
            services.outgoing_comment(actor=person, outgoing=outgoing, text=post.get("text", ""))
        else:
            raise Http404
    except DomainError as exc:
        _error(request, exc)
    return target
