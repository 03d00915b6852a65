"""The test CA's publication point, as a process of its own on 127.0.0.1: GET /root.crl and
/intermediate.crl (the CRLs, read from the folder at each request), POST /tsa (an RFC 3161
timestamp authority signing with the test CA's TSA key). Prints its port, then serves until
killed.

    python -m qlvb.signing.tests.revocation_server FOLDER
"""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FOLDER = Path(sys.argv[1]) if __name__ == "__main__" else Path(".")


def _stamper():
    from asn1crypto import keys, pem
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps import DummyTimeStamper

    certs = [
        asn1_x509.Certificate.load(der)
        for _type, _headers, der in pem.unarmor((FOLDER / "tsa-chain.pem").read_bytes(), True)
    ]
    _type, _headers, key_der = pem.unarmor((FOLDER / "tsa-key.pem").read_bytes())
    return DummyTimeStamper(
        tsa_cert=certs[0],
        tsa_key=keys.PrivateKeyInfo.load(key_der),
        certs_to_embed=certs[1:],
    )


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet: the test reads only the port line
        pass

    def _send(self, status: int, body: bytes, kind: str):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        name = self.path.strip("/")
        path = FOLDER / name
        if name in ("root.crl", "intermediate.crl") and path.exists():
            self.server.requests.append(name)
            self._send(200, path.read_bytes(), "application/pkix-crl")
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self):
        from asn1crypto import tsp

        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path != "/tsa":
            self._send(404, b"not found", "text/plain")
            return
        response = _stamper().request_tsa_response(tsp.TimeStampReq.load(body))
        self._send(200, response.dump(), "application/timestamp-reply")


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.requests = []
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
