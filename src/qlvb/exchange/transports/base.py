"""The one interface every transport implements, and the HTTP helper they share."""

from __future__ import annotations

import contextlib
import http.client as httpclient
import json
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

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


_local = threading.local()


def _connection(scheme: str, netloc: str, *, fresh: bool):
    """This thread's kept-alive connection to a host: a worker sending many packages to one
    peer pays the TCP (and TLS) handshake once, not per package."""
    pool = _local.__dict__.setdefault("pool", {})
    key = (scheme, netloc)
    if fresh and key in pool:
        pool.pop(key).close()
    if key not in pool:
        if scheme == "https":
            pool[key] = httpclient.HTTPSConnection(netloc, timeout=TIMEOUT)
        else:
            pool[key] = httpclient.HTTPConnection(netloc, timeout=TIMEOUT)
    return pool[key]


def _error(status: int, data: bytes):
    detail = data[:2000].decode("utf-8", "replace")
    with contextlib.suppress(ValueError, AttributeError):
        detail = json.loads(detail).get("detail") or detail
    if status in (401, 403, 408, 429) or status >= 500:
        return TransportError(f"HTTP {status}: {detail}")
    return PeerRejected(f"HTTP {status}: {detail}")


def http_request(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None):
    """(status, bytes). Network errors and 5xx/429 → TransportError; 4xx → PeerRejected.
    A kept-alive connection the server closed meanwhile is retried once on a new one (every
    exchange request is idempotent: the receiver registers a package once)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise PeerRejected(f"Địa chỉ hệ thống liên thông không hợp lệ: {url}")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    headers = {"Connection": "keep-alive", **(headers or {})}
    for attempt in (1, 2):
        connection = _connection(parts.scheme, parts.netloc, fresh=attempt == 2)
        try:
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (httpclient.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
            connection.close()
            if attempt == 2:
                raise TransportError(f"Không kết nối được {url}: {exc}") from None
            continue
        except (httpclient.HTTPException, OSError, TimeoutError) as exc:
            connection.close()
            raise TransportError(f"Không kết nối được {url}: {exc}") from None
        if response.will_close:
            connection.close()
        if response.status >= 400:
            raise _error(response.status, data)
        return response.status, data
    raise AssertionError("unreachable")


# The name the transports use.
http = http_request


def json_of(data: bytes):
    try:
        return json.loads(data or b"null")
    except ValueError:
        raise TransportError("Phản hồi không phải JSON.") from None
