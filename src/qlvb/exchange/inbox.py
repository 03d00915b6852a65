"""`POST /api/v1/exchange/inbox`: where peers (another qlvb, OMS) post edXML. The peer shows
the bearer token the administrator issued to it; the body is streamed to a file in the spool
(never read whole), checked and kept there for the workers to register. Answers: 202 once it
is on disk, 401 without a valid token, 413 past the size cap, 422 problem (status 02 queued
for the sender) when refused."""

from __future__ import annotations

import hashlib
import os
import tempfile

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from qlvb.core.api import problem_response
from qlvb.core.errors import DomainError
from qlvb.exchange.edxml.parser import Limits
from qlvb.exchange.models import Peer


def peer_of(request: HttpRequest) -> Peer | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or len(header) < 20:
        return None
    digest = hashlib.sha256(header[7:].strip().encode()).hexdigest()
    return Peer.objects.filter(inbound_token_sha256=digest, is_active=True).first()


@csrf_exempt
@require_POST
def inbox(request: HttpRequest):
    from qlvb.exchange.services import accept, spool_dir

    peer = peer_of(request)
    if peer is None:
        return problem_response(
            request,
            status=401,
            title="Chưa xác thực",
            detail="Hệ thống gửi chưa được cấp quyền gửi gói tin tới hệ thống này.",
            code="exchange_unauthorized",
            headers={"WWW-Authenticate": "Bearer"},
        )
    limit = Limits().max_bytes
    handle, path = tempfile.mkstemp(prefix="edxml-in-", suffix=".xml", dir=spool_dir())
    result: dict = {}
    try:
        size = 0
        with os.fdopen(handle, "wb") as out:
            while chunk := request.read(256 * 1024):
                size += len(chunk)
                if size > limit:
                    return problem_response(
                        request,
                        status=413,
                        title="Nội dung quá lớn",
                        detail=f"Gói tin vượt quá {limit // (1024 * 1024)} MB.",
                        code="edxml_too_large",
                    )
                out.write(chunk)
        try:
            result = accept(path=path, peer=peer)
        except DomainError as exc:
            return problem_response(
                request,
                status=422,
                title=exc.title,
                detail=exc.message,
                code=exc.code,
                errors=exc.errors or None,
            )
        return JsonResponse(result, status=202, json_dumps_params={"ensure_ascii": False})
    finally:
        # Once spooled the file belongs to the workers; anything else is not kept.
        if result.get("state") != "received" and os.path.exists(path):
            os.unlink(path)
