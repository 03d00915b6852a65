"""Text from files: indexed after the background job, searchable, state shown."""

import pytest
from django.test import Client

from qlvb.documents.services import Upload
from qlvb.search.extract import DOCX, extract_path
from qlvb.search.models import TextExtraction
from qlvb.search.selectors import document_text_state, search

from .conftest import docx, register, text_pdf, xlsx

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
