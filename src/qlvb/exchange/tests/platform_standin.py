"""Stand-in for the national axis (VDXP shape) and a provincial platform (LGSP shape), run as
its own process: `python platform_standin.py vdxp|lgsp INBOX_DIR AGENCIES`. Packages waiting
for us are the files of INBOX_DIR; what we send is kept in memory and listed at /_sent. The
first line printed is the port (127.0.0.1, chosen by the system)."""

from __future__ import annotations

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

SHAPE, INBOX, AGENCIES = sys.argv[1], sys.argv[2], int(sys.argv[3])
SYSTEM_ID, SECRET = "qlvb-test", "s3cret"
CLIENT_ID, CLIENT_SECRET, TOKEN = "qlvb-client", "client-s3cret", "tok-123"
done: set[str] = set()
sent: list[dict] = []


def agency(i: int) -> dict:
    return {
        "code": f"{i // 100 % 1000:03d}.{i % 100:02d}.{i // 100000 % 100:02d}.G{i % 7 + 10:02d}",
        "name": f"Cơ quan trung ương {i}",
        "parentCode": "",
        "email": f"cq{i}@gov.vn",
    }


class Handler(BaseHTTPRequestHandler):
    def _send(self, code: int, payload, content_type="application/json"):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        if SHAPE == "vdxp":
            return (
                self.headers.get("systemId") == SYSTEM_ID and self.headers.get("secret") == SECRET
            )
        return self.headers.get("Authorization") == f"Bearer {TOKEN}"

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _waiting(self):
        return sorted(n for n in os.listdir(INBOX) if n not in done)

    def do_POST(self):
        url = urlparse(self.path)
        body = self._body()
        if SHAPE == "lgsp" and url.path == "/oauth2/token":
            form = parse_qs(body.decode())
            if form.get("client_id") == [CLIENT_ID] and form.get("client_secret") == [
                CLIENT_SECRET
            ]:
                return self._send(200, {"access_token": TOKEN, "expires_in": 3600})
            return self._send(401, {"error": "invalid_client"})
        if not self._authorised():
            return self._send(401, {"detail": "unauthorised"})
        if url.path in ("/edocs", "/edocs/status", "/documents"):
            sent.append({"path": url.path, "to": self.headers.get("to", ""), "body": body.decode()})
            return self._send(200, {"docId": str(len(sent)), "id": str(len(sent))})
        if url.path.startswith("/edocs/") and url.path.endswith("/done"):
            done.add(unquote(url.path.split("/")[2]))
            return self._send(200, {"status": "OK"})
        return self._send(404, {"detail": "not found"})

    def do_PUT(self):
        url = urlparse(self.path)
        body = self._body()
        if not self._authorised():
            return self._send(401, {"detail": "unauthorised"})
        parts = url.path.split("/")
        if url.path.startswith("/documents/") and parts[-1] == "status":
            sent.append({"path": url.path, "to": "", "body": body.decode()})
            return self._send(200, {"id": str(len(sent))})
        if url.path.startswith("/documents/") and parts[-1] == "received":
            done.add(unquote(parts[2]))
            return self._send(200, {"ok": True})
        return self._send(404, {"detail": "not found"})

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path == "/_sent":
            return self._send(200, sent)
        if not self._authorised():
            return self._send(401, {"detail": "unauthorised"})
        if url.path == "/edocs/received":
            return self._send(200, {"data": [{"docId": n} for n in self._waiting()]})
        if url.path == "/documents" and SHAPE == "lgsp":
            return self._send(200, [{"id": n} for n in self._waiting()])
        if url.path.startswith(("/edocs/", "/documents/")):
            name = unquote(url.path.split("/")[2])
            path = os.path.join(INBOX, os.path.basename(name))
            if not os.path.exists(path):
                return self._send(404, {"detail": "no such document"})
            with open(path, "rb") as f:
                return self._send(200, f.read(), "application/xml")
        if url.path == "/agencies":
            page, size = int(query.get("page", ["1"])[0]), 1000
            start = (page - 1) * size
            items = [agency(i) for i in range(start, min(start + size, AGENCIES))]
            return self._send(200, {"data": items, "hasNext": start + size < AGENCIES})
        if url.path == "/directory":
            offset, limit = int(query["offset"][0]), int(query["limit"][0])
            items = [agency(i) for i in range(offset, min(offset + limit, AGENCIES))]
            return self._send(200, items)
        return self._send(404, {"detail": "not found"})

    def log_message(self, *args):
        return None


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
