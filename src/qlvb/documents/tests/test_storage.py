import io

import pytest
from PIL import Image

from qlvb.core.errors import ValidationFailed
from qlvb.documents import storage
from qlvb.documents.models import Blob

pytestmark = pytest.mark.django_db


def pdf_bytes(pages: int = 2) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def tiff_bytes(frames: int = 3) -> bytes:
    images = [Image.new("L", (50, 70), color=i * 40) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, format="TIFF", save_all=True, append_images=images[1:])
    return out.getvalue()


def test_pdf_is_stored_once_by_content_and_reads_back_verified(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    data = pdf_bytes(3)
    staged = storage.stage(io.BytesIO(data), original_name="to-trinh.pdf")
    assert staged.content_type == "application/pdf"
    assert staged.page_count == 3
    blob = storage.store(staged)
    again = storage.store(storage.stage(io.BytesIO(data), original_name="copy.pdf"))
    assert again.pk == blob.pk
    assert Blob.objects.count() == 1
    assert b"".join(storage.open_verified(blob)) == data
    assert b"".join(storage.open_verified(blob, start=10, end=19)) == data[10:20]
    assert storage.verify(blob)


def test_altered_bytes_are_detected_on_read(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    blob = storage.store(storage.stage(io.BytesIO(pdf_bytes()), original_name="a.pdf"))
    path = tmp_path / blob.storage_name
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(storage.CorruptBlob):
        b"".join(storage.open_verified(blob))
    assert not storage.verify(blob)


def test_multipage_tiff_counts_frames():
    staged = storage.stage(io.BytesIO(tiff_bytes(4)), original_name="scan.tif")
    assert (staged.content_type, staged.page_count) == ("image/tiff", 4)
    staged.discard()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"MZ\x90\x00 an executable", "file_type_forbidden"),
        (b"%PDF-1.7\n garbage that is not a pdf", "file_corrupt"),
        (b"", "file_empty"),
    ],
)
def test_bad_files_are_refused_and_leave_nothing(data, code, settings):
    before = (
        set((settings.DATA_DIR / "tmp").glob("*"))
        if (settings.DATA_DIR / "tmp").exists()
        else set()
    )
    with pytest.raises(ValidationFailed) as caught:
        storage.stage(io.BytesIO(data), original_name="x")
    assert caught.value.code == code
    assert set((settings.DATA_DIR / "tmp").glob("*")) == before


def test_too_large_is_refused(settings):
    settings.QLVB_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ValidationFailed) as caught:
        storage.stage(io.BytesIO(b"%PDF-" + b"0" * 2000), original_name="big.pdf")
    assert caught.value.code == "file_too_large"
