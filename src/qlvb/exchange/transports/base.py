"""The one interface every transport implements, and the HTTP helper they share."""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator

TIMEOUT = 30


class TransportError(Exception):
    """Temporary (network, 5xx, 429): the outbox retries with back-off."""


class PeerRejected(Exception):
    """The peer refused the message for good (4xx with a reason): not retried."""


class Transport:
    pulls = False

    def __init__(self, peer) -> None:
        self.peer = peer

    def send(self, body: bytes, *, kind: str, recipient_code: str, document_id: str) -> str:
        raise NotImplementedError

    def received(self) -> Iterator[str]:
        """Ids of packages waiting for us (pull transports)."""
        return iter(())

    def fetch(self, remote_id: str) -> bytes:
        raise NotImplementedError

    def acknowledge(self, remote_id: str) -> None:
        return None

    def directory(self) -> Iterator[dict]:
        """Agencies {code, name, parent_code, ...} known to the axis / platform."""
        return iter(())


def http(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None):
    """(status, bytes). Network errors and 5xx/429 → TransportError; 4xx → PeerRejected."""
    if not url.startswith(("https://", "http://")):
        raise PeerRejected(f"Địa chỉ hệ thống liên thông không hợp lệ: {url}")
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:2000].decode("utf-8", "replace")
        with contextlib.suppress(ValueError, AttributeError):
            detail = json.loads(detail).get("detail") or detail
        if exc.code in (401, 403, 408, 429) or exc.code >= 500:
            raise TransportError(f"HTTP {exc.code}: {detail}") from None
        raise PeerRejected(f"HTTP {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise TransportError(f"Không kết nối được {url}: {exc}") from None


def json_of(data: bytes):
    try:
        return json.loads(data or b"null")
    except ValueError:
        raise TransportError("Phản hồi không phải JSON.") from None
