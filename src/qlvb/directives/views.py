"""Pages of task tracking: thin, they parse, call services and selectors, render."""

from __future__ import annotations

import datetime as dt
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qlvb.agencies.models import Agency, Department, Person, Role
from qlvb.core.errors import DomainError
from qlvb.core.replica import replica_reads
from qlvb.directives import selectors, services
from qlvb.directives.forms import TaskForm
from qlvb.directives.models import (
    Completion,
    CompletionDecision,
    Decision,
    ExtensionRequest,
)
from qlvb.directives.reports import tasks_report_pdf, tasks_report_xlsx
from qlvb.directives.status import STATUS_ORDER, Status, current_period, period_status
from qlvb.documents.http import attachment_response
from qlvb.documents.registers import MEDIA
from qlvb.documents.services import Upload


def _dates(request) -> tuple[dt.date | None, dt.date | None]:
    out = []
    for key in ("date_from", "date_to"):
        try:
            out.append(dt.date.fromisoformat(request.GET.get(key, "")))
        except ValueError:
            out.append(None)
    return out[0], out[1]


def _may_assign(person) -> bool:
    return person.has_role(Role.LEADER) or person.has_role(Role.TRACKING)


_TRACKING_ROW = (
    '<tr data-agency="{name}"><td><a href="{url}">{name}</a></td>'
    '<td class="text-end">{total}</td><td class="text-end">{overdue}</td>'
    '<td class="text-end"><a href="{url}&amp;status=in_progress_on_time" '
    'data-status="in_progress_on_time">{on_time}</a></td>'
    '<td class="text-end"><a href="{url}&amp;status=not_yet_due">{not_yet_due}</a></td>'
    '<td class="text-end"><a href="{url}&amp;status=done_late">{done_late}</a></td>'
    '<td class="text-end"><a href="{url}&amp;status=done_on_time">{done_on_time}</a></td>'
    '<td class="text-end">{rate}</td>{urge}</tr>'
)
_OVERDUE_LINK = (
    '<a class="badge text-bg-danger text-decoration-none" href="{}&amp;status=overdue" '
    'data-status="overdue">{}</a>'
)
_URGE_BUTTON = (
    '<td class="text-end"><button class="btn btn-sm btn-outline-danger" type="submit" '
    'form="urge-agency" formaction="{}" data-testid="urge-agency" title="{}">'
    '<i class="bi bi-bell" aria-hidden="true"></i> {}</button></td>'
)


def _tracking_rows(rows: list[dict], *, may_urge: bool) -> list[dict]:
    """Each agency's line formatted here, once: 220 agencies × 9 cells through the template
    engine (a {% url %}, a localized number, an escape per cell) cost several times the
    grouped query (docs/benchmarks.md). The only text is the agency's name, escaped here; the
    rest are numbers and reversed paths."""
    list_url = reverse("directives:list")
    urge_url = reverse("directives:urge_agency", args=[0]).replace("/0/", "/{}/")
    urge_label, urge_title = escape(_("Urge")), escape(_("Urge overdue"))
    for r in rows:
        agency_id = r["lead_agency_id"]
        url = f"{list_url}?agency={agency_id}"
        overdue = r[Status.OVERDUE]
        urge = ""
        if may_urge:
            urge = (
                _URGE_BUTTON.format(urge_url.format(agency_id), urge_title, urge_label)
                if overdue
                else '<td class="text-end"></td>'
            )
        r["html"] = mark_safe(  # noqa: S308 (escaped above, numbers otherwise)
            _TRACKING_ROW.format(
                name=escape(r["agency_name"]),
                url=url,
                total=r["total"],
                overdue=_OVERDUE_LINK.format(url, overdue) if overdue else "0",
                on_time=r[Status.ON_TIME],
                not_yet_due=r[Status.NOT_YET_DUE],
                done_late=r[Status.DONE_LATE],
                done_on_time=r[Status.DONE_ON_TIME],
                rate="—" if r["on_time_rate"] is None else f"{r['on_time_rate']}%",
                urge=urge,
            )
        )
    return rows


@login_required
def tracking_view(request):
    """The tracking officer's and the leaders' one screen: every agency, counts by status."""
    person = request.user
    now = timezone.now()
    date_from, date_to = _dates(request)
    rows = selectors.tracking_counts(viewer=person, now=now, date_from=date_from, date_to=date_to)
    totals = {key: sum(r[key] for r in rows) for key in [*Status.values, "total"]}
    oversee = selectors.can_oversee(person)
    may_assign = _may_assign(person)
    context = {
        "rows": _tracking_rows(rows, may_urge=oversee or may_assign),
        "totals": totals,
        "statuses": [(s.value, s.label) for s in STATUS_ORDER],
        "date_from": date_from,
        "date_to": date_to,
        "oversee": oversee,
        "may_assign": may_assign,
        "may_urge": oversee or may_assign,
        "queue": list(selectors.task_queue(viewer=person).select_related("assigning_agency")[:20]),
        "urges": list(selectors.urges_for_agency(viewer=person, agency_id=person.agency_id)[:10])
        if person.agency_id
        else [],
        "now": now,
    }
    return render(request, "directives/tracking.html", context)


@login_required
def list_view(request):
    """Drill-down: the task periods of an agency (or of mine), overdue first."""
    person = request.user
    now = timezone.now()
    date_from, date_to = _dates(request)
    agency = None
    if request.GET.get("agency"):
        agency = Agency.objects.filter(pk=request.GET.get("agency")).first()
    status = request.GET.get("status") or None
    if status not in Status.values:
        status = None
    role = request.GET.get("role") or None
    rows = selectors.period_list(
        viewer=person,
        now=now,
        agency=agency,
        status=status,
        role=role if role in ("lead", "given") else None,
        date_from=date_from,
        date_to=date_to,
    )[:300]
    context = {
        "rows": rows,
        "agency": agency,
        "status": status,
        "role": role,
        "statuses": [(s.value, s.label) for s in STATUS_ORDER],
        "labels": dict(Status.choices),
        "may_urge": selectors.can_oversee(person) or _may_assign(person),
        "query": request.GET.urlencode(),
    }
    return render(request, "directives/list.html", context)


@login_required
def create_view(request):
    person = request.user
    if not _may_assign(person):
        raise Http404
    leaders = [
        p
        for p in Person.objects.filter(agency_id=person.agency_id, is_active=True)
        if p.has_role(Role.LEADER)
    ]
    agencies = Agency.objects.filter(on_installation=True, is_active=True).order_by("code")
    if request.method == "POST":
        form = TaskForm(request.POST)
        codes = request.POST.getlist("agencies")
        data = request.POST.copy()
        data["agencies"] = ",".join(codes)
        form = TaskForm(data)
        if form.is_valid():
            cleaned = form.cleaned_data
            leader = None
            if request.POST.get("assigned_by"):
                leader = Person.objects.filter(pk=request.POST["assigned_by"]).first()
            document = None
            if cleaned.get("document"):
                from qlvb.documents.models import Document

                document = Document.objects.filter(
                    pk=cleaned["document"], agency_id=person.agency_id
                ).first()
            try:
                tasks = services.task_create_for_agencies(
                    actor=person,
                    agency_codes=codes,
                    title=cleaned["title"],
                    content=cleaned["content"],
                    due_at=cleaned["due_at"],
                    document=document,
                    source_kind=cleaned["source_kind"] if document is None else "document",
                    source_text=cleaned["source_text"],
                    recurrence=cleaned["recurrence"] or "",
                    recurrence_until=cleaned["recurrence_until"],
                    priority=cleaned["priority"],
                    assigned_by=leader,
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("%(count)s tasks assigned.") % {"count": len(tasks)})
                if len(tasks) == 1:
                    return redirect("directives:detail", pk=tasks[0].pk)
                return redirect("directives:tracking")
    else:
        form = TaskForm(initial={"source_kind": "meeting", "priority": "normal"})
        codes = []
    return render(
        request,
        "directives/create.html",
        {
            "form": form,
            "agencies": agencies,
            "chosen": set(codes),
            "leaders": leaders,
            "is_leader": person.has_role(Role.LEADER),
        },
    )


@login_required
def detail_view(request, pk: int):
    person = request.user
    task = selectors.task_get(viewer=person, pk=pk)
    if task is None:
        raise Http404
    now = timezone.now()
    periods = list(task.periods.all())
    current = current_period(periods, now)
    for p in periods:
        p.status = period_status(p, now)
    is_lead = person.agency_id == task.lead_agency_id
    is_assigner = person.pk == task.assigned_by_id or (
        person.agency_id == task.assigning_agency_id and person.has_role(Role.LEADER)
    )
    cooperations = list(task.cooperations.select_related("agency"))
    context = {
        "task": task,
        "periods": periods,
        "current": current,
        "status": current.status if current else "",
        "labels": dict(Status.choices),
        "cooperations": cooperations,
        "progress": list(
            task.progress_reports.select_related("agency", "created_by").prefetch_related("files")
        ),
        "extensions": list(
            ExtensionRequest.objects.filter(period__task=task).select_related(
                "period", "requested_by", "decided_by"
            )
        ),
        "completions": list(
            Completion.objects.filter(period__task=task)
            .select_related("period", "completed_by", "decided_by")
            .prefetch_related("files")
        ),
        "urges": list(task.urges.select_related("urged_by")),
        "children": list(task.children.select_related("lead_department")),
        "is_lead": is_lead,
        "is_assigner": is_assigner,
        "may_report": is_lead or any(c.agency_id == person.agency_id for c in cooperations),
        "may_urge": selectors.can_oversee(person)
        or (person.agency_id == task.assigning_agency_id and _may_assign(person)),
        "is_lead_leader": is_lead and person.has_role(Role.LEADER),
        "departments": Department.objects.filter(agency_id=task.lead_agency_id, is_active=True),
        "pending_extension": Decision.PENDING,
        "pending_completion": CompletionDecision.PENDING,
    }
    return render(request, "directives/detail.html", context)


def _when(value: str):
    parsed = parse_datetime(value or "")
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _uploads(request) -> list[Upload]:
    return [Upload(stream=f, name=f.name) for f in request.FILES.getlist("files")]


@login_required
def file_view(request, file_id: int):
    """A file of a progress or completion report, for those who may see the task (audited)."""
    found = selectors.task_file_get(viewer=request.user, pk=file_id)
    if found is None:
        raise Http404
    return attachment_response(
        request,
        found,
        actor=request.user,
        inline=request.GET.get("inline") == "1",
        action="task_file",
        details={"task": found.task_id},
    )


@login_required
@require_POST
def action_view(request, pk: int, action: str):
    person = request.user
    task = selectors.task_get(viewer=person, pk=pk)
    if task is None:
        raise Http404
    post = request.POST
    try:
        if action == "receive":
            services.task_receive(actor=person, task=task)
        elif action == "assign":
            department = Department.objects.filter(pk=post.get("department") or 0).first()
            if department is None:
                raise Http404
            services.task_assign_inside(actor=person, task=task, department=department)
        elif action == "progress":
            services.task_report_progress(
                actor=person,
                task=task,
                text=post.get("text", ""),
                percent=int(post.get("percent") or 0),
                files=_uploads(request),
            )
        elif action == "extension":
            services.task_request_extension(
                actor=person,
                task=task,
                reason=post.get("reason", ""),
                new_due_at=_when(post.get("new_due_at")),
            )
        elif action == "decide-extension":
            extension = ExtensionRequest.objects.filter(
                pk=post.get("extension") or 0, period__task=task
            ).first()
            if extension is None:
                raise Http404
            services.extension_decide(
                actor=person,
                extension=extension,
                grant=post.get("decision") == "grant",
                note=post.get("note", ""),
            )
        elif action == "complete":
            services.task_complete(
                actor=person,
                task=task,
                result=post.get("result", ""),
                evidence=post.get("evidence", ""),
                files=_uploads(request),
            )
        elif action == "decide-completion":
            completion = Completion.objects.filter(
                pk=post.get("completion") or 0, period__task=task
            ).first()
            if completion is None:
                raise Http404
            services.completion_decide(
                actor=person,
                completion=completion,
                confirm=post.get("decision") == "confirm",
                note=post.get("note", ""),
            )
        elif action == "urge":
            services.task_urge(actor=person, task=task, text=post.get("text", ""))
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    except ValueError:
        messages.error(request, _("The percentage must be a whole number."))
    else:
        messages.success(request, _("Saved."))
    return redirect("directives:detail", pk=task.pk)


@login_required
@require_POST
def urge_agency_view(request, agency_id: int):
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise Http404
    try:
        urges = services.agency_urge_overdue(
            actor=request.user, agency=agency, text=request.POST.get("text", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Urged %(count)s overdue tasks of %(agency)s.")
            % {"count": len(urges), "agency": agency.name},
        )
    target = request.POST.get("next", "")
    # Back to the page the action came from, never elsewhere (no open redirect).
    return redirect(target if target.startswith("/nhiem-vu/") else "directives:tracking")


@login_required
def report_view(request):
    date_from, date_to = _dates(request)
    pdf = request.GET.get("format") == "pdf"
    with replica_reads():  # on the reports' replica when there is one
        content, name = (tasks_report_pdf if pdf else tasks_report_xlsx)(
            viewer=request.user, now=timezone.now(), date_from=date_from, date_to=date_to
        )
    response = HttpResponse(content, content_type=MEDIA["pdf" if pdf else "xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
