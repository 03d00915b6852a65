"""The test CA's publication point, as a process of its own on 127.0.0.1: GET /root.crl and
/intermediate.crl (the CRLs, read from the folder at each request), POST /ocsp (an OCSP
responder: the intermediate answers for the certificates it issued, revoked.txt lists the
revoked serials), POST /tsa (an RFC 3161 timestamp authority signing with the TSA key).
Prints its port, then serves until killed.

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


def _ocsp_answer(body: bytes) -> bytes:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509 import ocsp

    request = ocsp.load_der_ocsp_request(body)
    issuer = x509.load_pem_x509_certificate((FOLDER / "intermediate.pem").read_bytes())
    key = serialization.load_pem_private_key((FOLDER / "intermediate-key.pem").read_bytes(), None)
    revoked = {int(line) for line in (FOLDER / "revoked.txt").read_text().split()}
    now = dt.datetime.now(dt.UTC)
    gone = request.serial_number in revoked
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=request.issuer_name_hash,
        issuer_key_hash=request.issuer_key_hash,
        serial_number=request.serial_number,
        algorithm=request.hash_algorithm,
        cert_status=ocsp.OCSPCertStatus.REVOKED if gone else ocsp.OCSPCertStatus.GOOD,
        this_update=now - dt.timedelta(minutes=5),
        next_update=now + dt.timedelta(days=1),
        revocation_time=now - dt.timedelta(hours=1) if gone else None,
        revocation_reason=None,
    )
    response = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, issuer).sign(
        key, hashes.SHA256()
    )
    return response.public_bytes(serialization.Encoding.DER)


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
        if self.path == "/ocsp":
            self._send(200, _ocsp_answer(body), "application/ocsp-response")
            return
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
