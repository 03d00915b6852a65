"""/api/v1/signing and the signing endpoints of outgoing documents: trust anchors, signature
images, keys, agency credentials, digital signing (server key or the interrupted protocol of
docs/signing-protocol.md), verification results. Thin: services change, selectors read."""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from qlvb.agencies.models import Agency
from qlvb.core.errors import NotFound, PermissionDenied, ValidationFailed
from qlvb.outgoing import selectors as outgoing_selectors
from qlvb.signing import selectors, services

router = Router(tags=["Chữ ký số"])


def _person(request):
    actor = request.auth
    if getattr(actor, "is_token", False):
        raise PermissionDenied("Mã truy cập API không dùng được để ký số; hãy đăng nhập.")
    return actor


def _read(upload: UploadedFile | None) -> bytes:
    return upload.read() if upload is not None else b""


class AnchorOut(Schema):
    id: int
    kind: str
    name: str
    sha256: str
    not_after: dt.datetime | None
    imported_at: dt.datetime


@router.get("/signing/trust-anchors", response=list[AnchorOut], summary="Chứng thư số tin cậy")
def anchor_list(request):
    return list(selectors.trust_anchors())


@router.post(
    "/signing/trust-anchors",
    response={201: AnchorOut},
    summary="Nhập chứng thư số gốc tin cậy hoặc CRL (PEM/DER)",
)
def anchor_import(request, file: File[UploadedFile], name: Form[str] = ""):
    return Status(
        201, services.trust_anchor_import(actor=_person(request), data=_read(file), name=name)
    )


class OkOut(Schema):
    ok: bool = True
    detail: str = ""


@router.post("/signing/me/signature-image", response=OkOut, summary="Tải ảnh chữ ký (PNG)")
def image_upload(request, image: File[UploadedFile]):
    actor = _person(request)
    services.signature_image_upload(actor=actor, person=actor, data=_read(image))
    return OkOut()


@router.post("/signing/me/key", response=OkOut, summary="Nhập khóa ký số lưu trên máy chủ")
def key_import(request, pkcs12: File[UploadedFile], pin: Form[str]):
    actor = _person(request)
    record = services.person_key_import(actor=actor, person=actor, pkcs12=_read(pkcs12), pin=pin)
    return OkOut(detail=record.subject)


class CredentialIn(Schema):
    passphrase: str = ""
    pkcs11_module: str = ""
    pkcs11_token: str = ""
    pkcs11_key_label: str = ""
    pin: str = ""


@router.post(
    "/signing/agencies/{agency_id}/credential",
    response=OkOut,
    summary="Cấu hình chứng thư số và con dấu của cơ quan",
)
def credential_save(
    request,
    agency_id: int,
    payload: Form[CredentialIn],
    pkcs12: File[UploadedFile] = None,
    certificate: File[UploadedFile] = None,
    chain: File[UploadedFile] = None,
    seal: File[UploadedFile] = None,
):
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("Không tìm thấy cơ quan.")
    credential = services.agency_credential_save(
        actor=_person(request),
        agency=agency,
        pkcs12=_read(pkcs12) or None,
        passphrase=payload.passphrase,
        pkcs11_module=payload.pkcs11_module,
        pkcs11_token=payload.pkcs11_token,
        pkcs11_key_label=payload.pkcs11_key_label,
        pin=payload.pin,
        certificate=_read(certificate) or None,
        chain=_read(chain) or None,
        seal_png=_read(seal) or None,
    )
    return OkOut(detail=credential.subject)


class Placement(Schema):
    page: int | None = None
    x: float
    y: float
    width: float | None = None


class SignIn(Schema):
    pin: str
    placement: Placement | None = None


class SignedOut(Schema):
    id: int
    state: str
    version: int


def _signed(outgoing) -> SignedOut:
    from qlvb.outgoing.services import current_version

    outgoing.refresh_from_db()
    version = current_version(outgoing)
    return SignedOut(id=outgoing.pk, state=outgoing.state, version=version.number)


def _placement(p: Placement | None):
    return p.dict() if p is not None else None


@router.post(
    "/outgoing/{pk}/digital-signature",
    response=SignedOut,
    summary="Ký số bằng khóa lưu trên máy chủ (PAdES)",
)
def sign_with_key(request, pk: int, payload: SignIn):
    actor = _person(request)
    outgoing = outgoing_selectors.outgoing_get(viewer=actor, pk=pk)
    services.outgoing_sign_with_key(
        actor=actor, outgoing=outgoing, pin=payload.pin, placement=_placement(payload.placement)
    )
    return _signed(outgoing)


class PrepareIn(Schema):
    certificate_pem: str
    chain_pem: str = ""
    placement: Placement | None = None


class SessionOut(Schema):
    id: str
    digest_algorithm: str = "sha256"
    digest: str  # base64
    field_name: str
    expires_at: dt.datetime
    state: str


def _session(session) -> SessionOut:
    return SessionOut(
        id=str(session.pk),
        digest=services.b64(session.digest),
        field_name=session.field_name,
        expires_at=session.expires_at,
        state=session.state,
    )


@router.post(
    "/outgoing/{pk}/signing-sessions",
    response={201: SessionOut},
    summary="Ký bằng thiết bị của người ký — bước 1: chuẩn bị văn bản và mã băm",
)
def session_prepare(request, pk: int, payload: PrepareIn):
    actor = _person(request)
    outgoing = outgoing_selectors.outgoing_get(viewer=actor, pk=pk)
    session = services.external_prepare(
        actor=actor,
        outgoing=outgoing,
        certificate=payload.certificate_pem.encode(),
        chain=payload.chain_pem.encode(),
        placement=_placement(payload.placement),
    )
    return Status(201, _session(session))


@router.get("/signing-sessions/{session_id}", response=SessionOut, summary="Phiên ký")
def session_get(request, session_id: str):
    return _session(services.session_for(_person(request), session_id))


class CompleteIn(Schema):
    cms: str  # base64 DER CMS SignedData (detached), messageDigest = the digest


@router.post(
    "/signing-sessions/{session_id}/signature",
    response=SignedOut,
    summary="Ký bằng thiết bị của người ký — bước 2: gửi chữ ký CMS",
)
def session_complete(request, session_id: str, payload: CompleteIn):
    actor = _person(request)
    session = services.session_for(actor, session_id)
    try:
        cms = base64.b64decode(payload.cms, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed(
            "Chữ ký gửi lên không phải base64.", code="cms_format", errors={"cms": ["base64"]}
        ) from exc
    services.external_complete(actor=actor, session=session, cms=cms)
    return _signed(session.outgoing)


class SignatureOut(Schema):
    field: str
    signer: str
    organization: str
    signing_time: str | None
    timestamp: str | None
    intact: bool
    trusted: bool
    revoked: bool
    revocation: str = "unknown"  # good (a current CRL or OCSP answer), revoked, unknown
    ltv: bool = False  # revocation data embedded in the file (PAdES B-LT)
    coverage: str
    status: str
    reasons: list[str]


class CheckOut(Schema):
    attachment_id: int
    status: str
    label: str
    reasons: list[str]
    checked_at: dt.datetime
    signatures: list[SignatureOut]


def _check(attachment, check) -> CheckOut:
    result = check.result
    return CheckOut(
        attachment_id=attachment.pk,
        status=check.status,
        label=check.label,
        reasons=result.get("reasons", []),
        checked_at=check.checked_at,
        signatures=result.get("signatures", []),
    )


@router.get("/attachments/{pk}/signatures", response=CheckOut, summary="Kết quả kiểm tra chữ ký số")
def check_get(request, pk: int):
    attachment = selectors.attachment_visible(viewer=request.auth, pk=pk)
    check = selectors.check_for(attachment)
    if check is None:
        raise NotFound("Tệp không phải PDF, không có chữ ký số để kiểm tra.")
    return _check(attachment, check)


@router.post(
    "/attachments/{pk}/signatures/verify", response=CheckOut, summary="Kiểm tra lại chữ ký số"
)
def check_again(request, pk: int):
    attachment = selectors.attachment_visible(viewer=request.auth, pk=pk)
    if attachment.content_type != "application/pdf":
        raise NotFound("Tệp không phải PDF, không có chữ ký số để kiểm tra.")
    check = services.verify_attachment(actor=request.auth, attachment=attachment)
    return _check(attachment, check)
