"""Kiểm tra chữ ký số: each signature of a PDF checked with pyHanko against the trust roots
and revocation lists the administrator imported (data, not code). The result is a plain dict
(stored as JSON, shown in the reception queue, the document page and the API)."""

from __future__ import annotations

import io
import logging

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from qlvb.signing import engine

STATUS_VALID = "valid"
STATUS_INVALID = "invalid"
STATUS_UNTRUSTED = "untrusted"
STATUS_UNSIGNED = "unsigned"
STATUS_CORRUPT = "corrupt"

REVOCATION_GOOD = "good"
REVOCATION_REVOKED = "revoked"
REVOCATION_UNKNOWN = "unknown"

log = logging.getLogger(__name__)
logging.getLogger("pyhanko.sign.validation").setLevel(logging.CRITICAL)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)

STATUS_LABELS = {
    STATUS_VALID: "Chữ ký số hợp lệ",
    STATUS_INVALID: "Chữ ký số không hợp lệ",
    STATUS_UNTRUSTED: "Chứng thư số không được tin cậy",
    STATUS_UNSIGNED: "Tệp không có chữ ký số",
    STATUS_CORRUPT: "Tệp PDF hỏng, không kiểm tra được",
}

TRUST_REASONS = {
    "EXPIRED": "Chứng thư số của người ký đã hết hạn tại thời điểm ký.",
    "OUT_OF_BOUNDS_NO_POE": "Chứng thư số của người ký đã hết hạn tại thời điểm ký.",
    "OUT_OF_BOUNDS_NOT_REVOKED": "Chứng thư số của người ký đã hết hạn.",
    "NOT_YET_VALID": "Chứng thư số của người ký chưa có hiệu lực tại thời điểm ký.",
    "REVOKED": "Chứng thư số của người ký đã bị thu hồi.",
    "REVOKED_NO_POE": "Chứng thư số của người ký đã bị thu hồi.",
    "REVOKED_CA_NO_POE": "Chứng thư số của tổ chức cấp đã bị thu hồi.",
    "NO_CERTIFICATE_CHAIN_FOUND": (
        "Chứng thư số không xác thực được tới chứng thư gốc tin cậy nào đã được nhập."
    ),
    "CHAIN_CONSTRAINTS_FAILURE": "Chuỗi chứng thư số không hợp lệ.",
    "SIG_CONSTRAINTS_FAILURE": (
        "Chứng thư số không dùng để ký số (mục đích sử dụng khóa không phù hợp)."
    ),
    "TRY_LATER": "Chưa kiểm tra được tình trạng thu hồi của chứng thư số.",
}


def context_kwargs(roots: list[bytes], crls: list[bytes], *, moment=None) -> dict:
    """Trust roots and CRLs (DER) as imported; fetching OCSP/CRL over the network only when the
    deployment allows it (QLVB_SIGNING_FETCH_REVOCATION)."""
    fetch = bool(getattr(settings, "QLVB_SIGNING_FETCH_REVOCATION", False))
    return {
        "trust_roots": [asn1_x509.Certificate.load(r) for r in roots],
        "crls": [asn1_crl.CertificateList.load(c) for c in crls],
        "allow_fetching": fetch,
        "revocation_mode": "soft-fail",
        "moment": moment,
    }


def validation_context(roots: list[bytes], crls: list[bytes], *, moment=None, reader=None):
    """The context for one check; with `reader`, the revocation data embedded in the file's
    DSS (a B-LT signature) is used beside the imported CRLs."""
    kwargs = context_kwargs(roots, crls, moment=moment)
    if reader is not None:
        from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError

        try:
            return DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
        except NoDSSFoundError:
            pass
    return ValidationContext(**kwargs)


def _name(cert) -> str:
    try:
        return cert.subject.native.get("common_name") or cert.subject.human_friendly
    except Exception:
        return ""


def verify_pdf(pdf: bytes, *, roots: list[bytes], crls: list[bytes]) -> dict:
    """Every signature: signer, organisation, signing time, chain, integrity, coverage,
    modifications after signing. Never raises on a bad file: the result says why."""
    checked_at = timezone.now().isoformat()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_regular_signatures)
    except Exception:
        return {
            "status": STATUS_CORRUPT,
            "label": STATUS_LABELS[STATUS_CORRUPT],
            "reasons": ["Tệp PDF hỏng hoặc không đọc được, không kiểm tra được chữ ký số."],
            "signatures": [],
            "checked_at": checked_at,
        }
    results = []
    for embedded in signatures:
        results.append(_one(embedded, roots, crls, reader))
    if not results:
        status = STATUS_UNSIGNED
    elif any(r["status"] == STATUS_INVALID for r in results):
        status = STATUS_INVALID
    elif any(r["status"] == STATUS_UNTRUSTED for r in results):
        status = STATUS_UNTRUSTED
    else:
        status = STATUS_VALID
    reasons = [f"{r['signer']}: {reason}" for r in results for reason in r["reasons"]]
    return {
        "status": status,
        "label": STATUS_LABELS[status],
        "reasons": reasons,
        "signatures": results,
        "checked_at": checked_at,
    }


def _one(embedded, roots, crls, reader) -> dict:
    cert = embedded.signer_cert
    entry = {
        "field": embedded.field_name,
        "signer": _name(cert),
        "organization": (cert.subject.native.get("organization_name") or "") if cert else "",
        "serial": format(cert.serial_number, "X") if cert else "",
        "signing_time": None,
        "timestamp": None,
        "intact": False,
        "valid": False,
        "trusted": False,
        "revoked": False,
        "revocation": REVOCATION_UNKNOWN,
        "ltv": False,
        "coverage": "",
        "modified_after": False,
        "status": STATUS_INVALID,
        "reasons": [],
    }
    try:
        context = validation_context(roots, crls, reader=reader)
        status = engine.run_closing(
            async_validate_pdf_signature(embedded, signer_validation_context=context), context
        )
    except Exception as exc:  # malformed CMS
        entry["reasons"].append(f"Chữ ký số hỏng, không kiểm tra được ({type(exc).__name__}).")
        return entry
    entry["intact"] = bool(status.intact)
    entry["valid"] = bool(status.valid)
    entry["trusted"] = bool(status.trusted)
    entry["revoked"] = bool(status.revoked)
    entry["revocation"] = _revocation(cert, context, revoked=entry["revoked"])
    entry["ltv"] = bool(status.trusted) and _ltv_enabled(embedded, roots, reader)
    if status.signer_reported_dt:
        entry["signing_time"] = timezone.localtime(status.signer_reported_dt).isoformat()
    if status.timestamp_validity is not None:
        entry["timestamp"] = timezone.localtime(status.timestamp_validity.timestamp).isoformat()
        entry["signing_time"] = entry["timestamp"]
    coverage = status.coverage
    entry["coverage"] = coverage.name.lower() if coverage else ""
    level = status.modification_level
    from pyhanko.sign.diff_analysis import ModificationLevel

    entry["modified_after"] = coverage != SignatureCoverageLevel.ENTIRE_FILE
    reasons = entry["reasons"]
    if not status.intact or not status.valid:
        reasons.append("Nội dung tệp đã bị thay đổi sau khi ký (chữ ký không khớp nội dung).")
    elif coverage not in (
        SignatureCoverageLevel.ENTIRE_FILE,
        SignatureCoverageLevel.ENTIRE_REVISION,
    ):
        reasons.append("Chữ ký không bao phủ toàn bộ tệp.")
    elif level is not None and level not in (
        ModificationLevel.NONE,
        ModificationLevel.LTA_UPDATES,
        ModificationLevel.FORM_FILLING,
    ):
        reasons.append("Tệp đã bị sửa đổi sau khi ký (ngoài việc thêm chữ ký khác).")
    if reasons:
        entry["status"] = STATUS_INVALID
        return entry
    if not status.trusted:
        indic = status.trust_problem_indic
        entry["problem"] = getattr(indic, "name", "")
        reason = _reason_from_certificate(cert, status.signer_reported_dt)
        reasons.append(
            reason
            or TRUST_REASONS.get(entry["problem"])
            or TRUST_REASONS["NO_CERTIFICATE_CHAIN_FOUND"]
        )
        entry["status"] = STATUS_UNTRUSTED
        return entry
    entry["status"] = STATUS_VALID
    return entry


def _revocation(cert, context, *, revoked: bool) -> str:
    """Whether the signer's certificate is known not to be revoked: a current CRL of its issuer
    or an OCSP answer about it was among the data (imported, embedded or fetched)."""
    if revoked:
        return REVOCATION_REVOKED
    if cert is None:
        return REVOCATION_UNKNOWN
    now = timezone.now()
    for crl in context.crls:
        tbs = crl["tbs_cert_list"]
        next_update = tbs["next_update"].native
        if tbs["issuer"] == cert.issuer and (next_update is None or next_update >= now):
            return REVOCATION_GOOD
    for response in context.ocsps:
        try:
            basic = response["response_bytes"]["response"].parsed
            for single in basic["tbs_response_data"]["responses"]:
                if (
                    single["cert_id"]["serial_number"].native == cert.serial_number
                    and single["cert_status"].name == "good"
                ):
                    return REVOCATION_GOOD
        except (KeyError, TypeError, ValueError):
            continue
    return REVOCATION_UNKNOWN


def has_embedded_revocation(reader) -> bool:
    """The file carries validation data (a DSS with CRLs or OCSP answers)."""
    try:
        dss = reader.root["/DSS"]  # [] resolves indirect objects, .get() would not
        return any(key in dss and len(dss[key]) for key in ("/CRLs", "/OCSPs"))
    except Exception:
        return False


def _ltv_enabled(embedded, roots: list[bytes], reader) -> bool:
    """LTV-enabled (B-LT): the signature validates from the file alone, revocation data
    required for every certificate of the chain (and of the timestamp's), nothing imported
    nor fetched beside the trust roots."""
    if not has_embedded_revocation(reader):
        return False
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    kwargs = {
        "trust_roots": [asn1_x509.Certificate.load(r) for r in roots],
        "allow_fetching": False,
        "revocation_mode": "require",
    }
    try:
        context = DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
        status = engine.run(
            async_validate_pdf_signature(embedded, signer_validation_context=context)
        )
    except Exception:
        log.debug("not LTV-enabled", exc_info=True)
        return False
    log.debug("LTV check: %s", status.pretty_print_details())
    return bool(status.intact and status.valid and status.trusted)


def _reason_from_certificate(cert, moment) -> str:
    """The precise reason read from the certificate itself at the signing time, when the
    validator's indication is a general one."""
    if cert is None or moment is None:
        return ""
    if cert.not_valid_before > moment:
        return TRUST_REASONS["NOT_YET_VALID"]
    if cert.not_valid_after < moment:
        return TRUST_REASONS["EXPIRED"]
    usage = set(cert.key_usage_value.native) if cert.key_usage_value else set()
    if not usage & {"digital_signature", "non_repudiation"}:
        return TRUST_REASONS["SIG_CONSTRAINTS_FAILURE"]
    return ""


def certificate_problem(
    cert_der: bytes, *, chain: list[bytes], roots: list[bytes], crls: list[bytes], moment=None
) -> str:
    """Why a signing certificate cannot be used (Vietnamese), or "" when it can: validity
    period, chain to an imported root, revocation (imported CRLs), key usage for signing."""
    from pyhanko_certvalidator import CertificateValidator, errors

    cert = asn1_x509.Certificate.load(cert_der)
    if moment is None:
        moment = timezone.now()
    if cert.not_valid_before > moment:
        return TRUST_REASONS["NOT_YET_VALID"].replace(" tại thời điểm ký", "")
    if cert.not_valid_after < moment:
        return "Chứng thư số của người ký đã hết hạn."
    usage = set(cert.key_usage_value.native) if cert.key_usage_value else set()
    if not usage & {"digital_signature", "non_repudiation"}:
        return TRUST_REASONS["SIG_CONSTRAINTS_FAILURE"]
    context = validation_context(roots, crls, moment=moment)
    validator = CertificateValidator(
        cert,
        intermediate_certs=[asn1_x509.Certificate.load(c) for c in chain],
        validation_context=context,
    )
    try:
        engine.run_closing(validator.async_validate_path(), context)
    except errors.RevokedError:
        return TRUST_REASONS["REVOKED"]
    except errors.ExpiredError:
        return "Chứng thư số của người ký đã hết hạn."
    except errors.NotYetValidError:
        return TRUST_REASONS["NOT_YET_VALID"].replace(" tại thời điểm ký", "")
    except (errors.PathBuildingError, errors.PathValidationError):
        return TRUST_REASONS["NO_CERTIFICATE_CHAIN_FOUND"]
    return ""
