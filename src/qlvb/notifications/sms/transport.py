"""SMS through a provider adapter. The provider is configured, not coded: an HTTP API shape
(URL, method, query parameters or a JSON body template, headers such as the auth header, the
field of the answer holding the message id). The default provider "console" only logs.

    QLVB_SMS_PROVIDER=console | http
    QLVB_SMS_HTTP='{"url": "https://sms.example.vn/send", "method": "POST",
                    "json": {"to": "{to}", "text": "{text}", "brand": "{sender}"},
                    "headers": {"Authorization": "Bearer ..."},
                    "timeout": 10, "reference_field": "id"}'

Template strings may use {to} (84xxxxxxxxx), {text} and {sender} (QLVB_SMS_SENDER).
Any non-2xx answer, a timeout, or an answer without the reference field raises: the message
row keeps the provider's error and is retried."""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

logger = logging.getLogger("qlvb.notifications.sms")

_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_VN_MOBILE = re.compile(r"^84[35789]\d{8}$")


class InvalidPhone(Exception):
    pass


class ProviderError(Exception):
    pass


def normalize_phone(phone: str) -> str:
    """0912 345 678 / +84912345678 → 84912345678; anything else is refused."""
    raw = _PHONE_SEPARATORS.sub("", phone or "")
    if not raw:
        raise InvalidPhone("Người nhận chưa có số điện thoại di động trong danh bạ.")
    if raw.startswith("+"):
        raw = raw[1:]
    if raw.startswith("0"):
        raw = "84" + raw[1:]
    if not _VN_MOBILE.match(raw):
        raise InvalidPhone(f"Số điện thoại di động không hợp lệ: {phone!r}.")
    return raw


def provider_name() -> str:
    return getattr(settings, "QLVB_SMS_PROVIDER", "console") or "console"


def _fill(template, values: dict):
    if isinstance(template, str):
        for key, value in values.items():
            template = template.replace("{" + key + "}", value)
        return template
    if isinstance(template, dict):
        return {k: _fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, values) for v in template]
    return template


def _http(config: dict, values: dict) -> str:
    method = config.get("method", "POST").upper()
    url = config["url"]
    headers = _fill(dict(config.get("headers", {})), values)
    data = None
    if config.get("params"):
        query = urllib.parse.urlencode(_fill(config["params"], values))
        url += ("&" if "?" in url else "?") + query
    if config.get("json") is not None:
        data = json.dumps(_fill(config["json"], values), ensure_ascii=False).encode()
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
    elif config.get("form"):
        data = urllib.parse.urlencode(_fill(config["form"], values)).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    if not url.startswith(("http://", "https://")):
        raise ProviderError("Địa chỉ nhà cung cấp SMS phải là http:// hoặc https://.")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    timeout = float(config.get("timeout", 10))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            text = response.read(65536).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        body = exc.read(2000).decode("utf-8", "replace")
        raise ProviderError(f"Nhà cung cấp SMS trả lỗi HTTP {exc.code}: {body}") from None
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ProviderError(f"Không gửi được tới nhà cung cấp SMS: {reason}") from None
    field = config.get("reference_field")
    if not field:
        return ""
    try:
        answer = json.loads(text)
        reference = answer[field]
    except (ValueError, KeyError, TypeError):
        raise ProviderError(f"Nhà cung cấp SMS trả lời không như mong đợi: {text[:500]}") from None
    return str(reference)


def send(*, to: str, text: str) -> tuple[str, str]:
    """Send one SMS; returns (provider, provider's reference)."""
    number = normalize_phone(to)
    name = provider_name()
    if name == "console":
        logger.info("SMS to %s: %s", number, text)
        return name, ""
    if name == "http":
        config = getattr(settings, "QLVB_SMS_HTTP", None) or {}
        if not config.get("url"):
            raise ProviderError("Chưa cấu hình nhà cung cấp SMS (QLVB_SMS_HTTP).")
        values = {"to": number, "text": text, "sender": getattr(settings, "QLVB_SMS_SENDER", "")}
        return name, _http(config, values)
    raise ProviderError(f"Không có nhà cung cấp SMS “{name}”.")
