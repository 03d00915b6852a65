"""Directory pages (danh bạ): agencies and people, search as you type, administrators' forms.

Thin: reads through selectors, changes through services; a service's ValidationFailed is shown
next to the form field and nothing is saved (each service is one transaction)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qlvb.agencies import selectors, services
from qlvb.agencies.forms import AgencyForm, RoleForm, add_domain_errors, mark_invalid
from qlvb.agencies.models import AgencyLevel, Role
from qlvb.core.errors import NotFound, PermissionDenied, ValidationFailed
from qlvb.core.paging import keyset_page

PAGE_SIZE = 50


def _vary(response):
    patch_vary_headers(response, ["HX-Request"])
    return response


def _is_htmx(request) -> bool:
    """A partial for htmx swaps; a history restore (back button) needs the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


@login_required
def agency_list_view(request):
    query = request.GET.get("q", "").strip()[:200]
    level = request.GET.get("level", "")
    if level not in AgencyLevel.values:
        level = ""
    cursor = request.GET.get("cursor") or None
    qs = selectors.agency_list(viewer=request.user, query=query, level=level or None)
    try:
        rows, next_cursor = keyset_page(
            qs.select_related("parent"),
            keys=("search_text", "code"),
            cursor=cursor,
            limit=PAGE_SIZE,
        )
    except ValidationFailed:  # a stale or hand-edited cursor: start again from the top
        rows, next_cursor = keyset_page(
            qs.select_related("parent"), keys=("search_text", "code"), cursor=None, limit=PAGE_SIZE
        )
        cursor = None
    context = {
        "agencies": rows,
        "next_cursor": next_cursor,
        "query": query,
        "level": level,
        "levels": AgencyLevel.choices,
        "is_next_page": bool(cursor),
        "can_create": services.is_installation_admin(request.user),
    }
    if _is_htmx(request):
        # Later pages only append rows; a new search replaces the whole result block.
        template = (
            "agencies/partials/agency_rows.html"
            if cursor
            else "agencies/partials/agency_results.html"
        )
        return _vary(render(request, template, context))
    return _vary(render(request, "agencies/agency_list.html", context))


@login_required
def agency_detail_view(request, code: str):
    agency = selectors.agency_get(viewer=request.user, code=code)
    can_see_people = selectors.can_view_people_of(request.user, agency.pk)
    people = (
        list(selectors.person_list(viewer=request.user, agency=agency)[:200])
        if can_see_people
        else []
    )
    context = {
        "agency": agency,
        "ancestors": selectors.agency_ancestors(agency=agency),
        "children": list(selectors.agency_children(agency=agency)[:200]),
        "children_count": selectors.agency_children(agency=agency).count(),
        "departments": selectors.department_tree(agency=agency),
        "can_see_people": can_see_people,
        "people": people,
        "can_edit": services.is_agency_admin(request.user, agency.pk),
    }
    return render(request, "agencies/agency_detail.html", context)


@login_required
def agency_create_view(request):
    if not services.is_installation_admin(request.user):
        raise PermissionDenied(_("Only the system administrator may add agencies."))
    form = AgencyForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_create(actor=request.user, data=form.service_data())
        except ValidationFailed as exc:
            add_domain_errors(form, exc, {"parent": "parent_code"})
        else:
            messages.success(request, _("Agency %(name)s was added.") % {"name": agency.name})
            return redirect("agencies:detail", code=agency.code)
    return render(
        request, "agencies/agency_form.html", {"form": mark_invalid(form), "agency": None}
    )


@login_required
def agency_edit_view(request, code: str):
    agency = selectors.agency_get(viewer=request.user, code=code)
    if not services.is_agency_admin(request.user, agency.pk):
        raise PermissionDenied(
            _("You may not change the details of %(name)s.") % {"name": agency.name}
        )
    contact_only = not services.is_installation_admin(request.user)
    initial = {
        name: getattr(agency, name)
        for name in AgencyForm.base_fields
        if name != "parent_code" and hasattr(agency, name)
    }
    initial["parent_code"] = agency.parent.code if agency.parent_id else ""
    form = AgencyForm(request.POST or None, initial=initial, contact_only=contact_only)
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_update(actor=request.user, agency=agency, data=form.service_data())
        except ValidationFailed as exc:
            add_domain_errors(form, exc, {"parent": "parent_code"})
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("agencies:detail", code=form.cleaned_data.get("code") or agency.code)
    return render(
        request,
        "agencies/agency_form.html",
        {"form": mark_invalid(form), "agency": agency, "contact_only": contact_only},
    )


@login_required
def person_list_view(request):
    query = request.GET.get("q", "").strip()[:200]
    cursor = request.GET.get("cursor") or None
    qs = selectors.person_list(viewer=request.user, query=query)
    try:
        rows, next_cursor = keyset_page(
            qs, keys=("search_text", "id"), cursor=cursor, limit=PAGE_SIZE
        )
    except ValidationFailed:
        rows, next_cursor = keyset_page(
            qs, keys=("search_text", "id"), cursor=None, limit=PAGE_SIZE
        )
        cursor = None
    context = {
        "people": rows,
        "next_cursor": next_cursor,
        "query": query,
        "role_labels": dict(Role.choices),
    }
    if _is_htmx(request):
        template = (
            "agencies/partials/person_rows.html"
            if cursor
            else "agencies/partials/person_results.html"
        )
        return _vary(render(request, template, context))
    return _vary(render(request, "agencies/person_list.html", context))


def _person_context(request, person, form=None):
    labels = dict(Role.choices)
    roles = [
        {"role": r.role, "label": labels.get(r.role, r.role), "agency": r.agency}
        for r in person.roles.select_related("agency").order_by("agency__code", "role")
    ]
    can_manage = services.is_agency_admin(request.user, person.agency_id)
    return {
        "person": person,
        "roles": roles,
        "can_manage": can_manage,
        "form": mark_invalid(form) if form is not None else RoleForm(),
    }


@login_required
def person_detail_view(request, pk: int):
    person = selectors.person_get(viewer=request.user, pk=pk)
    return render(request, "agencies/person_detail.html", _person_context(request, person))


@login_required
@require_POST
def role_grant_view(request, pk: int):
    person = selectors.person_get(viewer=request.user, pk=pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        code = form.cleaned_data["agency_code"].strip()
        try:
            if code:
                try:
                    agency = selectors.agency_get(viewer=request.user, code=code)
                except NotFound as exc:
                    raise ValidationFailed(
                        exc.message, errors={"agency_code": [exc.message]}
                    ) from None
            else:
                agency = person.agency
            services.role_grant(
                actor=request.user, person=person, agency=agency, role=form.cleaned_data["role"]
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc, {"agency": "agency_code"})
        else:
            messages.success(
                request,
                _("Role %(role)s was granted.")
                % {"role": dict(Role.choices)[form.cleaned_data["role"]]},
            )
            return redirect("agencies:person", pk=person.pk)
    return render(request, "agencies/person_detail.html", _person_context(request, person, form))


@login_required
@require_POST
def role_revoke_view(request, pk: int):
    person = selectors.person_get(viewer=request.user, pk=pk)
    role = request.POST.get("role", "")
    code = request.POST.get("agency_code", "")
    agency = selectors.agency_get(viewer=request.user, code=code) if code else person.agency
    try:
        services.role_revoke(actor=request.user, person=person, agency=agency, role=role)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Role %(role)s was revoked.") % {"role": dict(Role.choices).get(role, role)}
        )
    return redirect("agencies:person", pk=person.pk)
