"""The PDF side of signatures (pyHanko): locating the signer's name, visible appearances (the
signer's image, the agency seal, the appendix text stamp), signing with a key held here, and
the interrupted protocol where the signature is made elsewhere (the person's USB token).

Pure functions on bytes; no database. The services decide who may call them.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from PIL import Image
from pyhanko.pdf_utils import images, layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.stamp import StaticStampStyle, TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from qlvb.core.text import fold

FONT_SOURCE = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
EXTERNAL_RESERVE = 24576  # bytes kept for a CMS made elsewhere (chain, timestamp included)
MM = 72 / 25.4

logging.getLogger("fontTools").setLevel(logging.WARNING)


class PdfError(Exception):
    """The file is not a PDF pyHanko can open (corrupt, encrypted...)."""


@dataclass(frozen=True)
class Box:
    page: int  # 0-based
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def as_list(self) -> list[float]:
        return [round(v, 2) for v in (self.x0, self.y0, self.x1, self.y1)]


# --- fonts -----------------------------------------------------------------------------------


@cache
def stamp_font() -> str:
    """Liberation Serif (metric-compatible with Times New Roman, Vietnamese glyphs) rescaled to
    1000 units per em: pyHanko lays glyphs out in 1/1000 em, so a 2048-upm TrueType font would
    render with huge letter spacing (docs/design pitfalls)."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    base = Path(os.environ.get("QLVB_DATA_DIR", "data")) / "fonts"
    target = base / "LiberationSerif-Regular-1000upm.ttf"
    if not target.exists():
        base.mkdir(parents=True, exist_ok=True)
        font = TTFont(FONT_SOURCE)
        if font["head"].unitsPerEm != 1000:
            scale_upem(font, 1000)
        tmp = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        font.save(tmp)
        os.replace(tmp, target)
    return str(target)


# --- opening -----------------------------------------------------------------------------------


def open_writer(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        writer.root  # noqa: B018 — forces the trailer/catalog to be read
        if writer.prev.encrypted:
            raise PdfError("encrypted")
        return writer
    except PdfError:
        raise
    except Exception as exc:
        raise PdfError(str(exc)) from exc


def page_count_and_sizes(pdf: bytes) -> list[tuple[float, float]]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(pdf))
        return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    except Exception as exc:
        raise PdfError(str(exc)) from exc


# --- locating the signer's block ------------------------------------------------------------


def _text_runs(pdf: bytes, page_index: int) -> list[tuple[str, float, float, float]]:
    """(text, x, y, font size) of each text run on one page, in user space."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[page_index]
    runs: list[tuple[str, float, float, float]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text or not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = (cm[3] ** 2 + cm[1] ** 2) ** 0.5 or 1
        size = (font_size or 10) * ((tm[3] ** 2 + tm[1] ** 2) ** 0.5 or 1) * scale
        runs.append((text, x, y, size))

    page.extract_text(visitor_text=visit)
    return runs


def locate_signer_block(
    pdf: bytes, *, name: str, position: str = "", image_ratio: float = 2.0
) -> Box | None:
    """The box between the signer's position and their name on the last page where the name
    appears (Phụ lục I II.7): found from the document's own text. None when the name is absent."""
    try:
        count = len(page_count_and_sizes(pdf))
    except PdfError:
        return None
    wanted = fold(name).strip()
    if not wanted:
        return None
    for page_index in range(count - 1, -1, -1):
        runs = _text_runs(pdf, page_index)
        hits = [r for r in runs if wanted in fold(r[0])]
        if not hits:
            continue
        text, x, y, size = min(hits, key=lambda r: r[2])  # the lowest: the signer block
        start = fold(text).find(wanted)
        char_w = size * 0.5
        name_x0 = x + start * char_w
        name_w = len(name) * char_w
        centre = name_x0 + name_w / 2
        top_limit = y + 90
        if position:
            wanted_pos = fold(position).strip()
            above = [
                r for r in runs if wanted_pos and wanted_pos in fold(r[0]) and y < r[2] < y + 200
            ]
            if above:
                top_limit = min(r[2] for r in above) - 2
        y0 = y + size + 2
        height = max(24.0, min(60.0, top_limit - y0))
        width = height * image_ratio
        return Box(page_index, centre - width / 2, y0, centre + width / 2, y0 + height)
    return None


def image_ratio(png: bytes) -> float:
    with Image.open(io.BytesIO(png)) as img:
        return img.width / max(1, img.height)


def seal_box(signer_box: Box, seal_png: bytes) -> Box:
    """The seal at actual size (from the PNG's dpi, 36 mm when absent) covering the left third
    of the signer's image (Phụ lục I II.8), centred on it vertically."""
    with Image.open(io.BytesIO(seal_png)) as img:
        dpi = img.info.get("dpi", (0, 0))[0] or 0
        w_px, h_px = img.width, img.height
    if dpi and dpi > 1:
        width = w_px / dpi * 72
        height = h_px / dpi * 72
    else:
        width = 36 * MM
        height = width * h_px / max(1, w_px)
    right = signer_box.x0 + signer_box.width / 3
    middle = (signer_box.y0 + signer_box.y1) / 2
    return Box(signer_box.page, right - width, middle - height / 2, right, middle + height / 2)


def appendix_box(pdf: bytes) -> Box:
    """Top right of page 1, inside a 15 mm margin: the appendix stamp's place."""
    width, height = page_count_and_sizes(pdf)[0]
    margin = 15 * MM
    return Box(0, width - margin - 200, height - 6 * MM - 28, width - margin, height - 6 * MM)


# --- appearances -----------------------------------------------------------------------------


def _image_style(png: bytes) -> StaticStampStyle:
    img = Image.open(io.BytesIO(png))
    img.load()
    if img.mode not in ("RGBA", "LA", "RGB", "L"):
        img = img.convert("RGBA")
    return StaticStampStyle(
        background=images.PdfImage(img),
        border_width=0,
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(0, 0, 0, 0),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
    )


def _text_style(lines: list[str]) -> TextStampStyle:
    return TextStampStyle(
        stamp_text="\n".join(line.replace("%", "%%") for line in lines),
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(stamp_font(), font_size=10), font_size=10, leading=12
        ),
        border_width=0,
        background=None,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX,
            y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins(0, 0, 0, 0),
            inner_content_scaling=layout.InnerScaling.NO_SCALING,
        ),
    )


@dataclass
class Appearance:
    box: Box | None = None  # None: an invisible signature
    image_png: bytes | None = None
    text_lines: list[str] | None = None

    def style(self):
        if self.box is None:
            return None
        if self.image_png:
            return _image_style(self.image_png)
        return _text_style(self.text_lines or [])


def _field_name(writer: IncrementalPdfFileWriter, prefix: str) -> str:
    existing = {name for name, _, _ in fields.enumerate_sig_fields(writer.prev)}
    index = 1
    while f"{prefix}{index}" in existing:
        index += 1
    return f"{prefix}{index}"


def _pdf_signer(writer, *, signer, appearance: Appearance, prefix, reason, timestamper, location):
    name = _field_name(writer, prefix)
    spec = None
    if appearance.box is not None:
        b = appearance.box
        spec = fields.SigFieldSpec(
            sig_field_name=name, on_page=b.page, box=(b.x0, b.y0, b.x1, b.y1)
        )
    else:
        spec = fields.SigFieldSpec(sig_field_name=name)
    fields.append_signature_field(writer, spec)
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        reason=reason or None,
        location=location or None,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    return signers.PdfSigner(
        meta, signer=signer, timestamper=timestamper, stamp_style=appearance.style()
    ), name


def sign(
    pdf: bytes,
    *,
    signer: signers.Signer,
    appearance: Appearance,
    prefix: str = "Sig",
    reason: str = "",
    location: str = "",
    timestamper=None,
) -> bytes:
    """Sign with a key available here (PKCS#12 loaded, PKCS#11 session): PAdES B-B, or B-T
    when a timestamper is given. Returns the whole new file (an incremental update)."""
    writer = open_writer(pdf)
    pdf_signer, _ = _pdf_signer(
        writer,
        signer=signer,
        appearance=appearance,
        prefix=prefix,
        reason=reason,
        location=location,
        timestamper=timestamper,
    )
    out = io.BytesIO()
    run(pdf_signer.async_sign_pdf(writer, output=out))
    return out.getvalue()


@dataclass
class Prepared:
    pdf: bytes  # the document in its final pre-signing state (placeholder for the CMS)
    digest: bytes  # SHA-256 over the /ByteRange
    start: int
    end: int
    field_name: str


def prepare_external(
    pdf: bytes,
    *,
    cert: x509.Certificate,
    chain: list[x509.Certificate],
    appearance: Appearance,
    reason: str = "",
) -> Prepared:
    """Step 1 of the interrupted protocol: the placeholder and the digest to sign elsewhere."""
    writer = open_writer(pdf)
    external = signers.ExternalSigner(
        signing_cert=to_asn1(cert),
        cert_registry=SimpleCertificateStore.from_certs([to_asn1(c) for c in chain]),
        signature_value=bytes(512),
    )
    pdf_signer, name = _pdf_signer(
        writer,
        signer=external,
        appearance=appearance,
        prefix="Sig",
        reason=reason,
        location="",
        timestamper=None,
    )
    prep_digest, _tbs, output = run(
        pdf_signer.async_digest_doc_for_signing(writer, bytes_reserved=EXTERNAL_RESERVE)
    )
    return Prepared(
        pdf=output.getvalue(),
        digest=prep_digest.document_digest,
        start=prep_digest.reserved_region_start,
        end=prep_digest.reserved_region_end,
        field_name=name,
    )


class SignatureMismatch(Exception):
    """The posted CMS is not a signature over the prepared digest by the expected certificate."""


def check_external_cms(cms_der: bytes, *, digest: bytes, cert_der: bytes) -> cms.ContentInfo:
    """The posted container must be CMS SignedData whose signed messageDigest is the prepared
    digest and whose signer is the certificate given at preparation time."""
    try:
        info = cms.ContentInfo.load(cms_der)
        signed = info["content"]
        if info["content_type"].native != "signed_data":
            raise ValueError("not signed data")
        signer_info = signed["signer_infos"][0]
        attrs = {a["type"].native: a["values"][0] for a in signer_info["signed_attrs"]}
        message_digest = attrs["message_digest"].native
        certs = [c.chosen for c in signed["certificates"]]
    except SignatureMismatch:
        raise
    except Exception as exc:
        raise SignatureMismatch("format") from exc
    if message_digest != digest:
        raise SignatureMismatch("digest")
    sid = signer_info["sid"].chosen
    signer_cert = None
    for c in certs:
        if isinstance(sid, cms.IssuerAndSerialNumber):
            if c.serial_number == sid["serial_number"].native and c.issuer == sid["issuer"]:
                signer_cert = c
        elif c.key_identifier == sid.native:
            signer_cert = c
    if signer_cert is None or signer_cert.dump() != cert_der:
        raise SignatureMismatch("certificate")
    _check_cms_signature(signer_info, signer_cert, digest)
    return info


def _check_cms_signature(signer_info, signer_cert, digest: bytes) -> None:
    from pyhanko.sign.validation.generic_cms import validate_sig_integrity

    try:
        intact, valid = validate_sig_integrity(
            signer_info, signer_cert, expected_content_type="data", actual_digest=digest
        )
    except Exception as exc:
        raise SignatureMismatch("signature") from exc
    if not intact:
        raise SignatureMismatch("digest")
    if not valid:
        raise SignatureMismatch("signature")


def finish_external(prepared_pdf: bytes, *, start: int, end: int, digest: bytes, cms_der: bytes):
    """Step 2: embed the posted CMS in the reserved region (pyHanko interrupted signing)."""
    out = io.BytesIO(prepared_pdf)
    PdfTBSDocument.finish_signing(
        out, PreparedByteRangeDigest(digest, start, end), cms.ContentInfo.load(cms_der)
    )
    return out.getvalue()


def add_validation_info(pdf: bytes, *, context, field_name: str | None = None) -> bytes:
    """B-LT: the certificates and revocation data (CRLs, OCSP answers) of a signature's chain,
    and of its timestamp's, fetched through `context` and written to the DSS in an incremental
    update (an update PAdES allows after signing). `field_name` defaults to the last one."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import async_add_validation_info

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    signatures = reader.embedded_regular_signatures
    embedded = next((s for s in signatures if s.field_name == field_name), signatures[-1])
    out = run_closing(async_add_validation_info(embedded, context, output=io.BytesIO()), context)
    return out.getvalue()


def byte_range_digest(pdf: bytes, start: int, end: int) -> bytes:
    return hashlib.sha256(pdf[:start] + pdf[end:]).digest()


# --- keys ------------------------------------------------------------------------------------


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def simple_signer(private_key, cert: x509.Certificate, chain: list[x509.Certificate]):
    from asn1crypto import keys as asn1_keys

    key_der = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return signers.SimpleSigner(
        signing_cert=to_asn1(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([to_asn1(c) for c in chain]),
    )


def run(coro):
    """Run a pyHanko coroutine from sync code (Django views are sync here). When this thread
    already runs an event loop (an async caller; the browser tests' Playwright driver),
    asyncio.run would refuse: the coroutine then runs on a loop of its own in a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def run_closing(coro, context):
    """`run`, then close the HTTP session the validation context opened to fetch CRL/OCSP,
    inside the same event loop (pyhanko-certvalidator asks for it after each operation)."""

    async def closing():
        try:
            return await coro
        finally:
            await context.aclose()

    return run(closing())
