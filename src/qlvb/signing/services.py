"""Every change about digital signatures: importing trust anchors, signature images and keys,
signing the approved draft (server-held key or the interrupted protocol), sealing at issue,
verifying each arriving PDF. Keyword-only, one transaction, permission checked, audited."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import logging

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from qlvb.agencies.models import Agency, Person, Role
from qlvb.agencies.services import is_agency_admin, is_installation_admin
from qlvb.audit.services import audit_record
from qlvb.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from qlvb.documents import storage
from qlvb.documents.models import Attachment
from qlvb.documents.services import StoredFile, Upload, attach_staged
from qlvb.signing import credentials, engine, verify
from qlvb.signing.models import (
    AgencyCredential,
    AnchorKind,
    CredentialKind,
    PdfVerification,
    PersonKey,
    SessionState,
    SignatureImage,
    SigningSession,
    TrustAnchor,
    VerificationRequest,
)

log = logging.getLogger(__name__)

SESSION_TTL = dt.timedelta(minutes=30)
MAX_IMAGE_BYTES = 2 * 1024 * 1024
VN_TZ = dt.timezone(dt.timedelta(hours=7))


# --- trust anchors ---------------------------------------------------------------------------


def _load_certificate(data: bytes) -> x509.Certificate:
    data = bytes(data)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise ValidationFailed(
            "Tệp không phải chứng thư số X.509 (PEM hoặc DER).",
            code="not_a_certificate",
            errors={"file": ["Không đọc được chứng thư số."]},
        ) from exc


def _load_certificates(data: bytes) -> list[x509.Certificate]:
    data = bytes(data or b"")
    if not data.strip():
        return []
    if b"-----BEGIN" in data:
        try:
            return x509.load_pem_x509_certificates(data)
        except ValueError as exc:
            raise ValidationFailed(
                "Chuỗi chứng thư số không đọc được.", code="not_a_certificate"
            ) from exc
    return [_load_certificate(data)]


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _cn(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def trust_anchor_import(*, actor, data: bytes, name: str = "") -> TrustAnchor:
    """Nhập chứng thư số gốc tin cậy (PEM/DER) hoặc một CRL: installation administrators."""
    if not is_installation_admin(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống mới được nhập chứng thư số gốc tin cậy.")
    data = bytes(data or b"")
    kind, der, label, not_after = _parse_anchor(data)
    sha = hashlib.sha256(der).hexdigest()
    with transaction.atomic():
        if TrustAnchor.objects.filter(sha256=sha).exists():
            raise Conflict("Chứng thư số (hoặc CRL) này đã được nhập.", code="duplicate_anchor")
        anchor = TrustAnchor.objects.create(
            kind=kind,
            name=(name or label)[:300],
            der=der,
            sha256=sha,
            not_after=not_after,
            imported_by=actor if isinstance(actor, Person) else None,
        )
        audit_record(
            actor=actor if isinstance(actor, Person) else None,
            action="signing.trust_anchor.import",
            obj=anchor,
            details={"kind": kind, "sha256": sha, "name": anchor.name},
        )
    return anchor


def _parse_anchor(data: bytes):
    try:
        if b"-----BEGIN X509 CRL" in data:
            crl = x509.load_pem_x509_crl(data)
        elif b"-----BEGIN" not in data:
            crl = x509.load_der_x509_crl(data)
        else:
            crl = None
    except ValueError:
        crl = None
    if crl is not None:
        der = crl.public_bytes(serialization.Encoding.DER)
        return AnchorKind.CRL, der, f"CRL — {crl.issuer.rfc4514_string()}", crl.next_update_utc
    cert = _load_certificate(data)
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise ValidationFailed(
            "Chứng thư số này không phải của tổ chức cung cấp dịch vụ chứng thực (không phải CA).",
            code="not_a_ca",
        )
    return AnchorKind.ROOT, _der(cert), _cn(cert), cert.not_valid_after_utc


def anchors() -> tuple[list[bytes], list[bytes]]:
    roots, crls = [], []
    for kind, der in TrustAnchor.objects.filter(is_active=True).values_list("kind", "der"):
        (roots if kind == AnchorKind.ROOT else crls).append(bytes(der))
    return roots, crls


# --- a person's image and key ----------------------------------------------------------------


def _clean_png(data: bytes, *, field: str) -> tuple[bytes, int, int]:
    data = bytes(data or b"")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationFailed("Ảnh quá lớn (tối đa 2 MB).", errors={field: ["Ảnh quá lớn."]})
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            fmt, mode, size = img.format, img.mode, img.size
    except (UnidentifiedImageError, OSError) as exc:
        raise ValidationFailed(
            "Tệp không phải ảnh PNG đọc được.", code="not_png", errors={field: ["Không phải PNG."]}
        ) from exc
    if fmt != "PNG":
        raise ValidationFailed("Ảnh phải là PNG.", code="not_png", errors={field: ["Cần PNG."]})
    if mode not in ("RGBA", "LA", "P"):
        raise ValidationFailed(
            "Ảnh phải có nền trong suốt (PNG có kênh alpha).",
            code="not_transparent",
            errors={field: ["Ảnh chưa có nền trong suốt."]},
        )
    return data, size[0], size[1]


def signature_image_upload(*, actor: Person, person: Person, data: bytes) -> SignatureImage:
    """Ảnh chữ ký: the person themselves or their agency's administrator."""
    if actor.pk != person.pk and not is_agency_admin(actor, person.agency_id):
        raise PermissionDenied("Chỉ chính người ký hoặc quản trị cơ quan được đổi ảnh chữ ký.")
    png, width, height = _clean_png(data, field="image")
    with transaction.atomic():
        image, _ = SignatureImage.objects.update_or_create(
            person=person, defaults={"png": png, "width": width, "height": height}
        )
        audit_record(
            actor=actor,
            action="signing.signature_image.upload",
            obj=person,
            details={"sha256": hashlib.sha256(png).hexdigest(), "size": [width, height]},
        )
    return image


def person_key_import(*, actor: Person, person: Person, pkcs12: bytes, pin: str) -> PersonKey:
    """Khóa ký số lưu trên máy chủ (when the deployment chooses it): the PKCS#12 checked with
    the PIN, sealed at rest; the PIN is not kept."""
    if actor.pk != person.pk and not is_agency_admin(actor, person.agency_id):
        raise PermissionDenied("Chỉ chính người ký hoặc quản trị cơ quan được nhập khóa ký số.")
    _key, cert, chain = credentials.load_pkcs12(pkcs12, pin)
    _refuse_certificate(cert, chain)
    with transaction.atomic():
        record, _ = PersonKey.objects.update_or_create(
            person=person,
            defaults={
                "pkcs12_sealed": credentials.seal(bytes(pkcs12)),
                "cert_der": _der(cert),
                "subject": _cn(cert)[:300],
                "not_after": cert.not_valid_after_utc,
            },
        )
        audit_record(
            actor=actor,
            action="signing.person_key.import",
            obj=person,
            details={"subject": record.subject, "serial": format(cert.serial_number, "X")},
        )
    return record


def _refuse_certificate(cert: x509.Certificate, chain: list[x509.Certificate]) -> None:
    roots, crls = anchors()
    problem = verify.certificate_problem(
        _der(cert), chain=[_der(c) for c in chain], roots=roots, crls=crls
    )
    if problem:
        raise ValidationFailed(problem, code="certificate_refused")


# --- agency credentials ----------------------------------------------------------------------


def agency_credential_save(
    *,
    actor: Person,
    agency: Agency,
    pkcs12: bytes | None = None,
    passphrase: str = "",
    pkcs11_module: str = "",
    pkcs11_token: str = "",
    pkcs11_key_label: str = "",
    pin: str = "",
    certificate: bytes | None = None,
    chain: bytes | None = None,
    seal_png: bytes | None = None,
) -> AgencyCredential:
    """Chứng thư số của cơ quan: a PKCS#12 file (sealed at rest) or a PKCS#11 token (module,
    token label, key label, PIN sealed) with its certificate; and the red seal image."""
    if not is_agency_admin(actor, agency.pk):
        raise PermissionDenied("Chỉ quản trị cơ quan được cấu hình chữ ký số của cơ quan.")
    seal_clean = _clean_png(seal_png, field="seal")[0] if seal_png else None
    if pkcs12:
        _key, cert, issuers = credentials.load_pkcs12(pkcs12, passphrase)
        fields = {
            "kind": CredentialKind.PKCS12,
            "pkcs12_sealed": credentials.seal(bytes(pkcs12)),
            "secret_sealed": credentials.seal(passphrase.encode()),
            "pkcs11_module": "",
            "pkcs11_token": "",
            "pkcs11_key_label": "",
        }
    elif pkcs11_module:
        if not certificate:
            raise ValidationFailed(
                "Cần chứng thư số của khóa trong thiết bị.", errors={"certificate": ["Thiếu."]}
            )
        cert = _load_certificate(certificate)
        issuers = _load_certificates(chain or b"")
        fields = {
            "kind": CredentialKind.PKCS11,
            "pkcs12_sealed": None,
            "secret_sealed": credentials.seal(pin.encode()),
            "pkcs11_module": pkcs11_module[:300],
            "pkcs11_token": pkcs11_token[:100],
            "pkcs11_key_label": pkcs11_key_label[:100],
        }
    else:
        raise ValidationFailed(
            "Cần tệp PKCS#12 hoặc thông tin thiết bị PKCS#11.", code="credential_missing"
        )
    _refuse_certificate(cert, issuers)
    fields.update(
        cert_der=_der(cert),
        chain_der=[_der(c).hex() for c in issuers],
        subject=_cn(cert)[:300],
        not_after=cert.not_valid_after_utc,
        updated_by=actor,
    )
    if seal_clean is not None:
        fields["seal_png"] = seal_clean
    with transaction.atomic():
        credential, _ = AgencyCredential.objects.update_or_create(agency=agency, defaults=fields)
        if fields["kind"] == CredentialKind.PKCS11:
            _probe_token(credential)
        audit_record(
            actor=actor,
            action="signing.agency_credential.save",
            obj=agency,
            details={"kind": credential.kind, "subject": credential.subject},
        )
    return credential


def _probe_token(credential: AgencyCredential) -> None:
    _signer, session = credentials.pkcs11_signer(credential)
    session.close()


# --- appearances -----------------------------------------------------------------------------


def _placement(data: dict | None, pdf: bytes, ratio: float) -> engine.Box | None:
    """Manual placement: {page (1-based), x, y (PDF points from the bottom left), width?}."""
    if not data:
        return None
    try:
        sizes = engine.page_count_and_sizes(pdf)
        page = int(data.get("page") or len(sizes)) - 1
        x, y = float(data["x"]), float(data["y"])
        width = float(data.get("width") or 140)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed(
            "Vị trí chữ ký không hợp lệ.", errors={"placement": ["Cần page, x, y."]}
        ) from exc
    if not (0 <= page < len(sizes)) or not (10 <= width <= 400):
        raise ValidationFailed(
            "Vị trí chữ ký nằm ngoài trang.", errors={"placement": ["Ngoài trang."]}
        )
    pw, ph = sizes[page]
    height = width / max(ratio, 0.1)
    box = engine.Box(page, x - width / 2, y - height / 2, x + width / 2, y + height / 2)
    if box.x0 < 0 or box.y0 < 0 or box.x1 > pw or box.y1 > ph:
        raise ValidationFailed(
            "Vị trí chữ ký nằm ngoài trang.", errors={"placement": ["Ngoài trang."]}
        )
    return box


def signer_appearance(person: Person, pdf: bytes, placement: dict | None) -> engine.Appearance:
    image = SignatureImage.objects.filter(person=person).first()
    png = bytes(image.png) if image else None
    ratio = (image.width / max(1, image.height)) if image else 2.5
    box = _placement(placement, pdf, ratio)
    if box is None:
        position = person.position.name if person.position_id else ""
        box = engine.locate_signer_block(
            pdf, name=person.full_name, position=position, image_ratio=ratio
        )
    if box is None:
        raise ValidationFailed(
            "Không tìm thấy tên người ký trong trang cuối của văn bản: hãy chọn vị trí đặt chữ "
            "ký trên trang.",
            code="placement_required",
            errors={"placement": ["Chọn vị trí chữ ký."]},
        )
    if png is None:
        lines = [f"Ký bởi: {person.full_name}"]
        return engine.Appearance(box=box, text_lines=lines)
    return engine.Appearance(box=box, image_png=png)


def timestamper():
    """B-T when a timestamp authority is configured (settings.QLVB_SIGNING_TSA_URL)."""
    url = getattr(settings, "QLVB_SIGNING_TSA_URL", "")
    if not url:
        return None
    from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=10)


def with_validation_info(pdf: bytes, field_name: str | None = None) -> bytes:
    """B-LT when revocation data can be fetched (QLVB_SIGNING_FETCH_REVOCATION): the chain's
    CRLs/OCSP answers embedded after signing. When nothing could be fetched the file stays
    B-B/B-T as signed: a CA that cannot be reached never blocks a signature."""
    if not getattr(settings, "QLVB_SIGNING_FETCH_REVOCATION", False):
        return pdf
    from pyhanko.pdf_utils.reader import PdfFileReader

    roots, crls = anchors()
    try:
        out = engine.add_validation_info(
            pdf, context=verify.validation_context(roots, crls), field_name=field_name
        )
    except Exception:
        log.warning("revocation data could not be embedded (B-LT)", exc_info=True)
        return pdf
    if not verify.has_embedded_revocation(PdfFileReader(io.BytesIO(out), strict=False)):
        return pdf
    return out


# --- reading and storing PDFs ----------------------------------------------------------------


def read_attachment(attachment: Attachment) -> bytes:
    return b"".join(storage.open_verified(attachment.blob))


def _stage_bytes(data: bytes, name: str, role: str):
    staged = storage.stage(io.BytesIO(data), original_name=name)
    return (Upload(io.BytesIO(data), name, role), staged)


def _signed_pdf_check(pdf: bytes, field_name: str | None = None) -> dict:
    """What was just signed must verify (integrity and trust) before it is kept."""
    roots, crls = anchors()
    result = verify.verify_pdf(pdf, roots=roots, crls=crls)
    signatures = result["signatures"]
    mine = signatures[-1] if signatures else None
    if field_name:
        mine = next((s for s in signatures if s["field"] == field_name), mine)
    if mine is None or mine["status"] != verify.STATUS_VALID:
        reason = "; ".join(mine["reasons"]) if mine else "Không có chữ ký trong tệp kết quả."
        raise ValidationFailed(f"Chữ ký số không hợp lệ: {reason}", code="signature_invalid")
    return result


# --- the signer's signature on an outgoing draft ---------------------------------------------


def _outgoing_main(outgoing, actor: Person):
    """Checks before any key is touched; returns (version, main VersionFile, pdf bytes)."""
    from qlvb.outgoing.models import OutgoingState, VersionFileKind
    from qlvb.outgoing.services import current_version, version_files

    if actor.agency_id != outgoing.agency_id:
        raise PermissionDenied("Không có quyền với văn bản của cơ quan khác.")
    if outgoing.state != OutgoingState.APPROVED:
        raise Conflict("Dự thảo chưa được duyệt xong, chưa ký được.", code="not_approved")
    if outgoing.signer_id != actor.pk:
        raise PermissionDenied("Chỉ người ký được chọn mới ký được văn bản này.")
    version = current_version(outgoing)
    files = version_files(version)
    main = next((f for f in files if f.kind == VersionFileKind.MAIN), None)
    if main is None or main.attachment.content_type != "application/pdf":
        raise ValidationFailed("Văn bản chưa có tệp PDF chính để ký số.", code="no_main_pdf")
    pdf = read_attachment(main.attachment)
    try:
        engine.open_writer(pdf)
    except engine.PdfError as exc:
        raise ValidationFailed(
            "Tệp PDF của văn bản bị hỏng, không ký số được.", code="corrupt_pdf"
        ) from exc
    return version, main, files, pdf


def _new_version(outgoing, *, actor, files, replaced: dict, note: str):
    """A new draft version: the signed PDFs replace their originals, other files carried over
    (same attachments). `replaced` maps VersionFile pk -> (bytes, name). Each new PDF's
    signature check is stored with it."""
    from django.db.models import Max

    from qlvb.outgoing.models import DraftVersion, VersionFile

    pairs = [(vf, *replaced[vf.pk]) for vf in files if vf.pk in replaced]
    staged = []
    try:
        for vf, data, name in pairs:
            staged.append(_stage_bytes(data, name, vf.attachment.role))
        number = (outgoing.versions.aggregate(m=Max("number"))["m"] or 0) + 1
        version = DraftVersion.objects.create(
            outgoing=outgoing, number=number, created_by=actor, note=note[:1000]
        )
        attachments = attach_staged(document=outgoing.document, staged=staged, actor=actor)
    finally:
        for _upload, item in staged:
            item.discard()
    new_for = {}
    for (vf, data, _name), attachment in zip(pairs, attachments, strict=True):
        new_for[vf.pk] = attachment
        record_verification(attachment, data=data)
    for vf in files:
        if vf.pk not in new_for:  # carried over: the same bytes, a row of its own
            old = vf.attachment
            copy = StoredFile.of(old).attachment(old.document, old.position, actor)
            copy.save()
            new_for[vf.pk] = copy
    VersionFile.objects.bulk_create(
        VersionFile(
            version=version,
            attachment=new_for[vf.pk],
            kind=vf.kind,
            position=vf.position,
        )
        for vf in files
    )
    return version


def _signed_name(name: str) -> str:
    stem = name.rsplit(".", 1)[0] or "van-ban"
    return f"{stem}.signed.pdf"


def outgoing_sign_with_key(*, actor: Person, outgoing, pin: str, placement: dict | None = None):
    """Ký số bằng khóa lưu trên máy chủ: PAdES B-B (B-T with a TSA), the person's image
    between position and name; then the signing step of the outgoing flow."""
    key_record = PersonKey.objects.filter(person=actor).first()
    if key_record is None:
        raise ValidationFailed(
            "Cán bộ chưa có khóa ký số lưu trên máy chủ; hãy ký bằng thiết bị ký số của mình.",
            code="no_server_key",
        )
    version, main, files, pdf = _outgoing_main(outgoing, actor)
    key, cert, chain = credentials.load_pkcs12(credentials.unseal(key_record.pkcs12_sealed), pin)
    _refuse_certificate(cert, chain)
    appearance = signer_appearance(actor, pdf, placement)
    signed = engine.sign(
        pdf,
        signer=engine.simple_signer(key, cert, chain),
        appearance=appearance,
        reason="Ký ban hành",
        timestamper=timestamper(),
    )
    return _keep_signed(
        actor=actor,
        prepared=(version, main, files),
        signed=signed,
        method="server_key",
        cert=cert,
    )


def _keep_signed(*, actor, prepared, signed: bytes, method: str, cert, field_name=None, then=None):
    """How every signer's signature ends, whichever way it was made: B-LT when revocation data
    can be fetched, checked, then in one transaction kept as a new version of the draft (the
    draft must not have moved since `prepared` = (version, main file, files) was read) and the
    outgoing flow's signing step; `then` runs inside that transaction."""
    from qlvb.outgoing import services as outgoing_services
    from qlvb.outgoing.models import OutgoingDocument

    version, main, files = prepared
    signed = with_validation_info(signed, field_name)
    _signed_pdf_check(signed, field_name)
    with storage.files_written_until_commit(), transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().get(pk=version.outgoing_id)
        current = outgoing_services.current_version(locked)
        if current is None or current.pk != version.pk:
            raise Conflict("Dự thảo vừa có phiên bản mới; hãy ký lại.", code="version_changed")
        new_version = _new_version(
            locked,
            actor=actor,
            files=files,
            replaced={main.pk: (signed, _signed_name(main.attachment.original_name))},
            note="Bản đã ký số của người ký",
        )
        result = outgoing_services.outgoing_sign(actor=actor, outgoing=locked, method=method)
        audit_record(
            actor=actor,
            action="signing.outgoing.sign",
            obj=locked,
            details={"version": new_version.number, "method": method, "certificate": _cn(cert)},
        )
        if then is not None:
            then()
    return result


def external_prepare(
    *,
    actor: Person,
    outgoing,
    certificate: bytes,
    chain: bytes = b"",
    placement: dict | None = None,
) -> SigningSession:
    """Bước 1 (docs/signing-protocol.md): the signer's certificate in, the document prepared
    with its appearance and placeholder, the SHA-256 digest out."""
    version, main, _files, pdf = _outgoing_main(outgoing, actor)
    cert = _load_certificate(certificate)
    issuers = _load_certificates(chain)
    _refuse_certificate(cert, issuers)
    appearance = signer_appearance(actor, pdf, placement)
    prepared = engine.prepare_external(
        pdf, cert=cert, chain=issuers, appearance=appearance, reason="Ký ban hành"
    )
    now = timezone.now()
    with transaction.atomic():
        session = SigningSession.objects.create(
            person=actor,
            outgoing=outgoing,
            version_number=version.number,
            source_sha256=main.attachment.blob.sha256,
            prepared_pdf=prepared.pdf,
            digest=prepared.digest,
            range_start=prepared.start,
            range_end=prepared.end,
            field_name=prepared.field_name,
            cert_der=_der(cert),
            created_at=now,
            expires_at=now + SESSION_TTL,
        )
        audit_record(
            actor=actor,
            action="signing.external.prepare",
            obj=outgoing,
            details={"session": str(session.pk), "certificate": _cn(cert)},
        )
    return session


def external_complete(*, actor: Person, session: SigningSession, cms: bytes):
    """Bước 2: the CMS signature from the person's device, checked against the prepared digest
    and certificate, embedded (pyHanko interrupted signing), verified, kept as a new version."""
    if session.person_id != actor.pk:
        raise PermissionDenied("Phiên ký này không phải của bạn.")
    if session.state != SessionState.PENDING:
        raise Conflict("Phiên ký đã kết thúc.", code="session_closed")
    if session.expires_at < timezone.now():
        raise Conflict("Phiên ký đã hết hạn; hãy chuẩn bị ký lại.", code="session_expired")
    digest = bytes(session.digest)
    try:
        engine.check_external_cms(bytes(cms), digest=digest, cert_der=bytes(session.cert_der))
    except engine.SignatureMismatch as exc:
        reasons = {
            "format": "Dữ liệu gửi lên không phải chữ ký CMS (PKCS#7) hợp lệ.",
            "digest": "Chữ ký gửi lên không khớp với mã băm của văn bản đã chuẩn bị.",
            "certificate": "Chữ ký gửi lên không phải của chứng thư số đã khai khi chuẩn bị ký.",
            "signature": "Chữ ký gửi lên không đúng (không xác minh được bằng khóa công khai).",
        }
        raise ValidationFailed(reasons[str(exc)], code=f"cms_{exc}") from exc
    prepared = bytes(session.prepared_pdf)
    signed = engine.finish_external(
        prepared,
        start=session.range_start,
        end=session.range_end,
        digest=digest,
        cms_der=bytes(cms),
    )
    version, main, files, _pdf = _outgoing_main(session.outgoing, actor)
    if version.number != session.version_number:
        raise Conflict("Dự thảo vừa có phiên bản mới; hãy ký lại.", code="version_changed")

    def close_session():
        session.state = SessionState.COMPLETED
        session.completed_at = timezone.now()
        session.prepared_pdf = b""
        session.save(update_fields=["state", "completed_at", "prepared_pdf"])

    return _keep_signed(
        actor=actor,
        prepared=(version, main, files),
        signed=signed,
        method="external",
        cert=x509.load_der_x509_certificate(bytes(session.cert_der)),
        field_name=session.field_name,
        then=close_session,
    )


def session_for(actor: Person, session_id) -> SigningSession:
    session = SigningSession.objects.select_related("outgoing").filter(pk=session_id).first()
    if session is None or session.person_id != actor.pk:
        raise NotFound("Không tìm thấy phiên ký.")
    return session


# --- the agency seal at issue ----------------------------------------------------------------


def seal_at_issue(*, actor: Person, outgoing) -> bool:
    """Chữ ký số của cơ quan (called by outgoing_issue inside its transaction, after the number
    and date are set): the seal image at actual size over the left third of the signer's image
    on the main PDF; appendices get an image-less stamp at the top right of page 1 with the
    number/notation and the signing time. False (nothing done) when the agency has no
    credential configured. Any refusal raises, so the issue rolls back whole."""
    from qlvb.outgoing.models import VersionFileKind
    from qlvb.outgoing.services import current_version, version_files

    credential = AgencyCredential.objects.filter(agency_id=outgoing.agency_id).first()
    if credential is None:
        return False
    if not actor.has_role(Role.CLERK, outgoing.agency_id):
        raise PermissionDenied("Chỉ văn thư của cơ quan được ký số của cơ quan.")
    cert = x509.load_der_x509_certificate(bytes(credential.cert_der))
    _refuse_certificate(cert, credentials.chain_of(credential))
    files = version_files(current_version(outgoing))
    document = outgoing.document
    now = timezone.now()
    iso = now.astimezone(VN_TZ).isoformat(timespec="seconds")
    signer, session = credentials.agency_signer(credential)
    replaced = {}
    try:
        for vf in files:
            if vf.kind == VersionFileKind.SOURCE or vf.attachment.content_type != "application/pdf":
                continue
            pdf = read_attachment(vf.attachment)
            try:
                engine.open_writer(pdf)
            except engine.PdfError as exc:
                raise ValidationFailed(
                    f"Tệp {vf.attachment.original_name} bị hỏng, không ký số được.",
                    code="corrupt_pdf",
                ) from exc
            if vf.kind == VersionFileKind.MAIN:
                appearance = _seal_appearance(credential, pdf, document)
            else:
                appearance = engine.Appearance(
                    box=engine.appendix_box(pdf),
                    text_lines=[
                        f"Số, ký hiệu: {document.number_and_notation}",
                        f"Thời gian ký: {iso}",
                    ],
                )
            signed = engine.sign(
                pdf,
                signer=signer,
                appearance=appearance,
                prefix="Seal",
                reason=f"Phát hành văn bản số {document.number_and_notation}",
                location=outgoing.agency.name[:100],
                timestamper=timestamper(),
            )
            signed = with_validation_info(signed)
            _signed_pdf_check(signed)
            replaced[vf.pk] = (signed, _signed_name(vf.attachment.original_name))
    finally:
        if session is not None:
            session.close()
    if not replaced:
        return False
    version = _new_version(
        outgoing,
        actor=actor,
        files=files,
        replaced=replaced,
        note=f"Bản phát hành có chữ ký số của cơ quan ({document.number_and_notation})",
    )
    audit_record(
        actor=actor,
        action="signing.outgoing.seal",
        obj=outgoing,
        details={
            "version": version.number,
            "files": len(replaced),
            "certificate": credential.subject,
        },
    )
    return True


def _seal_appearance(credential, pdf: bytes, document) -> engine.Appearance:
    signer_box = _signature_box(pdf)
    if signer_box is None and document.signer_full_name:
        signer_box = engine.locate_signer_block(
            pdf, name=document.signer_full_name, position=document.signer_position
        )
    if signer_box is None or not credential.seal_png:
        return engine.Appearance()  # invisible agency signature
    seal = bytes(credential.seal_png)
    return engine.Appearance(box=engine.seal_box(signer_box, seal), image_png=seal)


def _signature_box(pdf: bytes) -> engine.Box | None:
    """The widget rectangle of the last visible signer's signature (not a seal)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    found = None
    for index, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            obj = annot.get_object()
            if obj.get("/FT") != "/Sig" and obj.get("/Parent", {}).get("/FT") != "/Sig":
                continue
            name = str(obj.get("/T") or "")
            rect = [float(v) for v in obj.get("/Rect") or [0, 0, 0, 0]]
            if name.startswith("Seal") or rect[2] - rect[0] < 1:
                continue
            found = engine.Box(index, *rect)
    return found


# --- verification of arriving PDFs -----------------------------------------------------------


def record_verification(attachment: Attachment, *, data: bytes | None = None) -> PdfVerification:
    """Kiểm tra chữ ký số of one stored PDF; the result kept with it."""
    if data is None:
        data = read_attachment(attachment)
    roots, crls = anchors()
    result = verify.verify_pdf(data, roots=roots, crls=crls)
    check, _ = PdfVerification.objects.update_or_create(
        attachment=attachment,
        defaults={
            "status": result["status"],
            "label": result["label"],
            "result": result,
            "checked_at": timezone.now(),
        },
    )
    return check


# How long a check of some bytes stands for another file with the same bytes (revocation data
# and trust roots change slowly; a check older than this is made again).
REUSE_CHECK_FOR = dt.timedelta(hours=1)


def verification_request_many(*, attachments: list[Attachment]) -> list[VerificationRequest]:
    """Ask for the check of PDFs just attached (post_save, created, or a bulk delivery), after
    the storing transaction commits: one INSERT of requests, or, where the same bytes were
    checked a moment ago for another file (a document delivered to every agency is one blob),
    that recent result copied as each file's own, without a job."""
    from qlvb.documents.storage import earlier_results
    from qlvb.jobs.services import enqueue_many

    since = timezone.now() - REUSE_CHECK_FOR
    earlier_by_blob = earlier_results(
        attachments,
        lambda copies: (
            PdfVerification.objects.filter(attachment_id__in=copies, checked_at__gte=since)
            .order_by("-checked_at")
            .first()
        ),
    )
    copies, requests = [], []
    for attachment in attachments:
        earlier = earlier_by_blob.get(attachment.blob_id)
        if earlier is None:
            requests.append(VerificationRequest(attachment=attachment))
        else:
            copies.append(
                PdfVerification(
                    attachment=attachment,
                    status=earlier.status,
                    label=earlier.label,
                    result=earlier.result,
                    checked_at=earlier.checked_at,
                )
            )
    PdfVerification.objects.bulk_create(copies)
    requests = VerificationRequest.objects.bulk_create(requests)
    enqueue_many(requests)
    return requests


def verify_attachment(*, actor, attachment: Attachment) -> PdfVerification:
    """Kiểm tra lại (e.g. after importing a root): audited."""
    with transaction.atomic():
        check = record_verification(attachment)
        audit_record(
            actor=actor,
            action="signing.verify",
            obj=attachment.document,
            details={"attachment": attachment.pk, "status": check.status},
        )
    return check


def b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode()
