"""Pages that span apps: the home dashboard, the administration index and the placeholders of
sections that later work fills in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views import defaults

from qlvb.agencies.models import Role
from qlvb.core.api import problem_response
from qlvb.web.context_processors import is_administrator

PLACEHOLDERS = {
    "incoming": (_("Incoming documents"), "bi-inbox"),
    "outgoing": (_("Outgoing documents"), "bi-send"),
    "exchange": (_("Interconnection"), "bi-arrow-left-right"),
    "tasks": (_("Tasks"), "bi-list-check"),
    "reports": (_("Reports"), "bi-bar-chart"),
    "search": (_("Search"), "bi-search"),
}


@login_required
def home(request):
    person = request.user
    labels = dict(Role.choices)
    roles = [labels.get(name, name) for name in sorted(person.role_names())]
    if person.is_superuser:
        roles.insert(0, _("System administrator"))
    return render(request, "web/home.html", {"roles": roles})


@login_required
def placeholder(request, section: str):
    title, icon = PLACEHOLDERS[section]
    return render(request, "web/placeholder.html", {"section_title": title, "section_icon": icon})


def _link(url_name: str, *args) -> str | None:
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:  # that part of the product is not built yet
        return None


@login_required
def admin_index(request):
    if not is_administrator(request.user):
        raise PermissionDenied
    links = [
        (
            _("Agency directory"),
            _("Agencies, departments, contacts"),
            "bi-buildings",
            _link("agencies:list"),
        ),
        (_("People"), _("Officials, positions and roles"), "bi-people", _link("agencies:people")),
        (
            _("Failed background jobs"),
            _("Errors and retry"),
            "bi-exclamation-triangle",
            _link("jobs:failed"),
        ),
        (_("Audit log"), _("Who did what, when"), "bi-journal-check", _link("audit:list")),
        (
            _("E-mails and SMS"),
            _("Failed or retrying"),
            "bi-envelope-exclamation",
            _link("notifications:messages"),
        ),
        (
            _("Agency notification defaults"),
            _("Leader on duty"),
            "bi-bell",
            _link("notifications:agency") if request.user.has_role("admin") else None,
        ),
    ]
    return render(request, "web/admin_index.html", {"links": links})


def not_found(request, exception=None):
    """handler404: a problem response under /api/, the Vietnamese page elsewhere."""
    if request.path.startswith("/api/"):
        return problem_response(
            request,
            status=404,
            title="Không tìm thấy",
            detail="Không có địa chỉ API này; xem /api/v1/docs.",
            code="not_found",
        )
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: same split; the page itself needs no request context."""
    if request.path.startswith("/api/"):
        return problem_response(
            request,
            status=500,
            title="Lỗi máy chủ",
            detail="Đã xảy ra lỗi không mong muốn; lỗi đã được ghi lại. Vui lòng thử lại sau.",
            code="server_error",
        )
    return defaults.server_error(request)
