"""The outgoing pages from the outside: draft form, document page actions, tracking, register."""

import pytest
from django.urls import reverse

from qlvb.incoming.models import IncomingDocument
from qlvb.outgoing.models import OutgoingDocument

from .conftest import client_for, pdf
from .flow import issue, to_signed

pytestmark = pytest.mark.django_db


def test_draft_form_to_issued_through_the_pages(people, recipients, cong_van):
    specialist = client_for(people["specialist"])
    assert specialist.get(reverse("outgoing:create")).status_code == 200
    response = specialist.post(
        reverse("outgoing:create"),
        {
            "document_type": cong_van.pk,
            "subject": "V/v báo cáo tình hình",
            "urgency": "khan",
            "confidentiality": "thuong",
            "signer": people["signer"].pk,
            "drafting_department": people["kgvx"].pk,
            "agencies": [r["agency"].pk for r in recipients],
            "medium": "electronic",
            "paper_lines": "Lưu: VT, KGVX",
            "files": [pdf(2)],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    outgoing = OutgoingDocument.objects.get()
    assert outgoing.recipients.count() == 4
    page = specialist.get(reverse("outgoing:detail", args=[outgoing.pk])).content.decode()
    assert "V/v báo cáo tình hình" in page and "Trình duyệt" in page
    specialist.post(reverse("outgoing:action", args=[outgoing.pk, "submit"]))
    for key in ("head", "office_leader", "signer"):
        reviewer = client_for(people[key])
        html = reviewer.get(reverse("outgoing:detail", args=[outgoing.pk])).content.decode()
        assert 'data-testid="approve"' in html
        reviewer.post(reverse("outgoing:action", args=[outgoing.pk, "approve"]), {"comment": "OK"})
    client_for(people["signer"]).post(reverse("outgoing:action", args=[outgoing.pk, "sign"]))
    clerk = client_for(people["clerk"])
    listed = clerk.get(reverse("outgoing:list") + "?box=to_issue").content.decode()
    assert "V/v báo cáo tình hình" in listed
    issued = clerk.post(reverse("outgoing:action", args=[outgoing.pk, "issue"]))
    assert issued["Location"] == reverse("outgoing:tracking", args=[outgoing.pk])
    outgoing.refresh_from_db()
    assert outgoing.state == "issued" and outgoing.document.code_notation == "UBND-KGVX"
    tracking = clerk.get(issued["Location"]).content.decode()
    assert tracking.count('data-testid="delivery"') == 3
    assert "Lưu: VT, KGVX" in tracking


def test_bad_draft_form_shows_errors_and_creates_nothing(people, recipients, cong_van):
    response = client_for(people["specialist"]).post(
        reverse("outgoing:create"),
        {
            "document_type": cong_van.pk,
            "subject": "V/v mật",
            "urgency": "thuong",
            "confidentiality": "mat",
            "signer": people["signer"].pk,
            "agencies": [recipients[0]["agency"].pk],
            "medium": "electronic",
        },
    )
    assert response.status_code == 200
    assert "chỉ phát hành bản giấy" in response.content.decode()
    assert not OutgoingDocument.objects.exists()


def test_tracking_filters_reminder_and_recall_answer_page(people, recipients, cong_van):
    pk = to_signed(people, [{"agency_id": r["agency"].pk} for r in recipients], doc_type=cong_van)
    issue(people, pk)
    clerk = client_for(people["clerk"])
    page = clerk.get(reverse("outgoing:tracking", args=[pk]) + "?filter=not_accepted")
    assert page.content.decode().count('data-testid="delivery"') == 3
    reminded = clerk.post(reverse("outgoing:action", args=[pk, "remind"]), follow=True)
    assert "3" in reminded.content.decode()
    # accept one, recall, the recipient answers from the page
    first = recipients[0]
    doc = IncomingDocument.objects.get(agency=first["agency"])
    client_for(first["clerk"]).post(reverse("incoming:action", args=[doc.pk, "accept"]))
    clerk.post(reverse("outgoing:action", args=[pk, "recall"]), {"reason": "Sai sót"})
    order = client_for(first["clerk"]).get(reverse("incoming:detail", args=[doc.pk]))
    html = order.content.decode()
    assert 'data-testid="recall-order"' in html and "Sai sót" in html
    assert reverse("incoming:action", args=[doc.pk, "recall_answer"]) in html
    answer = client_for(first["clerk"]).post(
        reverse("incoming:action", args=[doc.pk, "recall_answer"]), {"agree": "1"}
    )
    assert answer.status_code == 302
    doc.refresh_from_db()
    assert doc.state == "withdrawn" and doc.recall_answer == "15"
    year = doc.arrival_date.year
    book = clerk.get(
        reverse("outgoing:register_book")
        + f"?date_from={year}-01-01&date_to={year}-12-31&format=xlsx"
    )
    assert book.status_code == 200 and book["Content-Type"].startswith("application/vnd")


def test_other_agencies_cannot_open_the_pages(people, recipients, cong_van):
    pk = to_signed(people, [{"agency_id": recipients[0]["agency"].pk}], doc_type=cong_van)
    outsider = client_for(recipients[0]["clerk"])
    assert outsider.get(reverse("outgoing:detail", args=[pk])).status_code == 404
    assert outsider.get(reverse("outgoing:tracking", args=[pk])).status_code == 404
    assert outsider.post(reverse("outgoing:action", args=[pk, "issue"])).status_code == 404


def test_agencies_elsewhere_are_chosen_in_the_draft_form_and_wait_for_the_exchange(
    people, recipients, cong_van
):
    from qlvb.agencies.models import Agency, AgencyLevel

    elsewhere = Agency.objects.create(
        code="000.00.00.G01", name="Bộ Nội vụ", short_name="BNV", level=AgencyLevel.CENTRAL
    )
    specialist = client_for(people["specialist"])
    options = specialist.get(reverse("outgoing:external_suggestions") + "?q=bo noi").content
    assert "000.00.00.G01 – Bộ Nội vụ".encode() in options
    on_installation = recipients[0]["agency"]
    assert (
        on_installation.code.encode()
        not in specialist.get(
            reverse("outgoing:external_suggestions") + "?q=" + on_installation.name[:8]
        ).content
    )
    form = {
        "document_type": cong_van.pk,
        "subject": "V/v báo cáo Bộ Nội vụ",
        "urgency": "thuong",
        "confidentiality": "thuong",
        "signer": people["signer"].pk,
        "agencies": [on_installation.pk],
        "medium": "electronic",
        "files": [pdf(2)],
    }
    bad = specialist.post(
        reverse("outgoing:create"), {**form, "external_agencies": "000.99.99.X99 – Không có"}
    )
    assert bad.status_code == 200 and "000.99.99.X99" in bad.content.decode()
    assert not OutgoingDocument.objects.exists()
    response = specialist.post(
        reverse("outgoing:create"),
        {**form, "files": [pdf(2)], "external_agencies": "000.00.00.G01 – Bộ Nội vụ\n"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    outgoing = OutgoingDocument.objects.get()
    line = outgoing.recipients.get(agency=elsewhere)
    assert line.kind == "external"
    pk = outgoing.pk
    specialist.post(reverse("outgoing:action", args=[pk, "submit"]))
    for key in ("head", "office_leader", "signer"):
        client_for(people[key]).post(reverse("outgoing:action", args=[pk, "approve"]), {})
    client_for(people["signer"]).post(reverse("outgoing:action", args=[pk, "sign"]))
    client_for(people["clerk"]).post(reverse("outgoing:action", args=[pk, "issue"]))
    from qlvb.jobs.runner import run_due

    run_due()
    delivery = outgoing.deliveries.get(recipient_agency=elsewhere)
    # Left for the exchange app: the job runner never claims this state.
    assert (delivery.state, delivery.status) == ("waiting_exchange", "waiting_exchange")
    assert not IncomingDocument.objects.filter(agency=elsewhere).exists()
    assert outgoing.deliveries.get(recipient_agency=on_installation).status == "01"
    tracking = client_for(people["clerk"]).get(reverse("outgoing:tracking", args=[pk]))
    assert "Chờ gửi qua trục liên thông" in tracking.content.decode()


def test_document_page_shows_whether_the_files_text_is_indexed(people, recipients, cong_van):
    """The search app's text-state badge, the same include as the incoming page."""
    from qlvb.jobs.runner import run_due
    from qlvb.search.models import TextExtraction

    from .flow import create_draft, upload

    pk = create_draft(people, [{"agency_id": recipients[0]["agency"].pk}], doc_type=cong_van)
    specialist = client_for(people["specialist"])
    url = reverse("outgoing:detail", args=[pk])
    assert 'data-state="none"' in specialist.get(url).content.decode()  # no file yet
    upload(people["specialist"], pk)
    document_id = OutgoingDocument.objects.get(pk=pk).document_id
    extraction = TextExtraction.objects.get(document_id_value=document_id)
    assert extraction.state == "pending"  # the worker has not read the file yet
    page = specialist.get(url).content.decode()
    assert 'data-testid="text-state" data-state="pending"' in page
    assert reverse("search:text_state", args=[document_id]) in page
    run_due()
    assert 'data-state="indexed"' in specialist.get(url).content.decode()
    TextExtraction.objects.filter(pk=extraction.pk).update(state="failed")  # a broken file
    assert 'data-state="failed"' in specialist.get(url).content.decode()
