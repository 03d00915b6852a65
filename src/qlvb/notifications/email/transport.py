"""E-mail over SMTP (Django's SMTP backend, settings EMAIL_*). Raises on any failure: the
message row records the error and is retried (jobs runner)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import make_msgid
from django.core.validators import validate_email


class InvalidAddress(Exception):
    pass


def check_address(address: str) -> str:
    address = (address or "").strip()
    if not address:
        raise InvalidAddress("Người nhận chưa có địa chỉ thư điện tử trong danh bạ.")
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidAddress(f"Địa chỉ thư điện tử không hợp lệ: {address!r}.") from None
    return address


def send(*, to: str, subject: str, body: str) -> str:
    """Send one e-mail; returns its Message-ID."""
    to = check_address(to)
    message_id = make_msgid(domain="qlvb")
    connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", 20))
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id},
        connection=connection,
    )
    sent = message.send(fail_silently=False)
    if sent != 1:
        raise RuntimeError("Máy chủ thư không nhận thư.")
    return message_id
