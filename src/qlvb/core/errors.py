"""Domain errors: raised by services, shown as a Vietnamese message on pages and as an
RFC 9457 problem response in the API. The message is for the person; `code` is for programs."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "invalid"
    title = "Yêu cầu không hợp lệ"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        errors: dict[str, list[str]] | list[dict] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        # Field errors ({"code": ["..."]}) or, for files, per-line errors ([{"line": 3, ...}]).
        self.errors = errors or {}


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"
    title = "Dữ liệu không hợp lệ"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    title = "Không có quyền"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = "Không tìm thấy"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Xung đột dữ liệu"
