"""Chosen result columns and the export of results (XLSX, DOCX, PDF), from the outside."""

import io
import subprocess

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

pytestmark = pytest.mark.django_db


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_chosen_columns_on_the_page_and_in_every_export(index, people, tmp_path):
    client = signed_in(people["clerk"])
    query = {"q": "quyet dinh", "cols": ["notation", "subject", "signer"]}
    page = client.get("/tim-kiem/", query).content.decode()
    assert '<th scope="col">Người ký</th>' in page
    assert "Cơ quan ban hành</th>" not in page  # not chosen
    assert "cols=notation&amp;cols=subject&amp;cols=signer" in page  # export links keep them
    subjects = {index["decision"].document.subject, index["folded"].document.subject}

    xlsx = client.get("/tim-kiem/xuat/xlsx/", query)
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("Số, ký hiệu", "Trích yếu", "Người ký")
    assert {r[1] for r in rows[1:]} == subjects

    from docx import Document

    docx = client.get("/tim-kiem/xuat/docx/", query)
    assert docx["Content-Type"].endswith("wordprocessingml.document")
    table = Document(io.BytesIO(docx.content)).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Số, ký hiệu", "Trích yếu", "Người ký"]
    assert {r.cells[1].text for r in table.rows[1:]} == subjects

    pdf = client.get("/tim-kiem/xuat/pdf/", query)
    assert pdf["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # A4 landscape
    text = reader.pages[0].extract_text()
    assert "Quyết định phê duyệt kế hoạch" in text and "Đắk Lắk" in text
    assert "bổ sung kinh phí" not in text
    target = tmp_path / "results.pdf"
    target.write_bytes(pdf.content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(target), str(tmp_path / "p")],
        check=True,
    )
    assert list(tmp_path.glob("p*.png"))


def test_exports_hold_only_what_the_person_may_see(index, people):
    outsider = signed_in(people["outsider"])
    for fmt in ("xlsx", "docx", "pdf"):
        response = outsider.get(f"/tim-kiem/xuat/{fmt}/", {"q": "quyet dinh"})
        assert response.status_code == 200
        assert "phê duyệt".encode() not in response.content
    rows = list(
        load_workbook(
            io.BytesIO(outsider.get("/tim-kiem/xuat/xlsx/", {"q": "quyet dinh"}).content)
        ).active.iter_rows(values_only=True)
    )
    assert len(rows) == 1  # the header only
    assert signed_in(people["clerk"]).get("/tim-kiem/xuat/exe/").status_code == 404
    assert Client().get("/tim-kiem/xuat/pdf/").status_code == 302  # sign-in first


def test_saved_search_remembers_the_columns(index, people):
    from qlvb.search.models import SavedSearch

    client = signed_in(people["clerk"])
    client.post(
        "/tim-kiem/luu/", {"name": "Cột", "q": "dak lak", "cols": ["subject", "signer", "bogus"]}
    )
    saved = SavedSearch.objects.get(owner=people["clerk"], name="Cột")
    assert saved.params == {"q": "dak lak", "cols": ["subject", "signer"]}
    location = client.get(f"/tim-kiem/da-luu/{saved.pk}/")["Location"]
    assert "cols=subject&cols=signer" in location
    page = client.get(location).content.decode()
    assert '<th scope="col">Người ký</th>' in page and "Số, ký hiệu</th>" not in page


def test_api_export_with_columns(index, people):
    client = signed_in(people["clerk"])
    response = client.get(
        "/api/v1/search/export/xlsx", {"q": "dak lak", "cols": ["subject", "urgency"]}
    )
    assert response.status_code == 200, response.content
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows == [("Trích yếu", "Độ khẩn"), (index["decision"].document.subject, "Thường")]
    assert client.get("/api/v1/search/export/exe", {"q": "x"}).status_code == 404
    assert client.get("/api/v1/search/export/pdf", {"q": "a" * 1000}).status_code == 422
    assert Client().get("/api/v1/search/export/pdf", {"q": "x"}).status_code == 401
    outsider = signed_in(people["outsider"])
    rows = list(
        load_workbook(
            io.BytesIO(outsider.get("/api/v1/search/export/xlsx", {"q": "dak lak"}).content)
        ).active.iter_rows(values_only=True)
    )
    assert len(rows) == 1
