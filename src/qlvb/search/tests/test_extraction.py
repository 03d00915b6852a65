"""Text from files: indexed after the background job, searchable, state shown."""

import io

import pytest
from django.test import Client

from qlvb.documents.services import Upload
from qlvb.search.extract import DOCX, extract_path
from qlvb.search.models import TextExtraction
from qlvb.search.selectors import document_text_state, search

from .conftest import docx, register, scan_image, text_pdf, xlsx

pytestmark = pytest.mark.django_db


def found(viewer, q):
    return [e.document_id for e in search(viewer=viewer, q=q)]


def test_text_pdf_docx_and_xlsx_are_searchable(people):
    clerk = people["clerk"]
    from_pdf = register(
        clerk,
        subject="Công văn số một",
        uploads=[Upload(text_pdf("Về việc phòng chống dịch sốt xuất huyết"), "cv.pdf")],
    )
    from_docx = register(
        clerk,
        subject="Công văn số hai",
        uploads=[Upload(docx("Kế hoạch tổ chức Lễ hội Cà phê Buôn Ma Thuột"), "kh.docx")],
    )
    from_xlsx = register(
        clerk,
        subject="Công văn số ba",
        uploads=[Upload(xlsx([["Huyện", "Kinh phí"], ["Krông Pắc", 1200]]), "bang.xlsx")],
    )
    assert found(clerk, "sot xuat huyet") == [from_pdf.document_id]
    assert found(clerk, "buon ma thuot") == [from_docx.document_id]
    assert found(clerk, "krong pac") == [from_xlsx.document_id]
    for incoming in (from_pdf, from_docx, from_xlsx):
        assert document_text_state(document_id=incoming.document_id) == "indexed"
    # Metadata weighs more than file text.
    also_meta = register(clerk, subject="Phòng chống sốt xuất huyết năm 2026")
    assert found(clerk, "sot xuat huyet") == [also_meta.document_id, from_pdf.document_id]


def test_a_scan_has_no_text_and_a_broken_file_fails(people, tmp_path):
    scanned = register(people["clerk"], subject="Bản quét")  # blank PDF page: no text layer
    extraction = TextExtraction.objects.get(document_id_value=scanned.document_id)
    assert (extraction.state, extraction.method) == ("done", "none")
    broken = tmp_path / "x.docx"
    broken.write_bytes(b"PK\x03\x04 not a zip")
    from qlvb.search.extract import ExtractionError

    with pytest.raises(ExtractionError):
        extract_path(str(broken), DOCX)


def test_text_state_page(people):
    incoming = register(
        people["clerk"], subject="Có tệp", uploads=[Upload(docx("Nội dung"), "a.docx")]
    )
    client = Client()
    client.force_login(people["clerk"])
    page = client.get(f"/tim-kiem/van-ban/{incoming.document_id}/noi-dung/")
    assert page.status_code == 200 and "a.docx" in page.content.decode()
    outsider = Client()
    outsider.force_login(people["outsider"])
    assert outsider.get(f"/tim-kiem/van-ban/{incoming.document_id}/noi-dung/").status_code == 404


def test_a_scanned_image_is_read_by_ocr_and_found_without_diacritics(people, settings):
    settings.QLVB_OCR = True
    clerk = people["clerk"]
    scan = scan_image(["Kế hoạch phòng chống lũ lụt", "tại huyện Krông Bông"])
    incoming = register(clerk, subject="Công văn gửi kèm bản quét", uploads=[Upload(scan, "s.png")])
    extraction = TextExtraction.objects.get(document_id_value=incoming.document_id)
    assert (extraction.state, extraction.method) == ("done", "ocr"), extraction.last_error
    assert found(clerk, "lu lut") == [incoming.document_id]
    assert found(clerk, "krong bong") == [incoming.document_id]
    assert document_text_state(document_id=incoming.document_id) == "indexed"
    # The searchable PDF is kept beside the original, in the documents' storage.
    assert extraction.searchable_pdf is not None
    assert extraction.attachment.blob_id != extraction.searchable_pdf_id
    client = Client()
    client.force_login(clerk)
    page = client.get(f"/tim-kiem/van-ban/{incoming.document_id}/noi-dung/").content.decode()
    assert "searchable-pdf" in page
    url = f"/tim-kiem/van-ban/{incoming.document_id}/noi-dung/{extraction.pk}/ocr.pdf"
    pdf_bytes = b"".join(client.get(url).streaming_content)
    assert pdf_bytes.startswith(b"%PDF")
    from pypdf import PdfReader

    layer = PdfReader(io.BytesIO(pdf_bytes)).pages[0].extract_text()
    assert "Krông" in layer or "Krong" in layer
    outsider = Client()
    outsider.force_login(people["outsider"])
    assert outsider.get(url).status_code == 404
    # The incoming document page shows the text state.
    detail = client.get(f"/van-ban-den/{incoming.pk}/").content.decode()
    assert 'data-state="indexed"' in detail


def test_ocr_off_leaves_a_scan_without_text_and_a_failed_ocr_is_shown(people, settings):
    clerk = people["clerk"]
    off = register(clerk, subject="Không OCR", uploads=[Upload(scan_image(["Lũ lụt"]), "a.png")])
    assert TextExtraction.objects.get(document_id_value=off.document_id).method == "none"
    settings.QLVB_OCR = True
    settings.QLVB_OCR_LANGUAGES = "no-such-language"
    failed = register(clerk, subject="OCR hỏng", uploads=[Upload(scan_image(["Lũ"]), "b.png")])
    extraction = TextExtraction.objects.get(document_id_value=failed.document_id)
    assert extraction.state == "failed" and "OCR" in extraction.last_error
    assert extraction.searchable_pdf is None
    assert document_text_state(document_id=failed.document_id) == "failed"
