"""Sign-in pages. Thin: the rules live in services.py."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from qlvb.accounts import selectors, services
from qlvb.accounts.forms import ApiTokenCreateForm, LoginForm, PasswordChangeForm, TotpCodeForm
from qlvb.agencies.models import Agency
from qlvb.core.errors import DomainError, PermissionDenied, ValidationFailed


def _safe_next(request, url: str) -> str:
    """`next` only when it stays on this site; the home page otherwise."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _form_errors(form, exc: ValidationFailed, mapping: dict[str, str] | None = None) -> None:
    errors = exc.errors if isinstance(exc.errors, dict) else {}
    if not errors:
        form.add_error(None, exc.message)
    for field, field_errors in errors.items():
        target = (mapping or {}).get(field, field)
        for message in field_errors:
            form.add_error(target if target in form.fields else None, message)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated:
        return redirect(_safe_next(request, next_url))
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        safe_next = _safe_next(request, next_url) if next_url else ""
        result = services.login_attempt(
            request=request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            next_url=safe_next,
        )
        if result.status == "ok":
            return redirect(_safe_next(request, safe_next))
        if result.status == "second_factor":
            return redirect("accounts:totp_verify")
        error = result.message
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": next_url},
    )


@require_POST
def logout_view(request):
    services.logout_person(request=request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def totp_verify_view(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    person = services.pending_second_factor(request)
    if person is None:
        request.session.pop(services.PENDING_SESSION_KEY, None)
        return redirect("accounts:login")
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.second_factor_verify(request=request, code=form.cleaned_data["code"])
        if result.ok:
            return redirect(_safe_next(request, result.next_url))
        if result.status in ("locked", "expired"):
            # Back to the password step, with the reason on the page.
            return render(
                request,
                "accounts/login.html",
                {"form": LoginForm(), "error": result.message, "next": ""},
            )
        form.add_error("code", result.message)
    return render(request, "accounts/totp_verify.html", {"form": form, "person": person})


@login_required
@sensitive_post_parameters("code")
@never_cache
def totp_setup_view(request):
    person = request.user
    required = selectors.second_factor_required(person)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        try:
            if action == "enable":
                services.totp_enable(
                    actor=person,
                    secret=services.totp_candidate_secret(request),
                    code=form.cleaned_data["code"],
                )
                request.session.pop(services.CANDIDATE_SESSION_KEY, None)
                messages.success(request, _("Two-factor authentication is now on."))
                return redirect("accounts:totp_setup")
            if action == "disable":
                services.totp_disable(actor=person, code=form.cleaned_data["code"])
                messages.success(request, _("Two-factor authentication is now off."))
                return redirect("accounts:totp_setup")
        except ValidationFailed as exc:
            _form_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
    context = {"form": form, "person": person, "required": required}
    if not person.totp_enabled:
        secret = services.totp_candidate_secret(request)
        uri = services.totp_provisioning_uri(person=person, secret=secret)
        context.update(
            {
                "secret": secret,
                "secret_grouped": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
                # Inline SVG drawn here: no image service, no network.
                "qr_svg": segno.make(uri, error="m").svg_inline(
                    scale=5, title="Mã QR xác thực hai lớp"
                ),
            }
        )
    return render(request, "accounts/totp_setup.html", context)


@login_required
@sensitive_post_parameters("old_password", "new_password", "new_password_confirm")
@never_cache
def password_change_view(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            # Keep this session signed in; other sessions of the person end (their hash differs).
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("accounts:password_change")
    return render(request, "accounts/password_change.html", {"form": form})


def _token_agency(request) -> Agency:
    person = request.user
    agency = person.agency
    code = request.GET.get("agency") or request.POST.get("agency")
    if code and person.is_superuser:
        agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise Http404
    if not selectors.can_manage_api_tokens(person, agency):
        raise DjangoPermissionDenied
    return agency


@login_required
@never_cache
def api_tokens_view(request):
    agency = _token_agency(request)
    form = ApiTokenCreateForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.api_token_create(
                actor=request.user, agency=agency, name=form.cleaned_data["name"]
            )
        except ValidationFailed as exc:
            _form_errors(form, exc)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        else:
            # Rendered, not redirected: the secret is shown this once and never stored.
            created = {"token": token, "secret": secret}
            form = ApiTokenCreateForm()
    tokens = selectors.api_token_list(viewer=request.user, agency=agency)
    return render(
        request,
        "accounts/api_tokens.html",
        {"agency": agency, "tokens": tokens, "form": form, "created": created},
    )


@login_required
@require_POST
def api_token_revoke_view(request, pk: int):
    token = selectors.api_token_get(viewer=request.user, pk=pk)
    if token is None:
        raise Http404
    try:
        services.api_token_revoke(actor=request.user, token=token)
        messages.success(request, _("The API token has been revoked."))
    except DomainError as exc:
        messages.error(request, exc.message)
    url = resolve_url("accounts:api_tokens")
    if request.user.is_superuser and token.agency_id != request.user.agency_id:
        url += f"?agency={token.agency.code}"
    return redirect(url)
