"""Pages: the bell (an htmx fragment polled by the header), the notifications page, mark read,
preferences (own; the agency's defaults and duty leader for its administrator), and the
administrators' list of e-mails and SMS with their state. Thin."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qlvb.agencies.models import Person, Role
from qlvb.core.errors import DomainError
from qlvb.jobs.models import WorkState
from qlvb.notifications import selectors, services
from qlvb.notifications.models import Channel, Event
from qlvb.notifications.preferences import CONFIGURABLE


@login_required
@require_GET
def bell(request):
    count = selectors.unread_count(viewer=request.user)
    latest = list(selectors.notifications_for(viewer=request.user, unread_only=True)[:5])
    return render(request, "notifications/bell.html", {"unread": count, "latest": latest})


@login_required
@require_GET
def list_view(request):
    unread_only = request.GET.get("chua-doc") == "1"
    qs = selectors.notifications_for(viewer=request.user, unread_only=unread_only)
    page = Paginator(qs, 30).get_page(request.GET.get("trang"))
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "unread_only": unread_only,
            "unread": selectors.unread_count(viewer=request.user),
        },
    )


@login_required
@require_POST
def open_view(request, pk: int):
    """Mark read and go to what it is about."""
    try:
        notification = services.notification_mark_read(actor=request.user, pk=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("notifications:list")
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def read_all_view(request):
    count = services.notification_mark_all_read(actor=request.user)
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return redirect("notifications:list")


def _matrix_from(post) -> dict[str, bool]:
    return {f"{e}:{c}": post.get(f"{e}:{c}") == "on" for e in Event.values for c in CONFIGURABLE}


def _time(value: str):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        return "invalid"


@login_required
@require_http_methods(["GET", "POST"])
def preferences_view(request):
    user = request.user
    error = None
    if request.method == "POST":
        start, end = _time(request.POST.get("quiet_start")), _time(request.POST.get("quiet_end"))
        try:
            if "invalid" in (start, end):
                from qlvb.core.errors import ValidationFailed

                raise ValidationFailed(
                    "Giờ không hợp lệ (HH:MM).", errors={"quiet_start": ["HH:MM"]}
                )
            services.preferences_update(
                actor=user, matrix=_matrix_from(request.POST), quiet_start=start, quiet_end=end
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Your notification settings were saved."))
            return redirect("notifications:preferences")
    quiet = getattr(user, "quiet_hours", None) if hasattr(user, "quiet_hours") else None
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": _rows(selectors.preference_matrix(viewer=user)),
            "channels": [(c, Channel(c).label) for c in CONFIGURABLE],
            "quiet": quiet,
            "error": error,
            "is_agency_admin": user.has_role(Role.ADMIN) and user.agency_id,
        },
    )


def _rows(matrix):
    return [
        {
            "event": e,
            "label": Event(e).label,
            "cells": [(f"{e}:{c}", matrix[f"{e}:{c}"]) for c in CONFIGURABLE],
        }
        for e in Event.values
    ]


@login_required
@require_http_methods(["GET", "POST"])
def agency_view(request):
    user = request.user
    if not (user.has_role(Role.ADMIN) and user.agency_id):
        raise HttpForbidden
    agency = user.agency
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("form") == "duty":
                day = dt.date.fromisoformat(
                    request.POST.get("day") or timezone.localdate().isoformat()
                )
                pk = request.POST.get("person")
                person = Person.objects.filter(pk=pk, agency=agency).first() if pk else None
                services.duty_leader_set(actor=user, agency=agency, day=day, person=person)
            else:
                services.agency_defaults_update(
                    actor=user, agency=agency, matrix=_matrix_from(request.POST)
                )
        except (DomainError, ValueError) as exc:
            error = getattr(exc, "message", _("Invalid date."))
        else:
            messages.success(request, _("Saved."))
            return redirect("notifications:agency")
    from qlvb.notifications.models import DutyLeader
    from qlvb.notifications.people import with_role

    return render(
        request,
        "notifications/agency.html",
        {
            "agency": agency,
            "rows": _rows(selectors.agency_matrix(agency=agency)),
            "channels": [(c, Channel(c).label) for c in CONFIGURABLE],
            "leaders": with_role(agency.pk, Role.LEADER),
            "duty": DutyLeader.objects.filter(
                agency=agency, day__gte=timezone.localdate()
            ).select_related("person")[:30],
            "today": timezone.localdate(),
            "error": error,
        },
    )


@login_required
@require_GET
def messages_view(request):
    if not selectors.can_see_messages(request.user):
        raise HttpForbidden
    state = request.GET.get("trang-thai", "attention")
    qs = selectors.messages_for_admin(viewer=request.user, state=state or None)
    page = Paginator(qs, 50).get_page(request.GET.get("trang"))
    return render(
        request,
        "notifications/messages.html",
        {"page": page, "state": state, "states": WorkState.choices},
    )
