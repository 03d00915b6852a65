"""Outside tests through the API: trust anchors imported by the administrator, the signer's
image and key, digital signing (server-held key; the interrupted protocol with a client whose
key the server never sees), the agency seal at issue, bad input refused with the document as
it was, verification results, and poppler's pdfsig as an independent check."""

import base64
import re
import shutil
import subprocess

import pytest

from qlvb.audit.models import AuditEvent
from qlvb.outgoing.models import OutgoingDocument, VersionFileKind
from qlvb.outgoing.services import current_version, version_files
from qlvb.outgoing.tests.flow import issue
from qlvb.signing import engine, samples, services
from qlvb.signing.models import PdfVerification, TrustAnchor

from .conftest import PIN, as_file, client_for
from .flow import to_approved

pytestmark = pytest.mark.django_db


def _main_pdf(pk, kind=VersionFileKind.MAIN) -> bytes:
    outgoing = OutgoingDocument.objects.get(pk=pk)
    vf = next(f for f in version_files(current_version(outgoing)) if f.kind == kind)
    return services.read_attachment(vf.attachment)


def _setup_signer(people, ca, *, cert=None):
    signer = people["signer"]
    issued = cert or ca.person(signer.full_name)
    client = client_for(signer)
    r = client.post(
        "/api/v1/signing/me/signature-image",
        {"image": as_file(samples.signature_png(), "chu-ky.png")},
    )
    assert r.status_code == 200, r.content
    r = client.post(
        "/api/v1/signing/me/key",
        {"pkcs12": as_file(issued.pkcs12(PIN), "khoa.p12"), "pin": PIN},
    )
    return issued, r


def test_administrator_imports_roots_and_crls(ca, admin, people):
    client = client_for(admin)
    r = client.post(
        "/api/v1/signing/trust-anchors", {"file": as_file(ca.root.cert_pem, "root.pem")}
    )
    assert r.status_code == 201, r.content
    assert r.json()["kind"] == "root"
    r = client.post("/api/v1/signing/trust-anchors", {"file": as_file(ca.crl_der(), "ca.crl")})
    assert r.status_code == 201 and r.json()["kind"] == "crl"
    again = client.post(
        "/api/v1/signing/trust-anchors", {"file": as_file(ca.root.cert_der, "root.der")}
    )
    assert again.status_code == 409
    leaf = client.post(
        "/api/v1/signing/trust-anchors",
        {"file": as_file(ca.person("Không Phải CA").cert_pem, "leaf.pem")},
    )
    assert leaf.status_code == 422 and "không phải CA" in leaf.json()["detail"]
    clerk = client_for(people["clerk"]).post(
        "/api/v1/signing/trust-anchors", {"file": as_file(ca.tsa().cert_pem, "x.pem")}
    )
    assert clerk.status_code == 403
    assert TrustAnchor.objects.count() == 2
    assert AuditEvent.objects.filter(action="signing.trust_anchor.import").count() == 2


def test_signer_signs_with_server_key_then_clerk_issues_with_seal(
    trusted, people, recipients, tmp_path
):
    _issued, r = _setup_signer(people, trusted)
    assert r.status_code == 200, r.content
    agency = people["clerk"].agency
    agency_cert = trusted.agency(agency.name)
    admin_of_agency = people["clerk"]
    from qlvb.agencies.models import RoleAssignment

    RoleAssignment.objects.create(person=admin_of_agency, agency=agency, role="admin")
    r = client_for(admin_of_agency).post(
        f"/api/v1/signing/agencies/{agency.pk}/credential",
        {
            "pkcs12": as_file(agency_cert.pkcs12("matkhau-coquan"), "coquan.p12"),
            "passphrase": "matkhau-coquan",
            "seal": as_file(samples.seal_png(), "dau.png"),
        },
    )
    assert r.status_code == 200, r.content
    appendix = samples.document_pdf(pages=1, name="Phụ lục", position="")
    pk = to_approved(people, recipients, appendix=appendix)
    signer = client_for(people["signer"])

    wrong = signer.post(
        f"/api/v1/outgoing/{pk}/digital-signature",
        {"pin": "000000"},
        content_type="application/json",
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "wrong_pin"
    assert "Mã PIN" in wrong.json()["detail"]
    outgoing = OutgoingDocument.objects.get(pk=pk)
    assert outgoing.state == "approved" and current_version(outgoing).number == 1

    r = signer.post(
        f"/api/v1/outgoing/{pk}/digital-signature", {"pin": PIN}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    assert r.json() == {"id": pk, "state": "signed", "version": 2}
    signed = _main_pdf(pk)
    check = services._signed_pdf_check(signed)
    assert [s["signer"] for s in check["signatures"]] == [people["signer"].full_name]
    event = OutgoingDocument.objects.get(pk=pk).events.get(kind="signed")
    assert event.details["method"] == "server_key"

    issued_doc = issue(people, pk, deliver=False)
    number = f"{issued_doc['code_number']}/{issued_doc['code_notation']}"
    sealed = _main_pdf(pk)
    result = services._signed_pdf_check(sealed)
    assert result["status"] == "valid", result
    assert [s["signer"] for s in result["signatures"]] == [
        people["signer"].full_name,
        agency.name,
    ]
    stamped = _main_pdf(pk, VersionFileKind.APPENDIX)
    app_result = services._signed_pdf_check(stamped)
    assert [s["signer"] for s in app_result["signatures"]] == [agency.name]
    text = _page_text(stamped)
    assert number in text and re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", text)
    assert PdfVerification.objects.filter(status="valid").count() >= 3

    # the verification API shows the same
    attachment = next(
        f.attachment
        for f in version_files(current_version(OutgoingDocument.objects.get(pk=pk)))
        if f.kind == VersionFileKind.MAIN
    )
    r = client_for(people["clerk"]).get(f"/api/v1/attachments/{attachment.pk}/signatures")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "valid" and len(r.json()["signatures"]) == 2
    outsider_agency = recipients[1]["clerk"]
    assert (
        client_for(outsider_agency)
        .get(f"/api/v1/attachments/{attachment.pk}/signatures")
        .status_code
        == 404
    )

    _pdfsig(sealed, [people["signer"].full_name, agency.name], tmp_path)
    _pdfsig(stamped, [agency.name], tmp_path)
    (tmp_path / "sealed.pdf").write_bytes(sealed)


def _page_text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    # the stamp's text lives in the signature widget's appearance: render and read it
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-l", "1", "-", "-"], input=pdf, capture_output=True)
        return out.stdout.decode()
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def _pdfsig(pdf: bytes, names: list[str], tmp_path):
    """poppler's pdfsig, an independent implementation: each signature's integrity is valid
    and the signer names are ours (the test CA is not in poppler's NSS store, so the
    certificate line is not asserted)."""
    if not shutil.which("pdfsig"):
        pytest.fail("pdfsig (poppler-utils) is missing: make setup installs it")
    path = tmp_path / "check.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert out.count("Signature Validation: Signature is Valid.") == len(names), out
    for name in names:
        assert f"Signer Certificate Common Name: {name}" in out, out
    assert "Signature Type: ETSI.CAdES.detached" in out


def test_bad_certificates_are_refused_when_imported(trusted, admin, people, recipients):
    signer = people["signer"]
    revoked = trusted.revoke(trusted.person(signer.full_name))
    services.trust_anchor_import(actor=admin, data=trusted.crl_der(), name="CRL mới")
    for issued, reason in [
        (trusted.expired(signer.full_name), "đã hết hạn"),
        (trusted.not_yet_valid(signer.full_name), "chưa có hiệu lực"),
        (revoked, "đã bị thu hồi"),
        (trusted.wrong_usage(signer.full_name), "mục đích sử dụng khóa"),
    ]:
        _cert, r = _setup_signer(people, trusted, cert=issued)
        assert r.status_code == 422, r.content
        assert reason in r.json()["detail"]
    from qlvb.signing.testca import TestCA

    _cert, r = _setup_signer(people, trusted, cert=TestCA(name="CA lạ").person("X"))
    assert r.status_code == 422 and "gốc tin cậy" in r.json()["detail"]


def test_external_signing_protocol_with_a_key_the_server_never_sees(trusted, people, recipients):
    """The desktop helper's side: it holds the key, receives the digest, returns CMS."""
    pk = to_approved(people, recipients)
    signer = people["signer"]
    device = trusted.person(signer.full_name)  # key stays in this test's "token"
    client = client_for(signer)
    r = client.post(
        f"/api/v1/outgoing/{pk}/signing-sessions",
        {
            "certificate_pem": device.cert_pem.decode(),
            "chain_pem": trusted.intermediate.cert_pem.decode(),
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    session = r.json()
    digest = base64.b64decode(session["digest"])
    assert len(digest) == 32 and session["digest_algorithm"] == "sha256"
    token = engine.simple_signer(device.key, device.cert, device.chain)

    # a signature over something else is refused, nothing changes
    wrong = engine.run(token.async_sign(b"\1" * 32, "sha256", use_pades=True)).dump()
    r = client.post(
        f"/api/v1/signing-sessions/{session['id']}/signature",
        {"cms": base64.b64encode(wrong).decode()},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["code"] == "cms_digest"
    assert "không khớp với mã băm" in r.json()["detail"]
    assert OutgoingDocument.objects.get(pk=pk).state == "approved"
    r = client.post(
        f"/api/v1/signing-sessions/{session['id']}/signature",
        {"cms": "không phải base64"},
        content_type="application/json",
    )
    assert r.status_code == 422

    cms = engine.run(token.async_sign(digest, "sha256", use_pades=True)).dump()
    r = client.post(
        f"/api/v1/signing-sessions/{session['id']}/signature",
        {"cms": base64.b64encode(cms).decode()},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "signed"
    result = services._signed_pdf_check(_main_pdf(pk))
    assert result["signatures"][0]["signer"] == signer.full_name
    again = client.post(
        f"/api/v1/signing-sessions/{session['id']}/signature",
        {"cms": base64.b64encode(cms).decode()},
        content_type="application/json",
    )
    assert again.status_code == 409


def test_prepare_refuses_a_revoked_certificate_and_a_missing_name(
    trusted, admin, people, recipients
):
    pk = to_approved(people, recipients)
    signer = people["signer"]
    revoked = trusted.revoke(trusted.person(signer.full_name))
    services.trust_anchor_import(actor=admin, data=trusted.crl_der(), name="CRL mới")
    client = client_for(signer)
    r = client.post(
        f"/api/v1/outgoing/{pk}/signing-sessions",
        {
            "certificate_pem": revoked.cert_pem.decode(),
            "chain_pem": trusted.intermediate.cert_pem.decode(),
        },
        content_type="application/json",
    )
    assert r.status_code == 422 and "thu hồi" in r.json()["detail"]
    signer.full_name = "Người Không Có Trong Văn Bản"
    signer.save()
    good = trusted.person(signer.full_name)
    body = {
        "certificate_pem": good.cert_pem.decode(),
        "chain_pem": trusted.intermediate.cert_pem.decode(),
    }
    r = client.post(
        f"/api/v1/outgoing/{pk}/signing-sessions", body, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["code"] == "placement_required"
    body["placement"] = {"page": 2, "x": 400, "y": 150}
    r = client.post(
        f"/api/v1/outgoing/{pk}/signing-sessions", body, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    body["placement"] = {"page": 9, "x": 400, "y": 150}
    r = client.post(
        f"/api/v1/outgoing/{pk}/signing-sessions", body, content_type="application/json"
    )
    assert r.status_code == 422


def test_issue_without_credential_keeps_behaviour_and_expired_agency_cert_refuses(
    trusted, people, recipients
):
    pk = to_approved(people, recipients)
    client_for(people["signer"]).post(f"/api/v1/outgoing/{pk}/sign")
    issued = issue(people, pk, deliver=False)
    assert issued["state"] == "issued"
    assert current_version(OutgoingDocument.objects.get(pk=pk)).number == 1
