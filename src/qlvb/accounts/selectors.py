"""Reads for sign-in and API tokens, scoped to what the viewer may see."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F, QuerySet

from qlvb.accounts.models import ApiToken
from qlvb.agencies.models import Agency, Person, Role


def is_administrator(person: Person) -> bool:
    """Quản trị hệ thống (superuser) or quản trị of the person's own agency."""
    return bool(person.is_superuser or person.has_role(Role.ADMIN))


def second_factor_required(person: Person) -> bool:
    """Whether this person must use TOTP (QLVB_REQUIRE_2FA_FOR_ADMINS, administrators only)."""
    return bool(settings.QLVB_REQUIRE_2FA_FOR_ADMINS) and is_administrator(person)


def second_factor_enrolment_needed(person: Person) -> bool:
    """Required to use TOTP but has not enrolled yet: sent to enrolment before anything else."""
    return not person.totp_enabled and second_factor_required(person)


def can_manage_api_tokens(person: Person, agency: Agency) -> bool:
    if person is None or not person.is_authenticated or not person.is_active:
        return False
    return bool(person.is_superuser or person.has_role(Role.ADMIN, agency_id=agency.pk))


def api_token_list(*, viewer: Person, agency: Agency) -> QuerySet[ApiToken]:
    """The agency's tokens (active first, newest first); empty for anyone who may not manage
    them."""
    if not can_manage_api_tokens(viewer, agency):
        return ApiToken.objects.none()
    return (
        ApiToken.objects.filter(agency=agency)
        .select_related("created_by")
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at", "-id")
    )


def api_token_get(*, viewer: Person, pk: int) -> ApiToken | None:
    token = ApiToken.objects.select_related("agency").filter(pk=pk).first()
    if token is None or not can_manage_api_tokens(viewer, token.agency):
        return None
    return token
