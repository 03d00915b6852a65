"""Another qlvb installation or a peer such as OMS: HTTPS `POST /api/v1/exchange/inbox` with
the edXML body and the per-peer bearer token the administrator configured."""

from __future__ import annotations

from qlvb.exchange.transports.base import Transport, http, json_of


class PeerTransport(Transport):
    def send(self, body: bytes, *, kind: str, recipient_code: str, document_id: str) -> str:
        _, data = http(
            "POST",
            self.peer.base_url.rstrip("/") + "/api/v1/exchange/inbox",
            body=body,
            headers={
                "Content-Type": "application/xml; charset=utf-8",
                "Authorization": f"Bearer {self.peer.secret}",
            },
        )
        answer = json_of(data) or {}
        return str(answer.get("id", "")) if isinstance(answer, dict) else ""
