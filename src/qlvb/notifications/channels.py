"""The words of each channel: an e-mail (subject, Vietnamese text, a link to the document) and
an SMS (short; without diacritics when QLVB_SMS_ASCII is on, to fit 160 characters)."""

from __future__ import annotations

from django.conf import settings

from qlvb.core.text import strip_marks
from qlvb.notifications.models import Channel

SIGNATURE = "Hệ thống Quản lý văn bản và điều hành"


def absolute(url: str) -> str:
    if not url or url.startswith("http"):
        return url
    return settings.SITE_URL.rstrip("/") + url


def email_text(notification, person) -> tuple[str, str]:
    subject = f"[QLVB] {notification.title}"[:300]
    lines = [f"Kính gửi {person.full_name},", "", notification.body or notification.title]
    if notification.url:
        lines += ["", f"Xem chi tiết: {absolute(notification.url)}"]
    lines += [
        "",
        "--",
        SIGNATURE,
        "Thư này được gửi tự động; thay đổi cách nhận thông báo trong mục Thiết lập thông báo.",
    ]
    return subject, "\n".join(lines)


def sms_text(text: str) -> str:
    ascii_only = bool(getattr(settings, "QLVB_SMS_ASCII", False))
    limit = int(getattr(settings, "QLVB_SMS_MAX_CHARS", 160 if ascii_only else 320))
    text = " ".join(text.split())
    if ascii_only:
        text = strip_marks(text)
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def render(channel: str, notification, person) -> tuple[str, str]:
    if channel == Channel.EMAIL:
        return email_text(notification, person)
    text = f"QLVB: {notification.title}"
    if notification.urgent and notification.url:
        text += f" {absolute(notification.url)}"
    return "", sms_text(text)
