"""Streaming file responses with HTTP Range (RFC 9110 §14): a browser's PDF viewer and a
resumed download of a 500 MB scan read only the bytes they ask for."""

from __future__ import annotations

import re
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from qlvb.documents import storage
from qlvb.documents.models import Blob

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def blob_response(
    request: HttpRequest, blob: Blob, *, filename: str, content_type: str, inline: bool = False
) -> HttpResponse:
    size = blob.size
    start, end, status = 0, size - 1, 200
    header = request.headers.get("Range", "")
    if header:
        match = _RANGE.match(header.strip())
        if match is None or (not match.group(1) and not match.group(2)):
            return _unsatisfiable(size)
        first, last = match.group(1), match.group(2)
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:  # suffix range: the last N bytes
            start = max(size - int(last), 0)
        if start >= size or start > end:
            return _unsatisfiable(size)
        status = 206
    response = StreamingHttpResponse(
        storage.open_verified(blob, start=start, end=end), status=status, content_type=content_type
    )
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = f'"{blob.sha256}"'
    response["Cache-Control"] = "private, no-store"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    disposition = "inline" if inline else "attachment"
    ascii_name = filename.encode("ascii", "ignore").decode() or "tep"
    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response


def attachment_response(
    request: HttpRequest,
    attachment,
    *,
    actor,
    inline: bool = False,
    action: str = "attachment",
    details: dict | None = None,
):
    """Serve an attachment (or any row with blob, original_name and content_type: a task
    report's file) the caller has already found through a scoped selector. Audited once per
    view or download, not for every range a PDF viewer asks for."""
    from qlvb.audit.services import audit_record

    range_header = request.headers.get("Range", "")
    if not range_header or range_header.startswith("bytes=0-"):
        audit_record(
            actor=actor,
            action=f"{action}.view" if inline else f"{action}.download",
            obj=attachment,
            details=details if details is not None else {"document": attachment.document_id},
        )
    return blob_response(
        request,
        attachment.blob,
        filename=attachment.original_name,
        content_type=attachment.content_type,
        inline=inline,
    )


def domain_error_text(exc) -> str:
    """A DomainError as one line for a page's message: the message and every field's reason."""
    errors = exc.errors
    if isinstance(errors, dict):
        reasons = [m for msgs in errors.values() for m in msgs]
    else:
        reasons = [e.get("message", "") for e in errors or []]
    return " ".join([exc.message, *reasons])


def register_book_page(request: HttpRequest, *, make, default_kind: str, template: str, **extra):
    """The register-book print page (sổ đăng ký văn bản đến / đi): the period form, and the PDF
    or XLSX when `format` is asked. `make` is the app's selector (incoming_register_book or
    outgoing_register_book), which checks what the person may print."""
    import datetime as dt

    from django.contrib import messages
    from django.shortcuts import render
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from qlvb.core.errors import DomainError

    today = timezone.localdate()
    if "format" in request.GET:
        try:
            date_from = dt.date.fromisoformat(request.GET.get("date_from", ""))
            date_to = dt.date.fromisoformat(request.GET.get("date_to", ""))
            content, name, media = make(
                viewer=request.user,
                date_from=date_from,
                date_to=date_to,
                fmt=request.GET.get("format", "pdf"),
                kind=request.GET.get("kind", default_kind),
            )
        except ValueError:
            messages.error(request, _("Enter both dates."))
        except DomainError as exc:
            messages.error(request, domain_error_text(exc))
        else:
            response = HttpResponse(content, content_type=media)
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    context = {
        "date_from": request.GET.get("date_from") or f"{today.year}-01-01",
        "date_to": request.GET.get("date_to") or today.isoformat(),
        **extra,
    }
    return render(request, template, context)
