"""DOCX → PDF with LibreOffice headless (Debian `libreoffice-writer-nogui`, installed by
scripts/ensure-system-packages.sh). Runs outside any transaction: it takes seconds."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from django.conf import settings

logger = logging.getLogger("qlvb.outgoing")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONVERTIBLE = {DOCX, "application/msword", "application/vnd.oasis.opendocument.text"}


def libreoffice() -> str | None:
    configured = getattr(settings, "QLVB_LIBREOFFICE", None)
    if configured is not None:
        return configured or None
    return shutil.which("libreoffice") or shutil.which("soffice")


def to_pdf(path: str, *, timeout: int = 180) -> Path | None:
    """The PDF made from the file at `path` (in a temporary directory the caller removes with
    the returned path's parent), or None when LibreOffice is missing or fails."""
    binary = libreoffice()
    if binary is None:
        return None
    tmp = Path(settings.DATA_DIR) / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="qlvb-convert-", dir=str(tmp)))
    source = work / "draft.docx"
    shutil.copyfile(path, source)
    # A private profile per run: two conversions at once must not share (and lock) one.
    profile = (work / f"profile-{uuid.uuid4().hex}").as_uri()
    try:
        subprocess.run(  # noqa: S603  (fixed program, our own temporary paths)
            [
                binary,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(work),
                str(source),
            ],
            check=True,
            timeout=timeout,
            capture_output=True,
        )
    except (subprocess.SubprocessError, OSError):
        logger.warning("DOCX to PDF conversion failed", exc_info=True)
        shutil.rmtree(work, ignore_errors=True)
        return None
    result = work / "draft.pdf"
    if not result.exists():
        shutil.rmtree(work, ignore_errors=True)
        return None
    return result
