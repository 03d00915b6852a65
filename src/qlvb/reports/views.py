"""Pages of the reports: thin; the figures and the lists come from selectors, changes from
services."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from qlvb.agencies.models import Agency
from qlvb.agencies.services import is_installation_admin
from qlvb.core.errors import DomainError, PermissionDenied
from qlvb.reports import services
from qlvb.reports.charts import chart_for
from qlvb.reports.exports import CONTENT_TYPES, FORMATS
from qlvb.reports.exports import render as render_file
from qlvb.reports.models import ImportKind, RegisterImport
from qlvb.reports.selectors import (
    REPORTS,
    figures,
    get_report,
    params_for,
    report_rows,
    sees_every_agency,
)

ADMIN_ONLY = "Chỉ quản trị hệ thống mới được nhập sổ văn bản cũ."


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


def _params(request):
    return params_for(
        viewer=request.user,
        agency_code=request.GET.get("agency") or None,
        start=_date(request.GET.get("from")),
        end=_date(request.GET.get("to")),
    )


def _query(p) -> str:
    return f"agency={p.agency.code}&from={p.start:%Y-%m-%d}&to={p.end:%Y-%m-%d}"


def _error(request, exc: DomainError, status: int | None = None):
    return render(
        request, "reports/error.html", {"message": exc.message}, status=status or exc.status
    )


@login_required
def index_view(request):
    return render(
        request,
        "reports/index.html",
        {"reports": REPORTS.values(), "may_import": is_installation_admin(request.user)},
    )


@login_required
def report_view(request, name):
    try:
        report, p, rows = report_rows(
            viewer=request.user,
            name=name,
            agency_code=request.GET.get("agency") or None,
            start=_date(request.GET.get("from")),
            end=_date(request.GET.get("to")),
        )
    except DomainError as exc:
        return _error(request, exc)
    table = []
    for row in rows:
        key = str(row.get(report.key_column, "")) if report.key_column else ""
        table.append(
            [
                {"value": row.get(c.name), "drill": c.drill, "column": c.name, "key": key}
                for c in report.columns
            ]
        )
    agencies = (
        Agency.objects.filter(is_active=True).order_by("code").only("code", "name")
        if sees_every_agency(request.user)
        else None
    )
    return render(
        request,
        "reports/report.html",
        {
            "report": report,
            "p": p,
            "table": table,
            "query": _query(p),
            "chart": mark_safe(chart_for(report.name, rows)),  # noqa: S308 - every text in it is escaped
            "agencies": agencies,
            "formats": FORMATS,
            "may_draft": name in ("exchange-summary", "exchange-by-agency")
            and request.user.agency_id == p.agency.pk,
        },
    )


@login_required
def cell_view(request, name):
    try:
        report = get_report(name)
        p = _params(request)
        key, column = request.GET.get("key", ""), request.GET.get("column", "")
        if name == "tasks":
            items = report.periods(p, key, column).order_by("effective_due_at", "pk")
        else:
            items = report.documents(p, key, column)
    except DomainError as exc:
        return _error(request, exc)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    label = next((c.label for c in report.columns if c.name == column), column)
    return render(
        request,
        "reports/cell.html",
        {
            "report": report,
            "p": p,
            "page": page,
            "label": label,
            "key": key,
            "column": column,
            "query": _query(p),
            "tasks": name == "tasks",
        },
    )


@login_required
def download_view(request, name, fmt):
    try:
        report = get_report(name)
        if fmt not in FORMATS:
            raise DomainError("Định dạng không hỗ trợ.")
        p = _params(request)
        data = render_file(report, p, figures(report, p), fmt)
    except DomainError as exc:
        return _error(request, exc)
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    filename = f"{name}-{p.agency.code}-{p.start:%Y%m%d}-{p.end:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def draft_view(request, name):
    try:
        report = get_report(name)
        p = _params(request)
        outgoing = services.report_to_draft(
            actor=request.user, report=report, p=p, rows=figures(report, p)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{request.path.rsplit('du-thao/', 1)[0]}?{request.GET.urlencode()}")
    messages.success(request, "Đã tạo dự thảo văn bản đi từ báo cáo.")
    return redirect("outgoing:detail", outgoing.pk)


@login_required
def import_view(request):
    if not is_installation_admin(request.user):
        return _error(
            request, PermissionDenied("Chỉ quản trị hệ thống mới được nhập sổ văn bản cũ.")
        )
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            item = services.register_import_submit(
                actor=request.user,
                kind=request.POST.get("kind", ""),
                filename=upload.name if upload else "",
                content=upload.read() if upload else b"",
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("reports:import_status", item.pk)
    return render(
        request,
        "reports/import.html",
        {"kinds": ImportKind.choices, "imports": RegisterImport.objects.defer("content")[:20]},
    )


@login_required
def import_status_view(request, pk):
    if not is_installation_admin(request.user):
        return _error(
            request, PermissionDenied("Chỉ quản trị hệ thống mới được nhập sổ văn bản cũ.")
        )
    item = get_object_or_404(RegisterImport.objects.defer("content"), pk=pk)
    template = (
        "reports/_import_progress.html"
        if request.headers.get("HX-Request")
        else ("reports/import_status.html")
    )
    return render(request, template, {"item": item})
