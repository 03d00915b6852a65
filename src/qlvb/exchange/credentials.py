"""Which key signs an agency's packages, and which certificates are trusted for a sender.

`agency_signing_key(agency)` returns (private key PEM, certificate PEM) or None. It asks the
signing app first (`qlvb.signing.credentials.agency_signing_key`, once that app is installed);
until then, and as a fallback, an administrator installs the agency's key and certificate under
QLVB_DATA_DIR/exchange/keys/<code>.key.pem and <code>.cert.pem (`install_agency_key`)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.conf import settings

PEM_CERT = re.compile(
    r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----", re.MULTILINE
)


def _keys_dir() -> Path:
    return Path(settings.DATA_DIR) / "exchange" / "keys"


def _from_signing_app(agency):
    try:
        from qlvb.signing.credentials import agency_signing_key as provided
    except ImportError:
        return None
    try:
        result = provided(agency)
    except Exception:  # the signing app may refuse (no key yet): fall back to our files
        return None
    if result is None:
        return None
    if isinstance(result, tuple | list) and len(result) >= 2:
        key, cert = result[0], result[1]
    else:
        key = getattr(result, "key_pem", None) or getattr(result, "private_key_pem", None)
        cert = getattr(result, "cert_pem", None) or getattr(result, "certificate_pem", None)
    if not key or not cert:
        return None
    if not isinstance(key, bytes | str):
        from cryptography.hazmat.primitives import serialization

        key = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    if not isinstance(cert, bytes | str):
        from cryptography.hazmat.primitives import serialization

        cert = cert.public_bytes(serialization.Encoding.PEM)
    key = key.encode() if isinstance(key, str) else key
    cert = cert.decode() if isinstance(cert, bytes) else cert
    return key, cert


def agency_signing_key(agency) -> tuple[bytes, str] | None:
    found = _from_signing_app(agency)
    if found:
        return found
    key_path = _keys_dir() / f"{agency.code}.key.pem"
    cert_path = _keys_dir() / f"{agency.code}.cert.pem"
    if key_path.exists() and cert_path.exists():
        return key_path.read_bytes(), cert_path.read_text()
    return None


def install_agency_key(agency, *, key_pem: bytes, cert_pem: str) -> None:
    folder = _keys_dir()
    folder.mkdir(parents=True, exist_ok=True)
    key_path = folder / f"{agency.code}.key.pem"
    with open(os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
        out.write(key_pem)
    (folder / f"{agency.code}.cert.pem").write_text(cert_pem)
    _TRUSTED.clear()


def split_pem(text: str) -> list[str]:
    return [m.group(0) for m in PEM_CERT.finditer(text or "")]


_TRUSTED: dict[str, tuple[float, tuple, list[str]]] = {}
TRUSTED_SECONDS = 5.0


def trusted_certificates(organ_id: str) -> list[str]:
    """Certificates accepted for packages from `organ_id`: this installation's own agency
    certificate for that code, and those the administrator configured on the active peers.
    Kept a few seconds per process and dropped at once when the peers' certificates change
    (one cheap query): an inbox receiving many packages looks them up once."""
    import time

    from qlvb.exchange.models import Peer

    peers = tuple(
        Peer.objects.filter(is_active=True).order_by("pk").values_list("pk", "certificates")
    )
    cached = _TRUSTED.get(organ_id)
    now = time.monotonic()
    if cached and cached[1] == peers and now - cached[0] < TRUSTED_SECONDS:
        return cached[2]
    certs = _trusted(organ_id, [text for _, text in peers])
    if len(_TRUSTED) > 1000:
        _TRUSTED.clear()
    _TRUSTED[organ_id] = (now, peers, certs)
    return certs


def _trusted(organ_id: str, peer_certificates: list[str]) -> list[str]:
    from qlvb.agencies.models import Agency

    certs: list[str] = []
    agency = Agency.objects.filter(code=organ_id, on_installation=True).first()
    if agency is not None:
        own = agency_signing_key(agency)
        if own:
            certs.append(own[1])
    for text in peer_certificates:
        certs.extend(split_pem(text))
    return certs
