"""PAdES B-LT: the test CA publishes its CRLs and a timestamp authority from a local HTTP server
process; with fetching on, the signer's signature gets a timestamp (B-T) and the chain's
revocation data embedded (DSS), so it validates from the file alone (LTV-enabled, pyHanko with
revocation data required) and pdfsig still validates it. When the CA cannot be reached the
signature stays B-T and signing still works."""

import io
import subprocess
import sys

import pytest

from qlvb.signing import engine, samples, services, verify
from qlvb.signing.testca import TestCA

from .conftest import client_for
from .flow import to_approved
from .test_flow import _main_pdf, _pdfsig, _setup_signer

pytestmark = pytest.mark.django_db


def _serve(folder, **ca_options):
    """The publication point's process, and a CA whose certificates point at it."""
    server = subprocess.Popen(
        [sys.executable, "-m", "qlvb.signing.tests.revocation_server", str(folder)],
        stdout=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{int(server.stdout.readline())}"
    ca = TestCA(name="Root CA công bố CRL", crl_base=base, **ca_options)
    ca.publish(folder)
    return {"ca": ca, "url": base, "server": server, "folder": folder}


@pytest.fixture(scope="module")
def publication(tmp_path_factory):
    served = _serve(tmp_path_factory.mktemp("ca-publication"))
    yield served
    served["server"].kill()
    served["server"].wait()


@pytest.fixture(scope="module")
def ocsp_publication(tmp_path_factory):
    served = _serve(tmp_path_factory.mktemp("ca-ocsp"), ocsp=True)
    yield served
    served["server"].kill()
    served["server"].wait()


@pytest.fixture
def fetching(publication, settings, admin):
    settings.QLVB_SIGNING_FETCH_REVOCATION = True
    settings.QLVB_SIGNING_TSA_URL = f"{publication['url']}/tsa"
    # only the root is imported: the CRLs come from the CA's own publication point
    services.trust_anchor_import(actor=admin, data=publication["ca"].root.cert_pem)
    return publication["ca"]


def test_signature_is_b_lt_when_revocation_data_can_be_fetched(
    fetching, people, recipients, tmp_path
):
    _setup_signer(people, fetching)
    pk = to_approved(people, recipients)
    r = client_for(people["signer"]).post(
        f"/api/v1/outgoing/{pk}/digital-signature",
        {"pin": "123456"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    signed = _main_pdf(pk)
    result = verify.verify_pdf(signed, roots=[fetching.root.cert_der], crls=[])
    assert result["status"] == "valid", result
    (signature,) = result["signatures"]
    assert signature["timestamp"] is not None  # B-T under it
    assert signature["ltv"] is True  # validates from the file alone, revocation required
    assert signature["revocation"] == "good"
    _pdfsig(signed, [people["signer"].full_name], tmp_path)

    # the same signature without the DSS is not LTV-enabled: the check can fail
    plain = engine.sign(
        samples.document_pdf(),
        signer=engine.simple_signer(*_key(fetching)),
        appearance=engine.Appearance(),
        timestamper=services.timestamper(),
    )
    bare = verify.verify_pdf(plain, roots=[fetching.root.cert_der], crls=[])
    assert bare["status"] == "valid" and bare["signatures"][0]["ltv"] is False
    lt = services.with_validation_info(plain)
    assert verify.verify_pdf(lt, roots=[fetching.root.cert_der], crls=[])["signatures"][0]["ltv"]


def _key(ca):
    issued = ca.person("Người Ký Khác")
    return issued.key, issued.cert, issued.chain


def test_ocsp_answers_are_embedded_and_a_revoked_signer_is_told(ocsp_publication, settings, admin):
    """End-entity certificates that name an OCSP responder (no CRL): the answer is embedded
    (DSS /OCSPs) for B-LT, and a revoked signer is found revoked by asking the responder."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    ca = ocsp_publication["ca"]
    settings.QLVB_SIGNING_FETCH_REVOCATION = True
    settings.QLVB_SIGNING_TSA_URL = f"{ocsp_publication['url']}/tsa"
    services.trust_anchor_import(actor=admin, data=ca.root.cert_pem)

    def sign(issued):
        return engine.sign(
            samples.document_pdf(),
            signer=engine.simple_signer(issued.key, issued.cert, issued.chain),
            appearance=engine.Appearance(),
            timestamper=services.timestamper(),
        )

    lt = services.with_validation_info(sign(ca.person("Người Ký OCSP")))
    dss = PdfFileReader(io.BytesIO(lt)).root["/DSS"]
    assert len(dss["/OCSPs"]) >= 1
    result = verify.verify_pdf(lt, roots=[ca.root.cert_der], crls=[])
    assert result["status"] == "valid", result
    assert result["signatures"][0]["revocation"] == "good"
    assert result["signatures"][0]["ltv"] is True

    revoked = ca.revoke(ca.person("Bị Thu Hồi OCSP"))
    ca.publish(ocsp_publication["folder"])
    result = verify.verify_pdf(sign(revoked), roots=[ca.root.cert_der], crls=[])
    assert result["status"] == "untrusted"
    assert result["signatures"][0]["revocation"] == "revoked"
    assert "đã bị thu hồi" in result["reasons"][0]


def test_unreachable_ca_leaves_the_signature_b_t(fetching, publication, settings):
    plain = engine.sign(
        samples.document_pdf(),
        signer=engine.simple_signer(*_key(fetching)),
        appearance=engine.Appearance(),
        timestamper=services.timestamper(),
    )
    publication["server"].kill()
    publication["server"].wait()
    assert services.with_validation_info(plain) == plain
    result = verify.verify_pdf(plain, roots=[fetching.root.cert_der], crls=[])
    assert result["status"] == "valid" and not result["signatures"][0]["ltv"]
