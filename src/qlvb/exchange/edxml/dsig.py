"""XML-DSig of the envelope (enveloped signature, RSA-SHA256, exclusive C14N so the envelope
verifies the same inside or outside the `edXML` root), placed in `edXMLHeader`.

A signature that does not verify is reported in a `SignatureCheck`, never raised."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from cryptography import x509
from lxml import etree

from qlvb.exchange.edxml.constants import DSIG_NS, NS
from qlvb.exchange.edxml.model import SignatureCheck

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


def make_signer(key_pem: bytes | str, cert_pem: bytes | str) -> Callable:
    """A writer `signer`: returns the envelope with its Signature in edXMLHeader."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from signxml import XMLSigner, methods

    # Loading (and checking) an RSA key costs ~50 ms, far more than a signature: once per signer.
    key = load_pem_private_key(key_pem if isinstance(key_pem, bytes) else key_pem.encode(), None)
    cert = cert_pem.decode() if isinstance(cert_pem, bytes) else cert_pem

    def sign(envelope: etree._Element) -> etree._Element:
        header = envelope.find(f"{{{NS}}}edXMLHeader")
        placeholder = etree.SubElement(header, f"{{{DSIG_NS}}}Signature", nsmap={None: DSIG_NS})
        placeholder.set("Id", "placeholder")
        signer = XMLSigner(
            method=methods.enveloped,
            signature_algorithm="rsa-sha256",
            digest_algorithm="sha256",
            c14n_algorithm=EXC_C14N,
        )
        return signer.sign(envelope, key=key, cert=cert)

    return sign


def _subject(cert_pem: str) -> str:
    try:
        return x509.load_pem_x509_certificate(cert_pem.encode()).subject.rfc4514_string()
    except ValueError:
        return ""


def make_verifier(trusted: Callable[[str], Iterable[str]]) -> Callable:
    """A parser `verifier`. `trusted(organ_id)` yields the PEM certificates accepted for that
    sender (the directory's, the peer's, this installation's own agencies')."""

    def verify(envelope, organ_id: str) -> SignatureCheck:
        from signxml import InvalidInput, XMLVerifier
        from signxml.exceptions import InvalidSignature

        sig = None
        for el in envelope.iter():
            if isinstance(el.tag, str) and el.tag.endswith("}Signature"):
                sig = el
                break
        if sig is None or sig.tag != f"{{{DSIG_NS}}}Signature":
            return SignatureCheck(
                present=sig is not None,
                reason="Chữ ký không theo không gian tên XML-DSig, không kiểm tra được.",
            )
        certs = list(trusted(organ_id))
        if not certs:
            return SignatureCheck(
                present=True,
                reason=f"Không có chứng thư số tin cậy của cơ quan gửi {organ_id}.",
            )
        standalone = etree.fromstring(
            etree.tostring(envelope),
            etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False),
        )
        last = "Chữ ký số không hợp lệ."
        for cert in certs:
            try:
                XMLVerifier().verify(standalone, x509_cert=cert)
            except (InvalidSignature, InvalidInput) as exc:
                last = f"Chữ ký số không hợp lệ: {exc}"[:500]
                continue
            except Exception as exc:  # any library failure is a failed check, not a crash
                last = f"Chữ ký số không kiểm tra được: {type(exc).__name__}"
                continue
            return SignatureCheck(present=True, valid=True, signer=_subject(cert))
        return SignatureCheck(present=True, reason=last)

    return verify
