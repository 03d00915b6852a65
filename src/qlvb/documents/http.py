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
