"""A provincial integration platform (LGSP style): an OAuth2 client-credentials token, then
REST resources: received documents, one document, sending, status updates, the directory."""

from __future__ import annotations

import time
from urllib.parse import quote, urlencode

from qlvb.exchange.transports.base import Transport, TransportError, http, json_of

_tokens: dict[int, tuple[str, float]] = {}


class LgspTransport(Transport):
    pulls = True

    def _url(self, path: str) -> str:
        return self.peer.base_url.rstrip("/") + path

    def _token(self) -> str:
        cached = _tokens.get(self.peer.pk)
        if cached and cached[1] > time.monotonic() + 30:
            return cached[0]
        _, data = http(
            "POST",
            self.peer.token_url or self._url("/oauth2/token"),
            body=urlencode(
                {
                    "grant_type": "client_credentials",
                    "client_id": self.peer.username,
                    "client_secret": self.peer.secret,
                }
            ).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        answer = json_of(data) or {}
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not token:
            raise TransportError("Nền tảng không cấp mã truy cập (access_token).")
        _tokens[self.peer.pk] = (token, time.monotonic() + float(answer.get("expires_in", 300)))
        return token

    def _headers(self, **extra) -> dict:
        return {"Authorization": f"Bearer {self._token()}", **extra}

    def send(self, body: bytes, *, kind: str, recipient_code: str, document_id: str) -> str:
        if kind == "status":
            _, data = http(
                "PUT",
                self._url(f"/documents/{quote(document_id, safe='')}/status"),
                body=body,
                headers=self._headers(**{"Content-Type": "application/xml"}),
            )
        else:
            _, data = http(
                "POST",
                self._url("/documents"),
                body=body,
                headers=self._headers(**{"Content-Type": "application/xml"}),
            )
        answer = json_of(data) or {}
        return str(answer.get("id", "")) if isinstance(answer, dict) else ""

    def received(self):
        _, data = http("GET", self._url("/documents?status=new"), headers=self._headers())
        for item in json_of(data) or []:
            yield str(item["id"])

    def fetch(self, remote_id: str) -> bytes:
        _, data = http("GET", self._url(f"/documents/{quote(remote_id)}"), headers=self._headers())
        return data

    def acknowledge(self, remote_id: str) -> None:
        http(
            "PUT",
            self._url(f"/documents/{quote(remote_id)}/received"),
            headers=self._headers(),
        )

    def directory(self):
        offset = 0
        while True:
            _, data = http(
                "GET", self._url(f"/directory?offset={offset}&limit=5000"), headers=self._headers()
            )
            items = json_of(data) or []
            yield from items
            if len(items) < 5000:
                return
            offset += len(items)
