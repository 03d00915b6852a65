"""Liên thông pages: outbox and inbox of packages with their states, the undeliverable
packages with a retry action for administrators. Thin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from qlvb.agencies.services import is_agency_admin
from qlvb.core.errors import DomainError
from qlvb.exchange import selectors, services
from qlvb.exchange.models import OutboxMessage


@login_required
@require_GET
def outbox(request):
    rows = selectors.outbox_for(request.user)[:200]
    return render(request, "exchange/outbox.html", {"rows": rows, "tab": "outbox"})


@login_required
@require_GET
def inbox_list(request):
    rows = selectors.inbox_for(request.user)[:200]
    spooled = selectors.spooled_for(request.user)[:200]
    return render(
        request, "exchange/inbox.html", {"rows": rows, "spooled": spooled, "tab": "inbox"}
    )


@login_required
@require_GET
def failed(request):
    if not is_agency_admin(request.user, request.user.agency_id):
        raise HttpForbidden
    rows = selectors.outbox_for(request.user, failed_only=True)[:500]
    return render(request, "exchange/failed.html", {"rows": rows, "tab": "failed"})


@login_required
@require_POST
def retry(request, pk: int):
    message = get_object_or_404(OutboxMessage, pk=pk, agency_id=request.user.agency_id)
    try:
        services.outbox_retry(actor=request.user, message=message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The package was queued again."))
    return redirect("exchange:failed")
