"""The agency's key in a PKCS#11 token (SoftHSM2 made by the test in a temporary folder): the
agency administrator configures it through the API, the clerk issues and the seal is made in
the token; a wrong PIN, token or key label is refused with the precise reason in Vietnamese
and the document stays as it was."""

import pytest

from qlvb.agencies.models import RoleAssignment
from qlvb.outgoing.models import OutgoingDocument
from qlvb.outgoing.services import current_version
from qlvb.signing import credentials, samples, services
from qlvb.signing.models import AgencyCredential

from . import softhsm
from .conftest import as_file, client_for
from .flow import to_approved
from .test_flow import _main_pdf, _pdfsig, _setup_signer

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def token_folder(tmp_path_factory):
    """One token per test process: the PKCS#11 library reads SOFTHSM2_CONF once, when it is
    first loaded, and python-pkcs11 keeps it loaded."""
    reason = softhsm.missing()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("softhsm")
    conf = softhsm.write_conf(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(conf))
        yield folder


@pytest.fixture(scope="module")
def agency_in_token(token_folder, ca):
    """The agency certificate of the test CA, its key inside the token only."""
    from qlvb.signing.testca import shared_ca

    issued = shared_ca().agency("UBND tỉnh Đắk Lắk")
    softhsm.make_token(token_folder, issued)
    return issued


def _configure(people, issued, **over):
    admin = people["clerk"]
    agency = admin.agency
    RoleAssignment.objects.get_or_create(person=admin, agency=agency, role="admin")
    data = {
        "pkcs11_module": softhsm.module(),
        "pkcs11_token": softhsm.TOKEN,
        "pkcs11_key_label": softhsm.KEY_LABEL,
        "pin": softhsm.USER_PIN,
        "certificate": as_file(issued.cert_pem, "coquan.pem"),
        "chain": as_file(b"".join(c.public_bytes(_pem()) for c in issued.chain), "chuoi.pem"),
        "seal": as_file(samples.seal_png(), "dau.png"),
        **over,
    }
    return client_for(admin).post(f"/api/v1/signing/agencies/{agency.pk}/credential", data)


def _pem():
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.PEM


def test_agency_key_in_a_token_seals_at_issue(
    agency_in_token, trusted, people, recipients, tmp_path
):
    r = _configure(people, agency_in_token)
    assert r.status_code == 200, r.content
    credential = AgencyCredential.objects.get(agency=people["clerk"].agency)
    assert credential.kind == "pkcs11" and credential.pkcs12_sealed is None
    assert credential.pkcs11_token == softhsm.TOKEN
    assert credentials.agency_signing_key(credential.agency) is None  # never leaves the token
    _setup_signer(people, trusted)
    pk = to_approved(people, recipients)
    signer = client_for(people["signer"])
    r = signer.post(
        f"/api/v1/outgoing/{pk}/digital-signature",
        {"pin": "123456"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    r = client_for(people["clerk"]).post(f"/api/v1/outgoing/{pk}/issue")
    assert r.status_code == 200, r.content
    sealed = _main_pdf(pk)
    result = services._signed_pdf_check(sealed)
    assert result["status"] == "valid", result
    names = [s["signer"] for s in result["signatures"]]
    assert names == [people["signer"].full_name, "UBND tỉnh Đắk Lắk"]
    _pdfsig(sealed, names, tmp_path)


@pytest.mark.parametrize(
    ("field", "value", "code", "words"),
    [
        ("pin", "000000", "wrong_pin", "Mã PIN của thiết bị ký số"),
        ("pkcs11_token", "khong-co", "token_not_found", "Không tìm thấy thiết bị ký số"),
        ("pkcs11_key_label", "khong-co", "token_key_not_found", "Không tìm thấy khóa bí mật"),
        ("pkcs11_module", "/usr/lib/khong-co.so", "token_module", "Không nạp được thư viện"),
    ],
)
def test_a_bad_token_setting_is_refused_and_nothing_is_saved(
    agency_in_token, trusted, people, field, value, code, words
):
    r = _configure(people, agency_in_token, **{field: value})
    assert r.status_code == 422, r.content
    assert r.json()["code"] == code and words in r.json()["detail"]
    assert not AgencyCredential.objects.exists()


def test_a_wrong_pin_at_issue_leaves_the_document_as_it_was(
    agency_in_token, trusted, people, recipients
):
    assert _configure(people, agency_in_token).status_code == 200
    # the token's PIN changed after the administrator configured it
    AgencyCredential.objects.update(secret_sealed=credentials.seal(b"999999"))
    _setup_signer(people, trusted)
    pk = to_approved(people, recipients)
    client_for(people["signer"]).post(
        f"/api/v1/outgoing/{pk}/digital-signature",
        {"pin": "123456"},
        content_type="application/json",
    )
    before = OutgoingDocument.objects.get(pk=pk)
    version = current_version(before).number
    r = client_for(people["clerk"]).post(f"/api/v1/outgoing/{pk}/issue")
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "wrong_pin"
    assert "Mã PIN của thiết bị ký số của cơ quan" in r.json()["detail"]
    after = OutgoingDocument.objects.get(pk=pk)
    assert after.state == before.state == "signed"
    assert current_version(after).number == version
    assert not after.document.code_number  # no number taken
