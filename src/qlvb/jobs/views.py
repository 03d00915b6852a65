"""Quản trị › Tác vụ nền: failed and stuck background work, with a retry action. Thin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from qlvb.core.errors import DomainError
from qlvb.jobs import selectors, services


@login_required
@require_GET
def failed_list(request):
    if not selectors.can_manage_work(request.user):
        raise HttpForbidden
    include_stuck = request.GET.get("stuck", "1") != "0"
    rows = selectors.work_item_attention_list(viewer=request.user, include_stuck=include_stuck)
    counts = selectors.work_state_counts(viewer=request.user)
    return render(
        request,
        "jobs/failed_list.html",
        {"rows": rows, "counts": counts, "include_stuck": include_stuck},
    )


@login_required
@require_POST
def retry(request, label: str, pk: int):
    if not selectors.can_manage_work(request.user):
        raise HttpForbidden
    try:
        item = services.work_item_retry(actor=request.user, label=label, pk=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The job %(name)s was queued again.") % {"name": f"{label} #{item.pk}"}
        )
    return redirect("jobs:failed")
