"""Content-addressed file storage (lưu trữ tệp) on Django's storage API.

Files stream in and out in chunks: a scan of hundreds of MB is never held in memory. The
SHA-256 is computed while writing and checked again on every full read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import IntegrityError, transaction

from qlvb.core.errors import ValidationFailed
from qlvb.documents.models import Blob

CHUNK = 1024 * 1024

# What the document pipeline accepts. Everything else is refused by content, not by name.
ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/tiff": "TIFF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/msword": "DOC",
    "application/vnd.ms-excel": "XLS",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/zip": "ZIP",
    "application/xml": "XML",
}


def max_upload_bytes() -> int:
    return int(getattr(settings, "QLVB_MAX_UPLOAD_BYTES", 1024 * 1024 * 1024))


class CorruptBlob(Exception):
    """The stored bytes no longer hash to their address."""


def storage():
    return storages["default"]


def blob_path(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


@dataclass
class StagedFile:
    """An upload written to a local temporary file, hashed and sniffed, not yet stored."""

    path: str
    sha256: str
    size: int
    content_type: str
    page_count: int | None

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


def stage(stream: BinaryIO | Iterator[bytes], *, original_name: str = "") -> StagedFile:
    """Copy an upload to a temporary file, hashing as it goes; refuse what is too large, empty,
    of a forbidden type or corrupt. The caller stores it with `store` or discards it."""
    limit = max_upload_bytes()
    digest = hashlib.sha256()
    size = 0
    fd, path = tempfile.mkstemp(prefix="qlvb-upload-", dir=_tmp_dir())
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(stream):
                size += len(chunk)
                if size > limit:
                    raise ValidationFailed(
                        f"Tệp «{original_name}» vượt quá dung lượng cho phép "
                        f"({limit // (1024 * 1024)} MB).",
                        code="file_too_large",
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed(f"Tệp «{original_name}» rỗng.", code="file_empty")
        content_type = sniff(path)
        if content_type not in ALLOWED_TYPES:
            raise ValidationFailed(
                f"Tệp «{original_name}» có định dạng không được phép "
                "(chấp nhận: PDF, JPEG, PNG, TIFF, DOCX, XLSX, DOC, XLS, ODT, ZIP, XML).",
                code="file_type_forbidden",
            )
        page_count = count_pages(path, content_type, original_name)
    except BaseException:
        os.unlink(path)
        raise
    return StagedFile(path, digest.hexdigest(), size, content_type, page_count)


def store(staged: StagedFile) -> Blob:
    """Move a staged file into content-addressed storage (once per content) and return its Blob.

    Called inside the caller's transaction; if that transaction rolls back, the Blob row goes
    and the stored bytes stay unreferenced, to be collected, never half-written.
    """
    try:
        existing = Blob.objects.filter(sha256=staged.sha256).first()
        if existing is not None:
            return existing
        name = blob_path(staged.sha256)
        st = storage()
        if not st.exists(name):
            with open(staged.path, "rb") as handle:
                saved = st.save(name, File(handle))
            if saved != name:  # another writer stored the same content a moment before
                st.delete(saved)
            else:
                files_written_until_commit.note(name)
        try:
            with transaction.atomic():
                blob = Blob.objects.create(
                    sha256=staged.sha256, size=staged.size, storage_name=name
                )
            # Content never seen before: nothing derived from it (text, signature check)
            # exists yet, so the apps that reuse such results need not look (see first_copy).
            blob.first_copy = True
            return blob
        except IntegrityError:
            return Blob.objects.get(sha256=staged.sha256)
    finally:
        staged.discard()


def first_copy(blob: Blob) -> bool:
    """True when `blob` was created by this very store() call: no other file has its bytes."""
    return getattr(blob, "first_copy", False)


def other_copies(attachment, *, limit: int = 20, exclude=()):
    """Ids of the latest other attachments with the same bytes (a subquery): where the results
    derived from these bytes are found, through the attachments' blob index, whatever the size
    of the tables holding those results. `exclude`: further ids to pass over (the other new
    copies of one bulk delivery, which have no results yet)."""
    from qlvb.documents.models import Attachment

    return (
        Attachment.objects.filter(blob_id=attachment.blob_id)
        .exclude(pk__in=[attachment.pk, *exclude])
        .order_by("-id")
        .values("id")[:limit]
    )


def earlier_results(attachments, find) -> dict:
    """For new files, what was derived earlier from the same bytes (their text, their signature
    check), looked up once per blob: {blob id: find(ids of other copies) or None}. Blobs stored
    for the first time are not looked up (nothing can have been derived from them yet)."""
    new_ids = [a.pk for a in attachments]
    found: dict = {}
    for attachment in attachments:
        if attachment.blob_id not in found and not first_copy(attachment.blob):
            found[attachment.blob_id] = find(other_copies(attachment, exclude=new_ids))
    return found


def open_verified(blob: Blob, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """Stream a blob (or the byte range start..end inclusive). A full read re-hashes the bytes
    and raises CorruptBlob at the end when they do not match their address."""
    whole = start == 0 and (end is None or end >= blob.size - 1)
    digest = hashlib.sha256() if whole else None
    remaining = (blob.size if end is None else end + 1) - start
    with storage().open(blob.storage_name, "rb") as handle:
        if start:
            handle.seek(start)
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            if digest is not None:
                digest.update(chunk)
            yield chunk
    if digest is not None and digest.hexdigest() != blob.sha256:
        raise CorruptBlob(blob.sha256)


def verify(blob: Blob) -> bool:
    try:
        for _ in open_verified(blob):
            pass
    except (CorruptBlob, FileNotFoundError):
        return False
    return True


def sniff(path: str) -> str:
    """The content type from the file's first bytes (the name and the browser's word are not
    trusted)."""
    with open(path, "rb") as handle:
        head = handle.read(8192)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(path)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<edXML"):
        return "application/xml"
    return "application/octet-stream"


def _sniff_zip(path: str) -> str:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "ignore").strip()
                if mimetype == "application/vnd.oasis.opendocument.text":
                    return mimetype
            if "word/document.xml" in names:
                return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            if "xl/workbook.xml" in names:
                return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    except zipfile.BadZipFile:
        return "application/octet-stream"
    return "application/zip"


def count_pages(path: str, content_type: str, original_name: str = "") -> int | None:
    """Page count for PDFs and (multi-page) TIFFs; a corrupt file is refused here."""
    if content_type == "application/pdf":
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            return len(PdfReader(path).pages)
        except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
            raise ValidationFailed(
                f"Tệp PDF «{original_name}» bị hỏng hoặc không đọc được.", code="file_corrupt"
            ) from exc
    if content_type in ("image/tiff", "image/jpeg", "image/png"):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(path) as image:
                image.verify()
            with Image.open(path) as image:
                return getattr(image, "n_frames", 1)
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise ValidationFailed(
                f"Tệp ảnh «{original_name}» bị hỏng hoặc không đọc được.", code="file_corrupt"
            ) from exc
    return None


def _chunks(stream) -> Iterator[bytes]:
    if hasattr(stream, "chunks"):  # Django UploadedFile
        yield from stream.chunks(CHUNK)
        return
    if hasattr(stream, "read"):
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                return
            yield chunk
    else:
        yield from stream


def _tmp_dir() -> str:
    path = settings.DATA_DIR / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


class files_written_until_commit:
    """Remove the bytes stored inside a block that fails, so a refused registration leaves no
    file behind. Wrap the service's transaction: `with files_written_until_commit(): ...`."""

    _local = threading.local()

    def __enter__(self):
        self.names: list[str] = []
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        stack.append(self.names)
        return self

    def __exit__(self, exc_type, exc, tb):
        self._local.stack.remove(self.names)
        if exc_type is None:
            return False
        st = storage()
        for name in self.names:
            # The Blob row rolled back with the transaction; delete unless someone else
            # committed the same content meanwhile.
            if not Blob.objects.filter(storage_name=name).exists():
                st.delete(name)
        return False

    @classmethod
    def note(cls, name: str) -> None:
        for names in getattr(cls._local, "stack", None) or []:
            names.append(name)
