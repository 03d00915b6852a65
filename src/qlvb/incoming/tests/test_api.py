"""The incoming flow from the outside: the HTTP API with a signed-in browser session."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from qlvb.audit.models import AuditEvent
from qlvb.documents.models import Blob
from qlvb.documents.services import Upload
from qlvb.incoming import services

from .conftest import pdf

pytestmark = pytest.mark.django_db


def client_for(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_register_paper_scan_direct_and_complete_over_the_api(people):
    clerk = client_for(people["clerk"])
    scan = pdf(3)
    scan.name = "Công văn 125-STC.pdf"
    response = clerk.post(
        "/api/v1/incoming",
        {
            "type_name": "Công văn",
            "code_number": "125",
            "code_notation": "STC-NS",
            "issued_date": "2026-11-20",
            "organ_name": "Sở Tài chính",
            "subject": "V/v bổ sung kinh phí",
            "urgency": "khan",
            "files": [scan],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["arrival_number"] == 1 and body["urgency"] == "khan"
    assert body["attachments"][0]["page_count"] == 3
    pk = body["id"]

    # the same sender/number/date again: a warning, nothing registered
    again = clerk.post(
        "/api/v1/incoming",
        {
            "code_number": "125",
            "code_notation": "STC-NS",
            "issued_date": "2026-11-20",
            "organ_name": "Sở Tài chính",
            "subject": "V/v bổ sung kinh phí",
        },
    )
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["code"] == "possible_duplicate"

    leader = client_for(people["leader"])
    assert (
        clerk.post(
            f"/api/v1/incoming/{pk}/submit",
            {"leader_id": people["leader"].pk},
            content_type="application/json",
        ).status_code
        == 200
    )
    due = (timezone.now() + dt.timedelta(days=3)).isoformat()
    directed = leader.post(
        f"/api/v1/incoming/{pk}/direct",
        {
            "direction": "Giao KGVX chủ trì",
            "assignments": [{"kind": "lead", "person_id": people["specialist"].pk, "due_at": due}],
        },
        content_type="application/json",
    )
    assert directed.status_code == 200, directed.content
    assignment_id = directed.json()["assignments"][0]["id"]

    specialist = client_for(people["specialist"])
    assert specialist.get(f"/api/v1/incoming/{pk}").status_code == 200
    other = client_for(people["other_specialist"])
    assert other.get(f"/api/v1/incoming/{pk}").status_code == 404
    done = specialist.post(
        f"/api/v1/assignments/{assignment_id}/complete",
        {"result": "Đã tham mưu văn bản trả lời"},
        content_type="application/json",
    )
    assert done.status_code == 200
    detail = specialist.get(f"/api/v1/incoming/{pk}").json()
    assert detail["state"] == "done"
    assert [e["status_code"] for e in detail["timeline"] if e["status_code"]] == ["04", "06"]
    assert AuditEvent.objects.filter(action="incoming.view", object_id=str(pk)).count() == 2


def test_reception_accept_and_reject_with_problem_details(office, sender, people):
    first = services.incoming_deliver(
        agency=office,
        metadata={"subject": "Giấy mời họp"},
        uploads=[],
        origin_reference="a",
        sender=sender,
    )
    second = services.incoming_deliver(
        agency=office,
        metadata={"subject": "Công điện hỏa tốc", "urgency": "hoa_toc"},
        uploads=[],
        origin_reference="b",
        sender=sender,
    )
    clerk = client_for(people["clerk"])
    queue = clerk.get("/api/v1/incoming/reception").json()
    assert [item["id"] for item in queue] == [second.pk, first.pk]  # hỏa tốc first
    missing_reason = clerk.post(
        f"/api/v1/incoming/{first.pk}/reject", {"reason": ""}, content_type="application/json"
    )
    assert missing_reason.status_code == 422
    assert "reason" in missing_reason.json()["errors"]
    assert (
        clerk.post(
            f"/api/v1/incoming/{first.pk}/reject",
            {"reason": "Không đúng thẩm quyền"},
            content_type="application/json",
        ).json()["state"]
        == "rejected"
    )
    accepted = clerk.post(f"/api/v1/incoming/{second.pk}/accept", content_type="application/json")
    assert accepted.status_code == 200 and accepted.json()["arrival_number"] == 1
    outsider = client_for(people["outsider"])
    assert (
        outsider.post(
            f"/api/v1/incoming/{second.pk}/accept", content_type="application/json"
        ).status_code
        == 404
    )
    assert Client().get("/api/v1/incoming").status_code == 401


def test_forbidden_file_registers_nothing_and_uses_no_number(people):
    clerk = client_for(people["clerk"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00....", content_type="application/pdf")
    response = clerk.post("/api/v1/incoming", {"subject": "V/v thử", "files": [bad]})
    assert response.status_code == 422
    assert response.json()["code"] == "file_type_forbidden"
    assert Blob.objects.count() == 0
    ok = clerk.post("/api/v1/incoming", {"subject": "V/v thử"})
    assert ok.json()["arrival_number"] == 1


def test_download_streams_with_range_and_is_audited(office, sender, people):
    data = pdf(2).getvalue()
    incoming = services.incoming_register(
        actor=people["clerk"],
        metadata={"subject": "V/v tải tệp"},
        uploads=[Upload(__import__("io").BytesIO(data), "Tờ trình.pdf")],
    )
    attachment = incoming.document.attachments.get()
    clerk = client_for(people["clerk"])
    whole = clerk.get(f"/api/v1/attachments/{attachment.pk}/content")
    assert whole.status_code == 200
    assert b"".join(whole.streaming_content) == data
    assert "filename*=UTF-8''T%E1%BB%9D%20tr%C3%ACnh.pdf" in whole["Content-Disposition"]
    part = clerk.get(f"/api/v1/attachments/{attachment.pk}/content", HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert b"".join(part.streaming_content) == data[100:200]
    tail = clerk.get(f"/api/v1/attachments/{attachment.pk}/content", HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == data[-10:]
    bad = clerk.get(
        f"/api/v1/attachments/{attachment.pk}/content", HTTP_RANGE=f"bytes={len(data)}-"
    )
    assert bad.status_code == 416
    assert (
        client_for(people["specialist"])
        .get(f"/api/v1/attachments/{attachment.pk}/content")
        .status_code
        == 404
    )
    assert AuditEvent.objects.filter(action="attachment.download").count() == 1


def test_register_book_pdf_and_xlsx(people, tmp_path):
    import io as _io
    import subprocess

    from openpyxl import load_workbook

    for i in range(3):
        services.incoming_register(
            actor=people["clerk"],
            metadata={
                "type_name": "Công văn",
                "code_number": str(100 + i),
                "code_notation": "STC-NS",
                "organ_name": "Sở Tài chính tỉnh Đắk Lắk",
                "subject": f"V/v quyết toán ngân sách đợt {i + 1} – Đắk Lắk",
            },
            uploads=[],
        )
    year = timezone.localdate().year
    clerk = client_for(people["clerk"])
    xlsx = clerk.get(
        "/api/v1/incoming/register-book",
        {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31", "format": "xlsx"},
    )
    assert xlsx.status_code == 200
    sheet = load_workbook(_io.BytesIO(xlsx.content)).active
    assert sheet["A3"].value == "Ngày đến" and sheet["J3"].value == "Ghi chú"
    assert [sheet.cell(row=r, column=2).value for r in (5, 6, 7)] == ["1", "2", "3"]
    assert "Đắk Lắk" in sheet["F5"].value
    pdf_response = clerk.get(
        "/api/v1/incoming/register-book",
        {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31", "format": "pdf"},
    )
    assert pdf_response.content.startswith(b"%PDF")
    path = tmp_path / "so.pdf"
    path.write_bytes(pdf_response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in text and "Năm" in text
    assert "đợt 3" in text and "STC-NS" in " ".join(text.split())
    assert (
        client_for(people["specialist"])
        .get(
            "/api/v1/incoming/register-book",
            {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31"},
        )
        .status_code
        == 403
    )
