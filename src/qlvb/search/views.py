"""Tìm kiếm: the search page, the export of results, saved searches, a document's text state.
Thin: parse the form, call the selectors and services, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qlvb.core.errors import DomainError
from qlvb.search import selectors, services
from qlvb.search.exports import chosen_columns
from qlvb.search.forms import SearchForm
from qlvb.search.models import SavedSearch
from qlvb.search.query import QueryError

PAGE_SIZE = 50
EXPORT_LIMIT = 5000


def result_url(entry) -> str:
    document = entry.document
    incoming = getattr(document, "incoming", None)
    if entry.direction == "incoming" and incoming is not None:
        return reverse("incoming:detail", args=[incoming.pk])
    outgoing = getattr(document, "outgoing", None)
    if entry.direction == "outgoing" and outgoing is not None:
        return reverse("outgoing:detail", args=[outgoing.pk])
    return ""


def _params(form) -> dict:
    params = {k: v for k, v in form.data.items() if k in services.SAVED_PARAMS and v}
    if hasattr(form.data, "getlist") and form.data.getlist("cols"):
        params["cols"] = form.data.getlist("cols")
    return params


@login_required
def index(request):
    form = SearchForm(request.GET or None)
    rows, total, more, stopped, error = [], None, False, False, ""
    page = 1
    searched = bool(request.GET)
    if searched:
        if form.is_valid():
            page = form.cleaned_data.get("page") or 1
            try:
                found = selectors.search_page(
                    viewer=request.user,
                    q=form.cleaned_data["q"],
                    filters=form.filters(),
                    sort=form.cleaned_data.get("sort") or "relevance",
                    page=page,
                    size=PAGE_SIZE,
                )
                rows, total, more, stopped = found.rows, found.total, found.more, found.stopped
            except QueryError as exc:
                error = exc.message
        else:
            error = _("Please correct the search conditions.")
    params = _params(form) if searched else {}
    states = selectors.text_states_for([e.document_id for e in rows])
    chosen = form.cleaned_data.get("cols") if searched and form.is_valid() else None
    columns = chosen_columns(chosen)
    results = [
        {
            "entry": e,
            "url": result_url(e),
            "text_state": states.get(e.document_id, "none"),
            "cells": [(c.key, c.value(e)) for c in columns],
        }
        for e in rows
    ]
    context = {
        "form": form,
        "results": results,
        "total": total,
        "more": more,
        "stopped": stopped,
        "error": error,
        "page": page,
        "has_next": total is not None and (more or page * PAGE_SIZE < total),
        "next_query": urlencode({**params, "page": page + 1}, doseq=True),
        "prev_query": urlencode({**params, "page": page - 1}, doseq=True),
        "export_query": urlencode(params, doseq=True),
        "columns": columns,
        "saved": SavedSearch.objects.filter(owner=request.user),
        "params": params,
    }
    if request.headers.get("HX-Request"):
        return render(request, "search/_results.html", context)
    return render(request, "search/index.html", context)


@login_required
def export(request, fmt: str = "xlsx"):
    """Kết quả tìm kiếm as XLSX, DOCX or PDF, with the chosen columns (the first EXPORT_LIMIT
    rows, in the page's order, among what the person may see)."""
    from qlvb.search import exports

    if fmt not in exports.FORMATS:
        raise Http404
    form = SearchForm(request.GET)
    if not form.is_valid():
        raise QueryError("Điều kiện tìm kiếm không hợp lệ.")
    qs = selectors.search(
        viewer=request.user,
        q=form.cleaned_data["q"],
        filters=form.filters(),
        sort=form.cleaned_data.get("sort") or "relevance",
    )
    data, content_type, filename = exports.export(
        qs[:EXPORT_LIMIT],
        fmt=fmt,
        column_keys=form.cleaned_data.get("cols"),
        q=form.cleaned_data["q"],
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def save(request):
    form = SearchForm(request.POST)
    form.is_valid()
    try:
        services.saved_search_create(
            actor=request.user, name=request.POST.get("name", ""), params=_params(form)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The search was saved."))
    return redirect(reverse("search:index") + "?" + urlencode(_params(form), doseq=True))


@login_required
@require_POST
def delete(request, pk: int):
    services.saved_search_delete(actor=request.user, pk=pk)
    messages.success(request, _("The saved search was deleted."))
    return redirect("search:index")


@login_required
def rerun(request, pk: int):
    saved = SavedSearch.objects.filter(owner=request.user, pk=pk).first()
    if saved is None:
        raise Http404
    return redirect(reverse("search:index") + "?" + urlencode(saved.params, doseq=True))


@login_required
def text_state(request, document_id: int):
    """Lấy chữ từ tệp: whether each file's text is indexed, pending or failed."""
    entry = selectors.entry_visible_get(viewer=request.user, document_id=document_id)
    if entry is None:
        raise Http404
    return render(
        request,
        "search/text_state.html",
        {
            "entry": entry,
            "url": result_url(entry),
            "extractions": selectors.extraction_states(document_id=document_id),
            "overall": selectors.document_text_state(document_id=document_id),
        },
    )


@login_required
def searchable_pdf(request, document_id: int, extraction_id: int):
    """Bản PDF tìm được chữ: the OCR'd copy of a scan, for those who may see the document."""
    from qlvb.documents.http import blob_response
    from qlvb.search.models import TextExtraction

    entry = selectors.entry_visible_get(viewer=request.user, document_id=document_id)
    extraction = (
        TextExtraction.objects.select_related("attachment", "searchable_pdf")
        .filter(pk=extraction_id, document_id_value=document_id, searchable_pdf__isnull=False)
        .first()
    )
    if entry is None or extraction is None:
        raise Http404
    from qlvb.audit.services import audit_record

    audit_record(
        actor=request.user,
        action="attachment.download_searchable",
        obj=extraction.attachment,
        details={"document": document_id},
    )
    stem = extraction.attachment.original_name.rsplit(".", 1)[0]
    return blob_response(
        request,
        extraction.searchable_pdf,
        filename=f"{stem}-ocr.pdf",
        content_type="application/pdf",
    )
