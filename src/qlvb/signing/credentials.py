"""Keys at rest and in use. PKCS#12 files and secrets are sealed with Fernet under a key from
settings.QLVB_SIGNING_KEY, or derived (HKDF-SHA256) from SECRET_KEY when none is set.

`agency_signing_key(agency)` gives other apps (XML-DSig of edXML packages) the agency's key,
certificate and chain for a PKCS#12 credential, None otherwise."""

from __future__ import annotations

import base64

from cryptography import x509
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings

from qlvb.core.errors import ValidationFailed


def _fernet() -> Fernet:
    configured = getattr(settings, "QLVB_SIGNING_KEY", "")
    material = (configured or settings.SECRET_KEY).encode()
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"qlvb-signing", info=b"credentials-at-rest"
    ).derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def unseal(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(bytes(token))
    except InvalidToken as exc:
        raise ValidationFailed(
            "Không giải mã được khóa đã lưu (khóa mã hóa của hệ thống đã thay đổi).",
            code="credential_unreadable",
        ) from exc


def load_pkcs12(data: bytes, passphrase: str):
    """(private key, certificate, chain) or a Vietnamese error for a wrong PIN or bad file."""
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(
            bytes(data), passphrase.encode() if passphrase else None
        )
    except ValueError as exc:
        raise ValidationFailed(
            "Mã PIN (mật khẩu tệp khóa) không đúng hoặc tệp PKCS#12 hỏng.",
            code="wrong_pin",
            errors={"pin": ["Mã PIN không đúng."]},
        ) from exc
    if key is None or cert is None:
        raise ValidationFailed(
            "Tệp PKCS#12 không có khóa bí mật và chứng thư số.", code="pkcs12_incomplete"
        )
    return key, cert, list(chain or [])


def chain_of(credential) -> list[x509.Certificate]:
    return [x509.load_der_x509_certificate(bytes.fromhex(h)) for h in credential.chain_der]


def agency_signing_key(agency):
    """(private_key, cert, chain) of the agency's PKCS#12 credential, or None (no credential,
    or a PKCS#11 token whose key never leaves the device)."""
    from qlvb.signing.models import AgencyCredential, CredentialKind

    credential = AgencyCredential.objects.filter(agency=agency).first()
    if credential is None or credential.kind != CredentialKind.PKCS12:
        return None
    passphrase = unseal(credential.secret_sealed).decode()
    return load_pkcs12(unseal(credential.pkcs12_sealed), passphrase)


def agency_signer(credential):
    """A pyHanko signer for the agency: PKCS#12 loaded in memory, or a PKCS#11 session."""
    from qlvb.signing import engine
    from qlvb.signing.models import CredentialKind

    if credential.kind == CredentialKind.PKCS12:
        key, cert, chain = agency_signing_key(credential.agency)
        return engine.simple_signer(key, cert, chain), None
    return pkcs11_signer(credential)


def _token_error(exc: Exception, credential) -> ValidationFailed:
    """The precise reason a token could not be used, in Vietnamese."""
    from pkcs11 import exceptions as p11

    label = credential.pkcs11_token or "?"
    if isinstance(exc, p11.PinIncorrect | p11.PinInvalid | p11.PinLenRange):
        return ValidationFailed(
            "Mã PIN của thiết bị ký số của cơ quan (token/HSM) không đúng.",
            code="wrong_pin",
            errors={"pin": ["Mã PIN không đúng."]},
        )
    if isinstance(exc, p11.PinLocked | p11.PinExpired):
        return ValidationFailed(
            "Thiết bị ký số của cơ quan đã bị khóa mã PIN (nhập sai quá số lần cho phép) hoặc "
            "mã PIN đã hết hạn.",
            code="pin_locked",
        )
    if isinstance(exc, p11.NoSuchToken) or "No token" in str(exc):
        return ValidationFailed(
            f"Không tìm thấy thiết bị ký số có nhãn “{label}” (token chưa cắm hoặc sai nhãn).",
            code="token_not_found",
            errors={"pkcs11_token": ["Không tìm thấy thiết bị."]},
        )
    if isinstance(exc, p11.NoSuchKey | p11.MultipleObjectsReturned):
        return ValidationFailed(
            f"Không tìm thấy khóa bí mật có nhãn “{credential.pkcs11_key_label}” trong thiết bị "
            "ký số.",
            code="token_key_not_found",
            errors={"pkcs11_key_label": ["Không tìm thấy khóa."]},
        )
    if "loading" in str(exc) or isinstance(exc, OSError):
        return ValidationFailed(
            f"Không nạp được thư viện PKCS#11 “{credential.pkcs11_module}” của thiết bị ký số.",
            code="token_module",
            errors={"pkcs11_module": ["Không nạp được thư viện."]},
        )
    return ValidationFailed(
        "Không dùng được thiết bị ký số của cơ quan (token/HSM).", code="token_unavailable"
    )


def pkcs11_signer(credential):
    """(signer, session): the caller closes the session when the signature is made. The
    private key is looked up at once, so a wrong key label is told before any work."""
    from asn1crypto import x509 as asn1_x509
    from pkcs11 import ObjectClass
    from pyhanko.sign import pkcs11

    pin = unseal(credential.secret_sealed).decode()
    try:
        session = pkcs11.open_pkcs11_session(
            credential.pkcs11_module,
            token_criteria=pkcs11.TokenCriteria(label=credential.pkcs11_token),
            user_pin=pin,
        )
    except Exception as exc:
        raise _token_error(exc, credential) from exc
    try:
        session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=credential.pkcs11_key_label)
    except Exception as exc:
        session.close()
        raise _token_error(exc, credential) from exc
    signer = pkcs11.PKCS11Signer(
        session,
        key_label=credential.pkcs11_key_label,
        signing_cert=asn1_x509.Certificate.load(bytes(credential.cert_der)),
        ca_chain=[asn1_x509.Certificate.load(bytes.fromhex(h)) for h in credential.chain_der],
    )
    return signer, session
