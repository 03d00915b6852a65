"""Signing benchmarks (issue 5, "Measured"): signing a 10-page PDF with a visible stamp (the
signer's image placed from the document's text) under 200 ms, and verifying it (chain, CRL,
integrity, coverage) under 100 ms. Floors: the bare pyHanko calls (invisible signature;
validate_pdf_signature alone). No database work: the figures are the PDF and crypto path."""

from __future__ import annotations

import io

from qlvb.core.bench import Benchmark, register, timed

SAMPLES = 15


def _setup(quick: bool):
    from qlvb.signing import engine, samples
    from qlvb.signing.testca import shared_ca

    ca = shared_ca()
    person = ca.person("Nguyễn Văn An")
    pdf = samples.document_pdf(pages=10)
    image = samples.signature_png()
    signer = engine.simple_signer(person.key, person.cert, person.chain)
    engine.stamp_font()
    state = {"ca": ca, "pdf": pdf, "image": image, "signer": signer}
    state["signed"] = _sign(state)
    return state


def _sign(state) -> bytes:
    from qlvb.signing import engine

    box = engine.locate_signer_block(
        state["pdf"],
        name="Nguyễn Văn An",
        position="CHỦ TỊCH",
        image_ratio=engine.image_ratio(state["image"]),
    )
    return engine.sign(
        state["pdf"],
        signer=state["signer"],
        appearance=engine.Appearance(box=box, image_png=state["image"]),
    )


def _run_sign(state, quick: bool) -> list[float]:
    return [timed(lambda: _sign(state)) for _ in range(5 if quick else SAMPLES)]


def _floor_sign(state, quick: bool) -> list[float]:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    def bare():
        writer = IncrementalPdfFileWriter(io.BytesIO(state["pdf"]))
        signers.sign_pdf(
            writer, signers.PdfSignatureMetadata(field_name="Sig1"), signer=state["signer"]
        )

    return [timed(bare) for _ in range(5 if quick else SAMPLES)]


def _run_verify(state, quick: bool) -> list[float]:
    from qlvb.signing import verify

    ca = state["ca"]
    roots, crls = [ca.root.cert_der], [ca.crl_der()]

    def check():
        result = verify.verify_pdf(state["signed"], roots=roots, crls=crls)
        assert result["status"] == "valid", result

    return [timed(check) for _ in range(5 if quick else SAMPLES)]


def _floor_verify(state, quick: bool) -> list[float]:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    def bare():
        reader = PdfFileReader(io.BytesIO(state["signed"]))
        validate_pdf_signature(reader.embedded_signatures[0])

    return [timed(bare) for _ in range(5 if quick else SAMPLES)]


register(
    Benchmark(
        name="signing.sign_visible",
        title="Ký số PDF 10 trang có hình chữ ký / sign a 10-page PDF, visible stamp",
        size="10 trang",
        target_seconds=0.200,
        metric="total",
        setup=_setup,
        run=_run_sign,
        floor=_floor_sign,
        notes="Locating the signer's name, the PNG appearance, PAdES B-B with RSA-2048.",
    )
)
register(
    Benchmark(
        name="signing.verify",
        title="Kiểm tra chữ ký số / verify the signed 10-page PDF",
        size="10 trang",
        target_seconds=0.100,
        metric="total",
        setup=_setup,
        run=_run_verify,
        floor=_floor_verify,
        notes="Chain to the imported root, CRL, integrity, coverage; floor without trust roots.",
    )
)
