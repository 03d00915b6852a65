"""The incoming pages through the Django test client: list, register, detail, actions."""

import io

import pytest
from django.test import Client
from django.urls import reverse

from qlvb.incoming.models import IncomingDocument, IncomingState

from .conftest import pdf

pytestmark = pytest.mark.django_db


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_clerk_registers_a_scan_then_leader_assigns_and_specialist_completes(people):
    clerk = signed_in(people["clerk"])
    assert clerk.get(reverse("incoming:register")).status_code == 200
    scan = pdf(2)
    scan.name = "scan.pdf"
    response = clerk.post(
        reverse("incoming:register"),
        {
            "organ_name": "Sở Tài chính",
            "type_name": "Công văn",
            "code_number": "88",
            "code_notation": "STC-QLNS",
            "subject": "V/v phân bổ kinh phí",
            "urgency": "thuong",
            "confidentiality": "thuong",
            "source": "paper",
            "files": [scan],
            "next": "detail",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    incoming = IncomingDocument.objects.get()
    assert incoming.arrival_number == 1
    page = clerk.get(response["Location"])
    assert "V/v phân bổ kinh phí" in page.content.decode() and "scan.pdf" in page.content.decode()
    clerk.post(
        reverse("incoming:action", args=[incoming.pk, "submit"]), {"leader": people["leader"].pk}
    )
    leader = signed_in(people["leader"])
    waiting = leader.get(reverse("incoming:list") + "?box=waiting").content.decode()
    assert "V/v phân bổ kinh phí" in waiting
    leader.post(
        reverse("incoming:action", args=[incoming.pk, "direct"]),
        {
            "direction": "Giao chuyên viên xử lý",
            "lead": f"p:{people['specialist'].pk}",
            "due_days": "5",
        },
    )
    incoming.refresh_from_db()
    assert incoming.state == IncomingState.ASSIGNED and incoming.due_at is not None
    specialist = signed_in(people["specialist"])
    mine = specialist.get(reverse("incoming:list") + "?box=mine").content.decode()
    assert "V/v phân bổ kinh phí" in mine
    assignment = incoming.assignments.get()
    specialist.post(
        reverse("incoming:action", args=[incoming.pk, "complete"]),
        {"assignment": assignment.pk, "result": "Đã tham mưu"},
    )
    incoming.refresh_from_db()
    assert incoming.state == IncomingState.DONE
    slip = specialist.get(reverse("incoming:slip", args=[incoming.pk])).content.decode()
    assert "PHIẾU GIẢI QUYẾT VĂN BẢN ĐẾN" in slip and "Giao chuyên viên xử lý" in slip


def test_registration_errors_are_shown_in_vietnamese_and_nothing_is_saved(people):
    clerk = signed_in(people["clerk"])
    bad = io.BytesIO(b"MZ not a document")
    bad.name = "virus.exe"
    response = clerk.post(
        reverse("incoming:register"),
        {
            "subject": "V/v thử",
            "urgency": "thuong",
            "confidentiality": "thuong",
            "source": "paper",
            "files": [bad],
        },
    )
    assert response.status_code == 200
    assert "định dạng không được phép" in response.content.decode()
    assert IncomingDocument.objects.count() == 0
    missing = clerk.post(
        reverse("incoming:register"),
        {"urgency": "thuong", "confidentiality": "thuong", "source": "paper"},
    )
    assert missing.status_code == 200 and IncomingDocument.objects.count() == 0


def test_other_people_cannot_open_the_document(people):
    from qlvb.incoming import services

    incoming = services.incoming_register(
        actor=people["clerk"], metadata={"subject": "V/v mật"}, uploads=[]
    )
    assert (
        signed_in(people["specialist"])
        .get(reverse("incoming:detail", args=[incoming.pk]))
        .status_code
        == 404
    )
    assert (
        signed_in(people["outsider"])
        .get(reverse("incoming:detail", args=[incoming.pk]))
        .status_code
        == 404
    )
    assert signed_in(people["specialist"]).get(reverse("incoming:register")).status_code == 404
    assert Client().get(reverse("incoming:list")).status_code == 302


def test_navigation_counts_what_waits_for_the_clerk(office, sender, people):
    from qlvb.incoming import services

    for ref in ("n1", "n2"):
        services.incoming_deliver(
            agency=office,
            metadata={"subject": "V/v đếm"},
            uploads=[],
            origin_reference=ref,
            sender=sender,
        )
    html = signed_in(people["clerk"]).get(reverse("web:home")).content.decode()
    assert 'data-testid="nav-count-incoming">2<' in html
    assert (
        'data-testid="nav-count-incoming"'
        not in signed_in(people["specialist"]).get(reverse("web:home")).content.decode()
    )


def test_recall_order_is_answered_from_the_document_page(office, sender, people):
    from django.utils import timezone

    from qlvb.incoming import services

    incoming = services.incoming_accept(
        actor=people["clerk"],
        incoming=services.incoming_deliver(
            agency=office,
            metadata={"subject": "V/v thu hồi"},
            uploads=[],
            origin_reference="r1",
            sender=sender,
        ),
    )
    IncomingDocument.objects.filter(pk=incoming.pk).update(
        recall_requested_at=timezone.now(), recall_reason="Ban hành nhầm"
    )
    html = (
        signed_in(people["clerk"])
        .get(reverse("incoming:detail", args=[incoming.pk]))
        .content.decode()
    )
    assert 'data-testid="recall-order"' in html and "Ban hành nhầm" in html


def test_list_rows_escape_what_was_typed_and_mark_urgency_and_the_signature_check(
    office, sender, people
):
    """The rows are written in Python (incoming_tags): what a sender typed stays text, a flash
    document is red, an unsigned PDF waiting in reception says so once its check has run."""
    from qlvb.documents.services import Upload
    from qlvb.incoming import services
    from qlvb.jobs.runner import run_due

    delivered = services.incoming_deliver(
        agency=office,
        metadata={
            "type_name": "Công văn",
            "code_number": "7",
            "code_notation": "STC<b>",
            "organ_name": 'Sở <Tài> chính & "KH"',
            "subject": "<script>alert(1)</script> Hỏa tốc",
            "urgency": "hoa_toc",
        },
        uploads=[Upload(pdf(1), "cv.pdf")],
        origin_reference="rows-1",
        sender=sender,
    )
    run_due()
    page = signed_in(people["clerk"]).get(reverse("incoming:list") + "?box=reception")
    html = page.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Hỏa tốc" in html
    assert "7/STC&lt;b&gt;" in html and "Sở &lt;Tài&gt; chính &amp; &quot;KH&quot;" in html
    row = html[html.index('data-testid="incoming-row"') :]
    row = row[: row.index("</tr>")]
    assert 'class="table-danger"' in row
    assert f'href="/van-ban-den/{delivered.pk}/"' in row
    assert '<span class="badge text-bg-danger me-1">Hỏa tốc</span>' in row
    assert 'data-testid="signature-summary" data-status="unsigned" data-file="cv.pdf"' in row
    assert "Không có chữ ký số" in row
