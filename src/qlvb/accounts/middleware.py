"""Keeps a session that owes a second factor on the second-factor pages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from qlvb.accounts.selectors import second_factor_enrolment_needed
from qlvb.accounts.services import PENDING_SESSION_KEY


class SecondFactorMiddleware:
    """While the TOTP step of sign-in is pending, every page leads to that step; an
    administrator who must use TOTP (QLVB_REQUIRE_2FA_FOR_ADMINS) and has not enrolled is sent
    to enrolment. The API is left alone: it answers 401 itself rather than redirecting."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        target = self._target(request)
        if target is None:
            return self.get_response(request)
        if request.headers.get("HX-Request"):
            # htmx would swap the redirected page into a fragment; make it navigate instead.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)

    def _target(self, request) -> str | None:
        path = request.path_info
        if path.startswith(("/api/", "/i18n/", settings.STATIC_URL)):
            return None
        logout_url = reverse("accounts:logout")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if second_factor_enrolment_needed(user):
                setup_url = reverse("accounts:totp_setup")
                if path not in (setup_url, logout_url):
                    return setup_url
            return None
        if PENDING_SESSION_KEY in request.session:
            verify_url = reverse("accounts:totp_verify")
            if path not in (verify_url, logout_url):
                return verify_url
        return None
