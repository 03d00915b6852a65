"""CA thử nghiệm (test CA) built in memory with `cryptography`: root, intermediate, people,
agencies, a timestamp authority, and the bad cases (expired, revoked, not yet valid, wrong key
usage, untrusted root). Used by the tests and the benchmarks; never by production code.

Nothing here touches the network: the CRL is handed to the validator as data. A CA made with
`crl_base` names where its CRLs are published (a local server a test starts), so a signer
can fetch them and embed them (B-LT); with `ocsp=True` the end-entity certificates name an OCSP
responder there instead of a CRL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(common_name: str, org: str = "qlvb thử nghiệm") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@dataclass
class Issued:
    key: object
    cert: x509.Certificate
    chain: list[x509.Certificate] = field(default_factory=list)

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def pkcs12(self, passphrase: str) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            b"qlvb",
            self.key,
            self.cert,
            self.chain or None,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )


def _key(kind: str = "rsa"):
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class TestCA:
    """Root → intermediate → end-entity certificates. `now` is the reference time."""

    __test__ = False  # not a pytest class

    def __init__(
        self,
        *,
        name: str = "Root CA thử nghiệm",
        now: dt.datetime | None = None,
        crl_base: str | None = None,
        ocsp: bool = False,
    ):
        self.now = now or dt.datetime.now(dt.UTC)
        self.revoked: list[x509.Certificate] = []
        self.crl_base = crl_base
        self.ocsp = bool(ocsp and crl_base)
        key = _key()
        subject = _name(name)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.now - dt.timedelta(days=3650))
            .not_valid_after(self.now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_ku(cert_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        self.root = Issued(key, cert)
        self.intermediate = self._issue(
            self.root, f"{name} — trung gian", ca=True, days_before=3000, days_after=3000
        )

    def _issue(
        self,
        issuer: Issued,
        common_name: str,
        *,
        ca: bool = False,
        days_before: int = 30,
        days_after: int = 365,
        usage: str = "sign",
        org: str = "qlvb thử nghiệm",
        key_kind: str = "rsa",
    ) -> Issued:
        key = _key(key_kind)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name, org))
            .issuer_name(issuer.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.now - dt.timedelta(days=days_before))
            .not_valid_after(self.now + dt.timedelta(days=days_after))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
                False,
            )
        )
        url = "" if (self.ocsp and not ca) else self._crl_url(issuer, ca=ca)
        if self.ocsp and not ca:
            builder = builder.add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            x509.AuthorityInformationAccessOID.OCSP,
                            x509.UniformResourceIdentifier(f"{self.crl_base}/ocsp"),
                        )
                    ]
                ),
                False,
            )
        if url:
            builder = builder.add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            [x509.UniformResourceIdentifier(url)], None, None, None
                        )
                    ]
                ),
                False,
            )
        if ca:
            builder = builder.add_extension(_ku(cert_sign=True), critical=True)
        elif usage == "sign":
            builder = builder.add_extension(_ku(signing=True), critical=True)
        elif usage == "tsa":
            builder = builder.add_extension(_ku(signing=True), critical=True)
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
        else:  # wrong purpose: encryption only
            builder = builder.add_extension(_ku(encipher=True), critical=True)
        cert = builder.sign(issuer.key, hashes.SHA256())
        chain = [issuer.cert, *issuer.chain]
        return Issued(key, cert, chain)

    def _crl_url(self, issuer: Issued, *, ca: bool) -> str:
        """Where the issuer's CRL is published: on the local server when there is one, else a
        name that never resolves (tests hand the CRL over as data, never fetch)."""
        if self.crl_base:
            return f"{self.crl_base}/{'root' if ca else 'intermediate'}.crl"
        return "" if ca else "http://ca.qlvb.invalid/crl.der"

    def person(self, common_name: str, **kw) -> Issued:
        return self._issue(self.intermediate, common_name, **kw)

    def agency(self, common_name: str, **kw) -> Issued:
        return self._issue(self.intermediate, common_name, org=common_name, **kw)

    def tsa(self) -> Issued:
        return self._issue(self.intermediate, "TSA thử nghiệm", usage="tsa", days_after=3000)

    def expired(self, common_name: str) -> Issued:
        return self._issue(self.intermediate, common_name, days_before=400, days_after=-30)

    def not_yet_valid(self, common_name: str) -> Issued:
        return self._issue(self.intermediate, common_name, days_before=-30, days_after=400)

    def wrong_usage(self, common_name: str) -> Issued:
        return self._issue(self.intermediate, common_name, usage="encrypt")

    def revoke(self, issued: Issued) -> Issued:
        self.revoked.append(issued.cert)
        return issued

    def crl_der(self) -> bytes:
        """The intermediate's CRL listing every revoked certificate."""
        return self._crl(self.intermediate, self.revoked)

    def root_crl_der(self) -> bytes:
        """The root's CRL (nothing revoked): the intermediate's revocation status."""
        return self._crl(self.root, [])

    def _crl(self, issuer: Issued, revoked: list[x509.Certificate]) -> bytes:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.cert.subject)
            .last_update(self.now - dt.timedelta(days=1))
            .next_update(self.now + dt.timedelta(days=30))
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
                False,
            )
            .add_extension(x509.CRLNumber(1), False)
        )
        for cert in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(cert.serial_number)
                .revocation_date(self.now - dt.timedelta(hours=1))
                .build()
            )
        crl = builder.sign(issuer.key, hashes.SHA256())
        return crl.public_bytes(serialization.Encoding.DER)

    def publish(self, folder) -> None:
        """Write what the local server serves: both CRLs, the TSA's key and certificate, and
        for the OCSP responder the intermediate's key and certificate and the revoked serials."""
        from pathlib import Path

        folder = Path(folder)
        (folder / "root.crl").write_bytes(self.root_crl_der())
        (folder / "intermediate.crl").write_bytes(self.crl_der())
        (folder / "intermediate-key.pem").write_bytes(self.intermediate.key_pem())
        (folder / "intermediate.pem").write_bytes(self.intermediate.cert_pem)
        (folder / "revoked.txt").write_text("".join(f"{c.serial_number}\n" for c in self.revoked))
        tsa = self.tsa()
        (folder / "tsa-key.pem").write_bytes(tsa.key_pem())
        (folder / "tsa-chain.pem").write_bytes(
            tsa.cert_pem + b"".join(c.public_bytes(serialization.Encoding.PEM) for c in tsa.chain)
        )


def _ku(*, cert_sign=False, signing=False, encipher=False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=encipher,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


@cache
def shared_ca() -> TestCA:
    """One CA per process (RSA key generation is the slow part)."""
    return TestCA()
