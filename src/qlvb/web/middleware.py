"""Domain errors that escape a page view become a Vietnamese error page with the right status
(the API turns the same errors into problem responses, see qlvb.core.api)."""

from __future__ import annotations

from django.shortcuts import render

from qlvb.core.errors import DomainError, NotFound, PermissionDenied


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        if isinstance(exception, PermissionDenied):
            template = "403.html"
        elif isinstance(exception, NotFound):
            template = "404.html"
        else:
            template = "web/error.html"
        return render(
            request,
            template,
            {"error": exception, "message": exception.message},
            status=exception.status,
        )
