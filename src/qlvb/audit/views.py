from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.shortcuts import render

from qlvb.audit.selectors import audit_event_page
from qlvb.core.errors import DomainError, PermissionDenied


@login_required
def event_list(request):
    filters = {k: request.GET.get(k, "").strip() for k in ("action", "actor", "obj")}
    try:
        rows, next_cursor = audit_event_page(
            viewer=request.user, cursor=request.GET.get("cursor") or None, **filters
        )
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        rows, next_cursor = [], None
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "audit/list.html",
        {"rows": rows, "next_cursor": next_cursor, "filters": filters, "query": query.urlencode()},
    )
