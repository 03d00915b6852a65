"""Text from files (lấy chữ từ tệp): text PDFs (pypdf), DOCX (the document XML, read without
an XML parser), XLSX (openpyxl, read-only). Files are untrusted: sizes, pages and cells are
capped, and a file that cannot be read is reported, never allowed to stop the worker.
Scanned PDFs and images (JPEG, PNG, multi-page TIFF) go through OCRmyPDF with Tesseract's
Vietnamese data (method "ocr"), which also writes a searchable PDF kept beside the original.
OCR runs in a child process with a time limit, one page at a time (the machine's CPU is shared);
`QLVB_OCR=0` turns it off (scans then stay method "none")."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass

from django.conf import settings

MAX_TEXT_CHARS = 200_000  # also keeps PostgreSQL's tsvector well under its 1 MB limit
MAX_PDF_PAGES = 1000
MAX_XLSX_CELLS = 200_000
MAX_XML_BYTES = 50 * 1024 * 1024

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExtractionError(Exception):
    """The file could not be read (corrupt, encrypted, too large)."""


IMAGE_TYPES = ("image/jpeg", "image/png", "image/tiff")
OCR_TIMEOUT_SECONDS = 900


@dataclass
class Extracted:
    method: str  # pdf, docx, xlsx, text, ocr, none
    text: str
    # OCR only: a searchable PDF (the scan with a text layer), a temporary file for the caller.
    searchable_pdf: str | None = None


def _cap(parts) -> str:
    out = []
    size = 0
    for part in parts:
        if not part:
            continue
        out.append(part)
        size += len(part) + 1
        if size >= MAX_TEXT_CHARS:
            break
    return "\n".join(out)[:MAX_TEXT_CHARS]


def _pdf(path: str) -> Extracted:
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            reader.decrypt("")
        pages = (page.extract_text() or "" for page in reader.pages[:MAX_PDF_PAGES])
        text = _cap(pages)
    except Exception as exc:  # pypdf raises many kinds on broken files
        raise ExtractionError(f"Không đọc được tệp PDF: {exc}") from exc
    # A scan has (next to) no text layer.
    if len(re.sub(r"\s+", "", text)) < 3:
        return Extracted("none", "")
    return Extracted("pdf", text)


_PARAGRAPH_END = re.compile(r"</w:p>")
_TEXT_RUN = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
_TAB_OR_BREAK = re.compile(r"<w:(?:tab|br)\b[^>]*/>")


def _docx(path: str) -> Extracted:
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > MAX_XML_BYTES:
                raise ExtractionError("Tệp DOCX quá lớn để lấy chữ.")
            xml = archive.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ExtractionError(f"Không đọc được tệp DOCX: {exc}") from exc
    paragraphs = []
    for chunk in _PARAGRAPH_END.split(_TAB_OR_BREAK.sub("<w:t> </w:t>", xml)):
        text = "".join(_TEXT_RUN.findall(chunk))
        if text.strip():
            # Only the five XML entities and character references: no DTD is ever read.
            paragraphs.append(html.unescape(text))
    return Extracted("docx", _cap(paragraphs))


def _xlsx(path: str) -> Extracted:
    from openpyxl import load_workbook

    try:
        # A file object: openpyxl judges a path by its extension, and ours is ".bin".
        workbook = load_workbook(open(path, "rb"), read_only=True, data_only=True)  # noqa: SIM115
    except Exception as exc:
        raise ExtractionError(f"Không đọc được tệp XLSX: {exc}") from exc

    def cells():
        seen = 0
        try:
            for sheet in workbook.worksheets:
                yield sheet.title
                for row in sheet.iter_rows(values_only=True):
                    values = [str(v) for v in row if v is not None and str(v).strip()]
                    seen += len(row)
                    if values:
                        yield " ".join(values)
                    if seen >= MAX_XLSX_CELLS:
                        return
        finally:
            workbook.close()

    try:
        return Extracted("xlsx", _cap(cells()))
    except Exception as exc:
        raise ExtractionError(f"Không đọc được tệp XLSX: {exc}") from exc


def _plain(path: str) -> Extracted:
    with open(path, "rb") as handle:
        data = handle.read(MAX_TEXT_CHARS * 4)
    text = data.decode("utf-8", "replace")
    if "<" in text[:200]:  # XML: keep the words, drop the markup
        text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    return Extracted("text", text[:MAX_TEXT_CHARS])


_SKIPPED = re.compile(r"\[OCR skipped on page\(s\) [^\]]*\]")


def _ocr(path: str, content_type: str) -> Extracted:
    """OCRmyPDF (Tesseract, `vie`) on a scanned PDF or an image: the recognised text and a
    searchable PDF. Pages that already carry text are kept as they are (--skip-text)."""
    fd, output = tempfile.mkstemp(prefix="qlvb-ocr-", suffix=".pdf")
    os.close(fd)
    sidecar = output + ".txt"
    command = [
        sys.executable,
        "-m",
        "ocrmypdf",
        "--quiet",
        "--language",
        settings.QLVB_OCR_LANGUAGES,
        "--jobs",
        "1",
        "--skip-text",
        "--output-type",
        "pdf",
        "--optimize",
        "0",
        "--sidecar",
        sidecar,
    ]
    if content_type in IMAGE_TYPES:
        command += ["--image-dpi", "300"]  # used only when the image does not say its DPI
    try:
        done = subprocess.run(  # noqa: S603 -- our own argument list, no shell
            [*command, path, output],
            capture_output=True,
            timeout=OCR_TIMEOUT_SECONDS,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            check=False,
        )
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise ExtractionError(
                f"Nhận dạng chữ (OCR) không thành công (mã {done.returncode}): {detail[0]}"
            )
        with open(sidecar, encoding="utf-8", errors="replace") as handle:
            # OCRmyPDF marks pages it skipped with a form feed and a note; keep only words.
            text = _SKIPPED.sub(" ", handle.read(MAX_TEXT_CHARS * 2))
    except subprocess.TimeoutExpired as exc:
        os.unlink(output)
        raise ExtractionError("Nhận dạng chữ (OCR) quá thời gian cho phép.") from exc
    except BaseException:
        if os.path.exists(output):
            os.unlink(output)
        raise
    finally:
        if os.path.exists(sidecar):
            os.unlink(sidecar)
    return Extracted("ocr", text[:MAX_TEXT_CHARS], searchable_pdf=output)


def extract_path(path: str, content_type: str) -> Extracted:
    if content_type == "application/pdf":
        result = _pdf(path)
        if result.method == "none" and settings.QLVB_OCR:
            return _ocr(path, content_type)
        return result
    if content_type in IMAGE_TYPES:
        return _ocr(path, content_type) if settings.QLVB_OCR else Extracted("none", "")
    if content_type == DOCX:
        return _docx(path)
    if content_type == XLSX:
        return _xlsx(path)
    if content_type.startswith("text/") or content_type == "application/xml":
        return _plain(path)
    return Extracted("none", "")


def extract_attachment(attachment) -> Extracted:
    """Copy the blob (verified against its hash) to a temporary file and read its text."""
    from qlvb.documents.storage import open_verified

    with tempfile.NamedTemporaryFile(prefix="qlvb-text-", suffix=".bin") as tmp:
        for chunk in open_verified(attachment.blob):
            tmp.write(chunk)
        tmp.flush()
        return extract_path(tmp.name, attachment.content_type)
