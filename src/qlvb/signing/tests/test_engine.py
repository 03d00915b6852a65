"""The PDF side alone: locating the signer's block, appearances, PAdES signatures checked
by our verifier for each bad certificate, altered and corrupt files; the stamp font."""

import shutil
import subprocess

import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from pyhanko.sign.timestamps import DummyTimeStamper

from qlvb.signing import engine, samples, verify
from qlvb.signing.engine import to_asn1


def _sign(pdf, issued, **kw):
    return engine.sign(
        pdf, signer=engine.simple_signer(issued.key, issued.cert, issued.chain), **kw
    )


def _verify(pdf, ca):
    return verify.verify_pdf(pdf, roots=[ca.root.cert_der], crls=[ca.crl_der()])


def test_stamp_font_is_liberation_serif_at_1000_units_per_em():
    font = TTFont(engine.stamp_font())
    assert font["head"].unitsPerEm == 1000
    assert "Liberation Serif" in font["name"].getDebugName(1)
    assert ord("ệ") in font.getBestCmap()


def test_signer_block_is_found_between_position_and_name():
    pdf = samples.document_pdf(pages=3, name="Nguyễn Văn An", position="CHỦ TỊCH")
    box = engine.locate_signer_block(pdf, name="Nguyễn Văn An", position="Chủ tịch")
    assert box is not None and box.page == 2
    # name baseline at y=110, position at y=200 (samples.document_pdf)
    assert 110 < box.y0 < box.y1 < 200
    assert box.x0 < 595 - 160 < box.x1  # centred on the name
    assert engine.locate_signer_block(pdf, name="Trần Thị Không Có") is None


def test_valid_signature_and_seal_then_checks(ca, tmp_path):
    person = ca.person("Nguyễn Văn An")
    agency = ca.agency("UBND tỉnh Thử")
    pdf = samples.document_pdf(pages=10)
    image = samples.signature_png()
    box = engine.locate_signer_block(
        pdf, name="Nguyễn Văn An", position="CHỦ TỊCH", image_ratio=engine.image_ratio(image)
    )
    signed = _sign(pdf, person, appearance=engine.Appearance(box=box, image_png=image))
    seal = samples.seal_png()
    seal_box = engine.seal_box(box, seal)
    # the seal at actual size (36 mm) covers the left third of the signer's image
    assert seal_box.width == pytest.approx(36 * engine.MM, abs=0.5)
    assert seal_box.x1 == pytest.approx(box.x0 + box.width / 3)
    sealed = _sign(
        signed, agency, appearance=engine.Appearance(box=seal_box, image_png=seal), prefix="Seal"
    )
    result = _verify(sealed, ca)
    assert result["status"] == "valid", result
    names = [s["signer"] for s in result["signatures"]]
    assert names == ["Nguyễn Văn An", "UBND tỉnh Thử"]
    assert result["signatures"][1]["coverage"] == "entire_file"
    assert result["signatures"][0]["signing_time"].endswith("+07:00")
    # look at it: blue pixels inside the signer's box, red inside the seal's
    if shutil.which("pdftoppm"):
        out = tmp_path / "page"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "72", "-f", "10", "-l", "10", "-singlefile", "-", out],
            input=sealed,
            check=True,
        )
        img = Image.open(f"{out}.png").convert("RGB")
        h = img.height

        def pixels(b):
            crop = img.crop((int(b.x0), int(h - b.y1), int(b.x1), int(h - b.y0)))
            raw = crop.tobytes()
            return [tuple(raw[i : i + 3]) for i in range(0, len(raw), 3)]

        assert any(b > 150 and r < 100 for r, g, b in pixels(box))  # blue ink
        assert any(r > 180 and g < 80 and b < 80 for r, g, b in pixels(seal_box))  # red seal


def test_timestamped_signature_is_b_t(ca):
    tsa = ca.tsa()
    stamper = DummyTimeStamper(
        tsa_cert=to_asn1(tsa.cert),
        tsa_key=engine.simple_signer(tsa.key, tsa.cert, tsa.chain).signing_key,
        certs_to_embed=[to_asn1(c) for c in tsa.chain],
    )
    signed = _sign(
        samples.document_pdf(),
        ca.person("Nguyễn Văn An"),
        appearance=engine.Appearance(),
        timestamper=stamper,
    )
    result = _verify(signed, ca)
    assert result["status"] == "valid", result
    assert result["signatures"][0]["timestamp"] is not None


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda ca: ca.expired("Hết Hạn"), "đã hết hạn"),
        (lambda ca: ca.not_yet_valid("Chưa Hiệu Lực"), "chưa có hiệu lực"),
        (lambda ca: ca.revoke(ca.person("Bị Thu Hồi")), "đã bị thu hồi"),
        (lambda ca: ca.wrong_usage("Sai Mục Đích"), "mục đích sử dụng khóa"),
    ],
)
def test_bad_certificates_are_flagged_with_the_reason(ca, make, reason):
    issued = make(ca)
    signed = _sign(samples.document_pdf(), issued, appearance=engine.Appearance())
    result = _verify(signed, ca)
    assert result["status"] == "untrusted"
    assert reason in result["reasons"][0]
    problem = verify.certificate_problem(
        issued.cert_der,
        chain=[ca.intermediate.cert_der],
        roots=[ca.root.cert_der],
        crls=[ca.crl_der()],
    )
    assert reason.split()[-1] in problem


def test_untrusted_root_altered_and_corrupt(ca):
    from qlvb.signing.testca import TestCA

    signed = _sign(
        samples.document_pdf(), ca.person("Nguyễn Văn An"), appearance=engine.Appearance()
    )
    other = TestCA(name="CA lạ")
    result = verify.verify_pdf(signed, roots=[other.root.cert_der], crls=[])
    assert result["status"] == "untrusted"
    assert "chứng thư gốc tin cậy" in result["reasons"][0]
    altered = bytearray(signed)
    at = signed.find(b"/Producer")  # inside the signed byte range
    assert at > 0
    altered[at + 1] = ord("Q")
    result = _verify(bytes(altered), ca)
    assert result["status"] in ("invalid", "corrupt")
    assert result["reasons"]
    assert _verify(b"%PDF-1.7\ngarbage", ca)["status"] == "corrupt"
    assert _verify(samples.document_pdf(), ca)["status"] == "unsigned"


def test_external_digest_signed_elsewhere_round_trip(ca):
    person = ca.person("Nguyễn Văn An")
    pdf = samples.document_pdf()
    prepared = engine.prepare_external(
        pdf, cert=person.cert, chain=person.chain, appearance=engine.Appearance()
    )
    assert engine.byte_range_digest(prepared.pdf, prepared.start, prepared.end) == prepared.digest
    client = engine.simple_signer(person.key, person.cert, person.chain)
    cms = engine.run(client.async_sign(prepared.digest, "sha256", use_pades=True)).dump()
    engine.check_external_cms(cms, digest=prepared.digest, cert_der=person.cert_der)
    signed = engine.finish_external(
        prepared.pdf, start=prepared.start, end=prepared.end, digest=prepared.digest, cms_der=cms
    )
    assert _verify(signed, ca)["status"] == "valid"
    other = engine.run(client.async_sign(b"\0" * 32, "sha256", use_pades=True)).dump()
    with pytest.raises(engine.SignatureMismatch, match="digest"):
        engine.check_external_cms(other, digest=prepared.digest, cert_der=person.cert_der)
    stranger = ca.person("Người Khác")
    with pytest.raises(engine.SignatureMismatch, match="certificate"):
        engine.check_external_cms(cms, digest=prepared.digest, cert_der=stranger.cert_der)
