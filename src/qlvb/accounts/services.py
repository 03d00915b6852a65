"""Sign-in (đăng nhập), the TOTP second factor (xác thực hai lớp), password change and API
tokens (mã truy cập API). Web views and the API call these; nothing else changes these rows.

Decisions:
- An unknown username and a wrong password get the same message, and an unknown username still
  pays for one password hash so timing does not tell them apart either.
- A known account that is locked gets the lock message with the time it opens again, even for a
  correct password: the person must be told why the right password is refused. This reveals that
  the name exists only after someone spent QLVB_LOGIN_MAX_FAILURES attempts on it, and every
  lock is in the audit log (`auth.locked`).
- "Inactive" is said only to someone who typed the right password.
- During a lock the password is not even checked (no oracle, no hashing cost) and the failure
  counter does not grow; locking resets the counter, so after the lock a person has
  QLVB_LOGIN_MAX_FAILURES fresh attempts.
- With TOTP on, the password step does not sign the person in: the session only holds a
  "pending second factor" marker until a valid code arrives (then Django's login() runs and
  cycles the session key). Failed codes count towards the same lock-out, and the counter is
  reset only when sign-in completes, so a known password cannot be used to reset it between
  code guesses.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from qlvb.accounts.models import ApiToken, TotpState, hash_token_secret
from qlvb.accounts.selectors import can_manage_api_tokens, second_factor_required
from qlvb.agencies.models import Agency, Person
from qlvb.audit.services import audit_record
from qlvb.core.errors import Conflict, PermissionDenied, ValidationFailed

PENDING_SESSION_KEY = "qlvb_2fa_pending"
CANDIDATE_SESSION_KEY = "qlvb_totp_candidate"
PENDING_SECONDS = 300
TOTP_DRIFT_STEPS = 1
TOTP_ISSUER = "QLVB"
API_TOKEN_TOUCH_SECONDS = 60
_AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"
_CODE_RE = re.compile(r"[0-9]{6}")

MSG_INVALID = "Tên đăng nhập hoặc mật khẩu không đúng."
MSG_INACTIVE = "Tài khoản này đã ngừng hoạt động. Vui lòng liên hệ quản trị hệ thống."
MSG_CODE_INVALID = "Mã xác thực không đúng hoặc đã được sử dụng."
MSG_PENDING_EXPIRED = "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại."


def lock_message(until: datetime) -> str:
    local = timezone.localtime(until)
    return (
        "Tài khoản tạm thời bị khóa do nhập sai quá nhiều lần. "
        f"Vui lòng thử lại sau {local:%H:%M} ngày {local:%d/%m/%Y}."
    )


@dataclass(frozen=True)
class LoginResult:
    """What a sign-in step ended with. status: ok, second_factor, failed, locked, expired."""

    status: str
    message: str = ""
    person: Person | None = None
    locked_until: datetime | None = None
    next_url: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# --- sign-in ---------------------------------------------------------------------------------


def _find_person(username: str) -> Person | None:
    username = (username or "").strip()
    if not username:
        return None
    person = Person.objects.filter(username=username).first()
    if person is None:
        # People type "VanThu.VPUBND"; accept another case only when it is unambiguous.
        matches = list(Person.objects.filter(username__iexact=username)[:2])
        person = matches[0] if len(matches) == 1 else None
    return person


def _is_locked(person: Person, now: datetime) -> bool:
    return person.locked_until is not None and person.locked_until > now


def _audit_failure(person: Person | None, *, username: str, reason: str) -> None:
    audit_record(
        actor=None,
        action="auth.login_failed",
        obj=person,
        agency_id=person.agency_id if person is not None else None,
        details={"username": (username or "")[:150], "reason": reason},
    )


def _register_failure(person: Person, *, username: str, reason: str) -> datetime | None:
    """Counts one failure; returns the lock end when this failure locked the account."""
    now = timezone.now()
    max_failures = settings.QLVB_LOGIN_MAX_FAILURES
    until = now + timedelta(minutes=settings.QLVB_LOGIN_LOCK_MINUTES)
    locked = 0
    with transaction.atomic():
        # F() so concurrent failures all count; the conditional update below lets exactly one
        # of them set the lock (and write `auth.locked`).
        Person.objects.filter(pk=person.pk).update(failed_login_count=F("failed_login_count") + 1)
        if max_failures > 0:
            locked = (
                Person.objects.filter(pk=person.pk, failed_login_count__gte=max_failures)
                .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
                .update(locked_until=until, failed_login_count=0)
            )
        _audit_failure(person, username=username, reason=reason)
        if locked:
            audit_record(
                actor=None,
                action="auth.locked",
                obj=person,
                agency_id=person.agency_id,
                details={
                    "until": until,
                    "failures": max_failures,
                    "minutes": settings.QLVB_LOGIN_LOCK_MINUTES,
                },
            )
    return until if locked else None


def _complete_login(request, person: Person, *, second_factor: bool) -> None:
    with transaction.atomic():
        if person.failed_login_count or person.locked_until:
            Person.objects.filter(pk=person.pk).update(failed_login_count=0, locked_until=None)
            person.failed_login_count, person.locked_until = 0, None
        request.session.pop(PENDING_SESSION_KEY, None)
        login(request, person, backend=_AUTH_BACKEND)
        audit_record(
            actor=person,
            action="auth.login",
            obj=person,
            details={"second_factor": second_factor},
        )


def login_attempt(*, request, username: str, password: str, next_url: str = "") -> LoginResult:
    """The password step. Signs the person in, or leaves a pending second factor in the
    session (status "second_factor"), or says why not."""
    person = _find_person(username)
    if person is None:
        Person().set_password(password)  # same cost as a real check: timing does not tell
        _audit_failure(None, username=username, reason="unknown_user")
        return LoginResult("failed", MSG_INVALID)

    now = timezone.now()
    if _is_locked(person, now):
        _audit_failure(person, username=username, reason="locked")
        return LoginResult("locked", lock_message(person.locked_until), person, person.locked_until)

    if not person.check_password(password):
        until = _register_failure(person, username=username, reason="wrong_password")
        if until is not None:
            return LoginResult("locked", lock_message(until), person, until)
        return LoginResult("failed", MSG_INVALID)

    if not person.is_active:
        _audit_failure(person, username=username, reason="inactive")
        return LoginResult("failed", MSG_INACTIVE)

    if person.totp_enabled:
        request.session[PENDING_SESSION_KEY] = {
            "person_id": person.pk,
            "started": int(time.time()),
            "next": next_url or "",
        }
        return LoginResult("second_factor", person=person, next_url=next_url)

    _complete_login(request, person, second_factor=False)
    return LoginResult("ok", person=person, next_url=next_url)


def pending_second_factor(request) -> Person | None:
    """The person who passed the password step and owes a TOTP code, if still in time."""
    data = request.session.get(PENDING_SESSION_KEY)
    if not data:
        return None
    if time.time() - data.get("started", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None
    return Person.objects.filter(pk=data.get("person_id"), is_active=True).first()


def second_factor_verify(*, request, code: str) -> LoginResult:
    """The TOTP step of sign-in."""
    data = request.session.get(PENDING_SESSION_KEY) or {}
    person = pending_second_factor(request)
    if person is None or not person.totp_enabled:
        request.session.pop(PENDING_SESSION_KEY, None)
        return LoginResult("expired", MSG_PENDING_EXPIRED)
    if _is_locked(person, timezone.now()):
        request.session.pop(PENDING_SESSION_KEY, None)
        _audit_failure(person, username=person.username, reason="locked")
        return LoginResult("locked", lock_message(person.locked_until), person, person.locked_until)
    if not _totp_consume(person, code):
        until = _register_failure(person, username=person.username, reason="wrong_totp")
        if until is not None:
            request.session.pop(PENDING_SESSION_KEY, None)
            return LoginResult("locked", lock_message(until), person, until)
        return LoginResult("failed", MSG_CODE_INVALID, person)
    _complete_login(request, person, second_factor=True)
    return LoginResult("ok", person=person, next_url=data.get("next", ""))


def logout_person(*, request) -> None:
    """Signs out (and drops any pending second factor): the whole session is flushed."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        audit_record(actor=user, action="auth.logout", obj=user)
    logout(request)


# --- TOTP ------------------------------------------------------------------------------------


def _totp_match_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The time step whose code equals `code`, within one step of clock drift."""
    code = "".join((code or "").split())
    if not secret or not _CODE_RE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(int(now if now is not None else time.time()))
    found = None
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            found = step
    return found


def _totp_consume(person: Person, code: str) -> bool:
    """Accepts a code once: the step must be newer than the last one used (no replay)."""
    step = _totp_match_step(person.totp_secret, code)
    if step is None:
        return False
    TotpState.objects.get_or_create(person=person)
    # The conditional update makes two concurrent uses of one code succeed only once.
    return TotpState.objects.filter(person=person, last_step__lt=step).update(last_step=step) == 1


def totp_candidate_secret(request) -> str:
    """The secret being enrolled, kept in the session so reloading shows the same QR code."""
    secret = request.session.get(CANDIDATE_SESSION_KEY)
    if not secret:
        secret = pyotp.random_base32()
        request.session[CANDIDATE_SESSION_KEY] = secret
    return secret


def totp_provisioning_uri(*, person: Person, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=person.username, issuer_name=TOTP_ISSUER)


def totp_enable(*, actor: Person, secret: str, code: str) -> None:
    """Turns the second factor on once the person proves the app shows the right code."""
    if actor.totp_enabled:
        raise Conflict("Xác thực hai lớp đã được bật.")
    step = _totp_match_step(secret, code)
    if step is None:
        raise ValidationFailed(MSG_CODE_INVALID, errors={"code": [MSG_CODE_INVALID]})
    with transaction.atomic():
        Person.objects.filter(pk=actor.pk).update(totp_secret=secret, totp_enabled=True)
        TotpState.objects.update_or_create(person=actor, defaults={"last_step": step})
        audit_record(actor=actor, action="auth.totp_enable", obj=actor)
    actor.totp_secret, actor.totp_enabled = secret, True


def totp_disable(*, actor: Person, code: str) -> None:
    """Turns the second factor off; needs a valid code (a stolen session alone cannot)."""
    if not actor.totp_enabled:
        raise Conflict("Xác thực hai lớp chưa được bật.")
    if second_factor_required(actor):
        raise PermissionDenied("Tài khoản quản trị bắt buộc dùng xác thực hai lớp.")
    if not _totp_consume(actor, code):
        # Counted outside any transaction so the raise below does not roll the count back.
        _register_failure(actor, username=actor.username, reason="wrong_totp_disable")
        raise ValidationFailed(MSG_CODE_INVALID, errors={"code": [MSG_CODE_INVALID]})
    with transaction.atomic():
        Person.objects.filter(pk=actor.pk).update(totp_secret="", totp_enabled=False)
        TotpState.objects.filter(person=actor).delete()
        audit_record(actor=actor, action="auth.totp_disable", obj=actor)
    actor.totp_secret, actor.totp_enabled = "", False


# --- password --------------------------------------------------------------------------------


def _password_message(error: DjangoValidationError) -> str:
    # Django 5.2 reworded this message and its Vietnamese catalogue has not caught up.
    if error.code == "password_too_short":
        return f"Mật khẩu quá ngắn: cần ít nhất {error.params['min_length']} ký tự."
    return " ".join(error.messages)


def password_change(*, actor: Person, old_password: str, new_password: str) -> None:
    """Đổi mật khẩu. The caller keeps the session with update_session_auth_hash()."""
    errors: dict[str, list[str]] = {}
    if not actor.check_password(old_password):
        errors["old_password"] = ["Mật khẩu hiện tại không đúng."]
    try:
        validate_password(new_password, user=actor)
    except DjangoValidationError as exc:
        errors["new_password"] = [_password_message(error) for error in exc.error_list]
    if not errors and old_password == new_password:
        errors["new_password"] = ["Mật khẩu mới phải khác mật khẩu hiện tại."]
    if errors:
        raise ValidationFailed("Chưa đổi được mật khẩu.", errors=errors)
    with transaction.atomic():
        actor.set_password(new_password)
        actor.save(update_fields=["password"])
        audit_record(actor=actor, action="auth.password_change", obj=actor)


# --- API tokens ------------------------------------------------------------------------------


def api_token_create(*, actor: Person, agency: Agency, name: str) -> tuple[ApiToken, str]:
    """Returns the token and its secret; the secret is never stored and never shown again."""
    if not can_manage_api_tokens(actor, agency):
        raise PermissionDenied("Chỉ quản trị của cơ quan mới được tạo mã truy cập API.")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            "Tên hệ thống là bắt buộc.", errors={"name": ["Tên hệ thống là bắt buộc."]}
        )
    if len(name) > 150:
        message = "Tên hệ thống dài tối đa 150 ký tự."
        raise ValidationFailed(message, errors={"name": [message]})
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            agency=agency,
            name=name,
            prefix=secret[:8],
            key_hash=hash_token_secret(secret),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="api_token.create",
            obj=token,
            agency_id=agency.pk,
            details={"name": name, "prefix": token.prefix},
        )
    return token, secret


def api_token_revoke(*, actor: Person, token: ApiToken) -> ApiToken:
    if not can_manage_api_tokens(actor, token.agency):
        raise PermissionDenied("Chỉ quản trị của cơ quan mới được thu hồi mã truy cập API.")
    with transaction.atomic():
        now = timezone.now()
        if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
            raise Conflict("Mã truy cập này đã bị thu hồi.")
        token.revoked_at = now
        audit_record(
            actor=actor,
            action="api_token.revoke",
            obj=token,
            agency_id=token.agency_id,
            details={"name": token.name, "prefix": token.prefix},
        )
    return token


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The valid, active token of an active agency for this secret; None otherwise. The lookup is
    by hash, so comparing never walks the secret byte by byte."""
    if not secret or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("agency")
        .filter(key_hash=hash_token_secret(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.agency.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= timedelta(
        seconds=API_TOKEN_TOUCH_SECONDS
    ):
        # At most one write a minute per token, whatever the request rate.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True)
            | Q(last_used_at__lt=now - timedelta(seconds=API_TOKEN_TOUCH_SECONDS))
        ).update(last_used_at=now)
        token.last_used_at = now
    return token
