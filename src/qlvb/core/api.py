"""RFC 9457 problem details for the HTTP API.

Every error the API returns is `application/problem+json`:

    {"type": "urn:qlvb:problem:validation_failed", "title": "Dữ liệu không hợp lệ",
     "status": 422, "detail": "...", "instance": "/api/v1/agencies", "code": "validation_failed",
     "errors": {"code": ["..."]}}

`type` is a URN (stable, not a page to fetch); `code` repeats its last part for programs that
prefer a short key; `errors` carries field errors ({field: [messages]}) or, for files, line errors
([{"line": n, "message": ...}]). Messages are in Vietnamese: they are shown to people.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from qlvb.core.errors import DomainError

logger = logging.getLogger("qlvb.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:qlvb:problem:"

# Vietnamese wording for the pydantic error types people actually meet.
_PYDANTIC_MESSAGES = {
    "missing": "Trường này là bắt buộc.",
    "string_type": "Phải là một chuỗi ký tự.",
    "string_too_short": "Phải có ít nhất {min_length} ký tự.",
    "string_too_long": "Không được dài quá {max_length} ký tự.",
    "string_pattern_mismatch": "Không đúng định dạng.",
    "int_type": "Phải là số nguyên.",
    "int_parsing": "Phải là số nguyên.",
    "bool_type": "Phải là true hoặc false.",
    "bool_parsing": "Phải là true hoặc false.",
    "greater_than": "Phải lớn hơn {gt}.",
    "greater_than_equal": "Phải lớn hơn hoặc bằng {ge}.",
    "less_than": "Phải nhỏ hơn {lt}.",
    "less_than_equal": "Phải nhỏ hơn hoặc bằng {le}.",
    "enum": "Giá trị phải là một trong: {expected}.",
    "literal_error": "Giá trị phải là một trong: {expected}.",
    "json_invalid": "Nội dung JSON không hợp lệ.",
    "model_attributes_type": "Nội dung phải là một đối tượng JSON.",
    "dict_type": "Nội dung phải là một đối tượng JSON.",
    "list_type": "Phải là một danh sách.",
    "extra_forbidden": "Trường không được hỗ trợ.",
    "value_error": "{msg}",
}


_HTTP_TITLES = {
    400: ("Yêu cầu không hợp lệ", "bad_request"),
    405: ("Phương thức không được hỗ trợ", "method_not_allowed"),
    413: ("Nội dung quá lớn", "payload_too_large"),
    429: ("Quá nhiều yêu cầu", "too_many_requests"),
}
# ninja's own English messages, as people should read them.
_HTTP_DETAILS = {
    "Cannot parse request body": "Không đọc được nội dung yêu cầu (JSON không hợp lệ).",
    "Too many requests.": "Quá nhiều yêu cầu; vui lòng thử lại sau.",
}


def problem_response(
    request: HttpRequest,
    *,
    status: int,
    title: str,
    detail: str = "",
    code: str = "",
    errors: dict | list | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    code = code or f"http_{status}"
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.get_full_path(),
        "code": code,
    }
    if errors:
        body["errors"] = errors
    response = JsonResponse(
        body,
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_name(loc: list | tuple) -> str:
    """ninja locations look like ("body", "payload", "code") or ("query", "limit"); a person
    wants "code" and "limit". Nested and list positions stay dotted ("members.2")."""
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts and parts[0] in {"query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def _pydantic_message(error: dict) -> str:
    template = _PYDANTIC_MESSAGES.get(error.get("type", ""))
    if template is None:
        return str(error.get("msg", "Giá trị không hợp lệ."))
    ctx = {**(error.get("ctx") or {}), "msg": error.get("msg", "")}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return str(error.get("msg", "Giá trị không hợp lệ."))


def validation_errors(errors: list[dict]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for error in errors:
        result.setdefault(_field_name(error.get("loc", ())), []).append(_pydantic_message(error))
    return result


def install_problem_handlers(api: NinjaAPI) -> None:
    """Replace ninja's default error bodies with problem details."""

    def on_validation(request, exc: ValidationError):
        return problem_response(
            request,
            status=422,
            title="Dữ liệu không hợp lệ",
            detail="Yêu cầu có dữ liệu không hợp lệ; xem chi tiết trong errors.",
            code="validation_failed",
            errors=validation_errors(exc.errors),
        )

    def on_domain(request, exc: DomainError):
        return problem_response(
            request,
            status=exc.status,
            title=exc.title,
            detail=exc.message,
            code=exc.code,
            errors=exc.errors,
        )

    def on_authentication(request, exc: AuthenticationError):
        return problem_response(
            request,
            status=401,
            title="Chưa xác thực",
            detail="Cần đăng nhập hoặc gửi mã truy cập API (Authorization: Bearer ...).",
            code="unauthenticated",
            headers={"WWW-Authenticate": 'Bearer realm="qlvb"'},
        )

    def on_forbidden(request, exc: Exception):
        detail = str(exc) if isinstance(exc, AuthorizationError) and str(exc) != "Forbidden" else ""
        return problem_response(
            request,
            status=403,
            title="Không có quyền",
            detail=detail or "Bạn không có quyền thực hiện thao tác này.",
            code="forbidden",
        )

    def on_not_found(request, exc: Http404):
        return problem_response(
            request,
            status=404,
            title="Không tìm thấy",
            detail="Không tìm thấy tài nguyên được yêu cầu.",
            code="not_found",
        )

    def on_http_error(request, exc: HttpError):
        title, code = _HTTP_TITLES.get(exc.status_code, ("Lỗi", f"http_{exc.status_code}"))
        detail = _HTTP_DETAILS.get(str(exc), str(exc))
        return problem_response(
            request, status=exc.status_code, title=title, detail=detail, code=code
        )

    def on_unexpected(request, exc: Exception):
        # Logged with the traceback for the operator; the client learns nothing internal.
        logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
        return problem_response(
            request,
            status=500,
            title="Lỗi máy chủ",
            detail="Đã xảy ra lỗi không mong muốn; lỗi đã được ghi lại. Vui lòng thử lại sau.",
            code="server_error",
        )

    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(DomainError, on_domain)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(AuthorizationError, on_forbidden)
    api.add_exception_handler(DjangoPermissionDenied, on_forbidden)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Exception, on_unexpected)
