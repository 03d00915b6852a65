"""django-ninja authentication for /api/v1: the browser's session and per-system tokens.

Routers use `auth=api_auth`. `request.auth` is then either a Person (browser, signed in with the
second factor done) or an ApiClient (integration token, acting for one agency); tell them apart
with `getattr(request.auth, "is_token", False)` or the helpers below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from qlvb.accounts.models import ApiToken
from qlvb.accounts.selectors import second_factor_enrolment_needed
from qlvb.accounts.services import api_token_authenticate
from qlvb.agencies.models import Agency, Person


@dataclass(frozen=True)
class ApiClient:
    """An integrated system calling with a token; it acts for `agency` and holds no role."""

    token: ApiToken
    agency: Agency
    is_token: bool = True
    is_authenticated: bool = True
    is_superuser: bool = False
    pk: None = None  # not a person: audit actor ids stay empty

    @property
    def agency_id(self) -> int:
        return self.agency.pk

    @property
    def name(self) -> str:
        return self.token.name

    @property
    def full_name(self) -> str:
        # What the audit log shows as the actor of a token call (actor id stays empty).
        return f"API: {self.token.name}"

    username = full_name

    def __str__(self) -> str:
        return self.full_name

    def has_role(self, role: str, agency_id: int | None = None) -> bool:
        return False  # what a token may do is decided by each router


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer <secret>`."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:
        found = api_token_authenticate(secret=token)
        if found is None:
            return None
        return ApiClient(token=found, agency=found.agency)


class SessionAuth(APIKeyCookie):
    """The browser's Django session, with Django's CSRF check for unsafe methods.

    Only a fully signed-in person counts: a session still owing its TOTP code is not signed in
    (see services.login_attempt), and an administrator who must enrol TOTP first is refused.
    """

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self, csrf: bool = True) -> None:
        super().__init__(csrf=csrf)

    def _get_key(self, request: HttpRequest) -> str | None:
        # Check CSRF only when a session would actually authenticate: a token client has no
        # cookie and no CSRF token, and failing here would stop ApiTokenAuth from being tried.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if second_factor_enrolment_needed(user):
            return None
        return user


api_auth = [SessionAuth(), ApiTokenAuth()]


def request_person(request: HttpRequest) -> Person | None:
    """The signed-in person behind an API call, None for a token client."""
    auth = getattr(request, "auth", None)
    if auth is None or getattr(auth, "is_token", False):
        return None
    return auth


def request_agency_id(request: HttpRequest) -> int | None:
    """The agency the API caller acts for (the person's agency or the token's)."""
    auth = getattr(request, "auth", None)
    return getattr(auth, "agency_id", None) if auth is not None else None
