"""The national axis (Trục liên thông văn bản quốc gia, VDXP style): a system id and secret
in the headers of every call; send, list received, fetch one, acknowledge, send status, and the
agency directory (paged)."""

from __future__ import annotations

from urllib.parse import quote

from qlvb.exchange.transports.base import Transport, TransportError, http, json_of


class VdxpTransport(Transport):
    pulls = True

    def _headers(self, **extra) -> dict:
        return {"systemId": self.peer.username, "secret": self.peer.secret, **extra}

    def _url(self, path: str) -> str:
        return self.peer.base_url.rstrip("/") + path

    def send(self, body: bytes, *, kind: str, recipient_code: str, document_id: str) -> str:
        path = "/edocs/status" if kind == "status" else "/edocs"
        _, data = http(
            "POST",
            self._url(path),
            body=body,
            headers=self._headers(**{"Content-Type": "application/xml", "to": recipient_code}),
        )
        answer = json_of(data) or {}
        return str(answer.get("docId", ""))

    def received(self):
        _, data = http("GET", self._url("/edocs/received"), headers=self._headers())
        answer = json_of(data) or {}
        for item in answer.get("data", []):
            yield str(item["docId"])

    def fetch(self, remote_id: str) -> bytes:
        _, data = http("GET", self._url(f"/edocs/{quote(remote_id)}"), headers=self._headers())
        return data

    def acknowledge(self, remote_id: str) -> None:
        http("POST", self._url(f"/edocs/{quote(remote_id)}/done"), headers=self._headers())

    def directory(self):
        page = 1
        while True:
            _, data = http("GET", self._url(f"/agencies?page={page}"), headers=self._headers())
            answer = json_of(data) or {}
            if not isinstance(answer, dict):
                raise TransportError("Danh bạ trả về không đúng dạng.")
            yield from answer.get("data", [])
            if not answer.get("hasNext"):
                return
            page += 1
