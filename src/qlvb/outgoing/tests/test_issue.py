"""Issuing: ND30 numbers and notations, series, refusals with a clear reason and nothing
changed, confidential documents on paper only, DOCX conversion, the register book, the
tracking page's query count."""

import datetime as dt
import io
import shutil
import zipfile

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from qlvb.agencies.models import Agency, AgencyLevel
from qlvb.documents.models import DocumentType, RegisterBook
from qlvb.outgoing import services
from qlvb.outgoing.models import Delivery, OutgoingDocument, OutgoingSettings

from .conftest import client_for, make_recipients
from .flow import create_draft, issue, to_signed, upload

pytestmark = pytest.mark.django_db


def test_numbers_and_notations_follow_nd30(people, recipients, cong_van, quyet_dinh):
    to = [{"agency_id": recipients[0]["agency"].pk}]
    decision = to_signed(people, to, doc_type=quyet_dinh)
    letter = to_signed(people, to, doc_type=cong_van)
    first = issue(people, decision)
    second = issue(people, letter)
    assert (first["code_number"], first["code_notation"]) == ("01", "QĐ-UBND")
    assert (second["code_number"], second["code_notation"]) == ("02", "UBND-KGVX")
    assert first["issued_date"] == timezone.localdate().isoformat()
    book = RegisterBook.objects.get(kind="outgoing")
    assert book.year == timezone.localdate().year and book.last_number == 2


def test_series_per_type_and_confidential_series(people, recipients, cong_van, quyet_dinh):
    OutgoingSettings.objects.create(agency=people["clerk"].agency, series_per_type=True)
    to = [{"agency_id": recipients[0]["agency"].pk}]
    a = issue(people, to_signed(people, to, doc_type=quyet_dinh))
    b = issue(people, to_signed(people, to, doc_type=cong_van))
    c = issue(people, to_signed(people, to, doc_type=quyet_dinh))
    assert [a["code_number"], b["code_number"], c["code_number"]] == ["01", "01", "02"]
    secret = to_signed(
        people,
        [{"agency_id": recipients[0]["agency"].pk, "medium": "paper"}],
        doc_type=cong_van,
        confidentiality="mat",
    )
    d = issue(people, secret)
    assert d["code_number"] == "01"
    outgoing = OutgoingDocument.objects.get(pk=secret)
    assert outgoing.register_book.kind == "outgoing_confidential"
    # confidential documents never go to the electronic delivery
    assert not Delivery.objects.filter(outgoing=outgoing).exists()


def test_confidential_documents_refuse_electronic_recipients(people, recipients, cong_van):
    response = client_for(people["specialist"]).post(
        "/api/v1/outgoing",
        {
            "document_type": cong_van.pk,
            "subject": "V/v tài liệu mật",
            "confidentiality": "mat",
            "recipients": [{"agency_id": recipients[0]["agency"].pk, "medium": "electronic"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "bản giấy" in str(response.json()["errors"])
    # made confidential after the recipients were chosen: issuing still refuses
    pk = to_signed(people, [{"agency_id": recipients[0]["agency"].pk}], doc_type=cong_van)
    OutgoingDocument.objects.get(pk=pk).document.__class__.objects.filter(outgoing__pk=pk).update(
        confidentiality="mat"
    )
    refused = client_for(people["clerk"]).post(f"/api/v1/outgoing/{pk}/issue")
    assert refused.status_code == 422 and "bản giấy" in refused.json()["detail"]
    assert OutgoingDocument.objects.get(pk=pk).state == "signed"


def test_paper_kinds_force_paper_and_recipient_kinds(people, recipients):
    invitation = DocumentType.objects.get(abbreviation="GM")
    invitation.requires_paper = True
    invitation.save()
    elsewhere = Agency.objects.create(
        code="000.00.00.G01", name="Bộ Nội vụ", short_name="BNV", level=AgencyLevel.CENTRAL
    )
    pk = to_signed(
        people,
        [
            {"agency_id": recipients[0]["agency"].pk},
            {"agency_id": elsewhere.pk},
            {"person_id": people["head"].pk},
            {"name": "Lưu: VT"},
        ],
        doc_type=invitation,
    )
    detail = client_for(people["clerk"]).get(f"/api/v1/outgoing/{pk}").json()
    kinds = [(r["kind"], r["medium"]) for r in detail["recipients"]]
    assert kinds == [
        ("agency", "electronic_paper"),
        ("external", "electronic_paper"),
        ("person", "electronic_paper"),
        ("paper", "paper"),
    ]
    issue(people, pk)
    deliveries = {d.recipient_agency_id: d for d in Delivery.objects.filter(outgoing_id=pk)}
    assert deliveries[elsewhere.pk].state == "waiting_exchange"
    assert deliveries[elsewhere.pk].status == "waiting_exchange"
    assert deliveries[recipients[0]["agency"].pk].status == "01"


def test_bad_input_is_refused_with_a_reason_and_nothing_changes(people, recipients, cong_van):
    clerk = client_for(people["clerk"])
    to = [{"agency_id": r["agency"].pk} for r in recipients]
    # without approval
    draft = create_draft(people, to, doc_type=cong_van, signer_id=people["signer"].pk)
    upload(people["specialist"], draft)
    refused = clerk.post(f"/api/v1/outgoing/{draft}/issue")
    assert refused.status_code == 409
    assert refused.json()["detail"] == "Văn bản chưa được duyệt và ký, chưa phát hành được."
    # without a main file (the signed version lost its files)
    pk = to_signed(people, to, doc_type=cong_van)
    OutgoingDocument.objects.get(pk=pk).versions.get().files.all().delete()
    refused = clerk.post(f"/api/v1/outgoing/{pk}/issue")
    assert refused.status_code == 422 and "tệp văn bản chính" in refused.json()["detail"]
    # to an inactive agency
    pk = to_signed(people, to, doc_type=cong_van)
    Agency.objects.filter(pk=recipients[1]["agency"].pk).update(is_active=False)
    refused = clerk.post(f"/api/v1/outgoing/{pk}/issue")
    assert refused.status_code == 422
    assert "ngừng hoạt động" in refused.json()["detail"]
    assert recipients[1]["agency"].name in refused.json()["detail"]
    Agency.objects.filter(pk=recipients[1]["agency"].pk).update(is_active=True)
    # nothing was numbered by the refusals
    assert not RegisterBook.objects.filter(last_number__gt=0).exists()
    assert not Delivery.objects.exists()
    # twice
    issue(people, pk)
    again = clerk.post(f"/api/v1/outgoing/{pk}/issue")
    assert again.status_code == 409 and "đã được phát hành" in again.json()["detail"]
    assert RegisterBook.objects.get(kind="outgoing").last_number == 1
    assert Delivery.objects.filter(outgoing_id=pk).count() == 3
    # only clerks issue
    other = to_signed(people, to, doc_type=cong_van)
    denied = client_for(people["signer"]).post(f"/api/v1/outgoing/{other}/issue")
    assert denied.status_code == 403
    # an inactive agency cannot be chosen, nor the issuer itself
    Agency.objects.filter(pk=recipients[2]["agency"].pk).update(is_active=False)
    response = client_for(people["specialist"]).post(
        "/api/v1/outgoing",
        {
            "subject": "V/v thử",
            "recipients": [
                {"agency_id": recipients[2]["agency"].pk},
                {"agency_id": people["clerk"].agency_id},
                {},
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"recipients.0", "recipients.1", "recipients.2"}
    # editing an issued document
    patched = client_for(people["specialist"]).patch(
        f"/api/v1/outgoing/{pk}", {"subject": "Sửa"}, content_type="application/json"
    )
    assert patched.status_code == 409
    # a signer who is not a leader, a past deadline, an empty subject
    response = client_for(people["specialist"]).post(
        "/api/v1/outgoing",
        {
            "subject": "",
            "signer_id": people["specialist"].pk,
            "due_date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 422


def test_outsiders_see_nothing(people, recipients, cong_van):
    pk = create_draft(people, [], doc_type=cong_van)
    assert client_for(people["outsider"]).get(f"/api/v1/outgoing/{pk}").status_code == 404
    assert client_for(recipients[0]["clerk"]).get(f"/api/v1/outgoing/{pk}").status_code == 404
    assert client_for(people["clerk"]).get(f"/api/v1/outgoing/{pk}").status_code == 200
    listed = client_for(people["specialist"]).get("/api/v1/outgoing?box=drafts").json()
    assert [i["id"] for i in listed["items"]] == [pk]


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="LibreOffice not installed")
def test_docx_is_converted_to_pdf_and_kept(people, cong_van):
    pk = create_draft(people, [], doc_type=cong_van)
    body = upload(people["specialist"], pk, _docx("Kính gửi: các Sở, ban, ngành"))
    files = body["versions"][0]["files"]
    assert body["versions"][0]["conversion"] == "converted"
    assert [(f["kind"], f["content_type"]) for f in files] == [
        ("main", "application/pdf"),
        (
            "source",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ]
    assert files[0]["original_name"] == "du-thao.pdf" and files[0]["page_count"] == 1


def test_docx_kept_and_marked_when_libreoffice_is_missing(people, cong_van, settings):
    settings.QLVB_LIBREOFFICE = ""
    pk = create_draft(people, [], doc_type=cong_van)
    body = upload(people["specialist"], pk, _docx("Nội dung"))
    assert body["versions"][0]["conversion"] == "unavailable"
    assert [f["kind"] for f in body["versions"][0]["files"]] == ["main"]


def test_outgoing_register_pdf_and_xlsx(people, recipients, cong_van):
    pk = to_signed(people, [{"agency_id": recipients[0]["agency"].pk}], doc_type=cong_van)
    issue(people, pk)
    year = timezone.localdate().year
    clerk = client_for(people["clerk"])
    got = clerk.get(
        f"/api/v1/outgoing/register-book?date_from={year}-01-01&date_to={year}-12-31&format=xlsx"
    )
    assert got.status_code == 200
    sheet = load_workbook(io.BytesIO(got.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][0] == "Số, ký hiệu văn bản" and len(rows[2]) == 10
    assert rows[4][0] == "01/UBND-KGVX"
    assert "Sở thử nghiệm 01" in rows[4][4]
    got = clerk.get(
        f"/api/v1/outgoing/register-book?date_from={year}-01-01&date_to={year}-12-31&format=pdf"
    )
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    bad = clerk.get(f"/api/v1/outgoing/register-book?date_from={year}-12-31&date_to={year}-01-01")
    assert bad.status_code == 422


def test_tracking_reads_220_recipients_in_constant_queries(
    people, cong_van, django_assert_max_num_queries
):
    agencies = make_recipients(220)
    outgoing = OutgoingDocument.objects.get(
        pk=to_signed(people, [{"agency_id": a["agency"].pk} for a in agencies], doc_type=cong_van)
    )
    issue(people, outgoing.pk, deliver=False)
    from qlvb.outgoing import selectors
    from qlvb.outgoing.api import delivery_row

    with django_assert_max_num_queries(2):
        rows = [
            delivery_row(d)
            for d in selectors.deliveries_for(viewer=people["clerk"], outgoing=outgoing)
        ]
    assert len(rows) == 220
    assert services.late_deliveries(outgoing).count() == 0


def _docx(text: str) -> io.BytesIO:
    """A minimal valid DOCX."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
            'document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
            f"{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    out.seek(0)
    out.name = "du-thao.docx"
    return out


def test_a_document_delivered_to_many_agencies_is_read_and_checked_once(people, cong_van):
    """Every recipient's copy is the same blob: its text and its signature check are made once
    (for the sender's file) and each copy gets them at once, with no job of its own."""
    from qlvb.documents.models import Attachment
    from qlvb.jobs.runner import run_due
    from qlvb.search.models import TextExtraction
    from qlvb.signing.models import PdfVerification, VerificationRequest

    agencies = make_recipients(5)
    pk = to_signed(people, [{"agency_id": a["agency"].pk} for a in agencies], doc_type=cong_van)
    run_due()  # the worker reads the signed file while the document waits to be issued
    issue(people, pk)
    outgoing = OutgoingDocument.objects.get(pk=pk)
    delivered = Attachment.objects.filter(
        document__incoming__in=[d.incoming_id for d in Delivery.objects.filter(outgoing=outgoing)]
    )
    assert delivered.count() == 5
    assert len({a.blob_id for a in delivered}) == 1
    blob_id = delivered[0].blob_id
    texts = TextExtraction.objects.filter(attachment__blob_id=blob_id)
    assert texts.count() >= 6 and {t.state for t in texts} == {"done"}
    assert texts.filter(attempts__gt=0).count() == 1  # one real extraction, the others copied
    assert len({t.text for t in texts}) == 1
    checks = PdfVerification.objects.filter(attachment__blob_id=blob_id)
    assert set(checks.values_list("attachment_id", flat=True)) >= {a.pk for a in delivered}
    assert len({(c.status, c.label) for c in checks}) == 1
    assert not VerificationRequest.objects.filter(attachment__in=delivered).exists()


def _deliver_counting_statements(people, cong_van, agencies) -> tuple[int, OutgoingDocument]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qlvb.jobs.runner import run_due

    pk = to_signed(people, [{"agency_id": a["agency"].pk} for a in agencies], doc_type=cong_van)
    run_due()  # the signed file's own text and check, before the issue
    issue(people, pk, deliver=False)
    with CaptureQueriesContext(connection) as queries:
        run_due()
    return len(queries.captured_queries), OutgoingDocument.objects.get(pk=pk)


def test_delivery_to_many_agencies_is_one_batch_whatever_their_number(people, cong_van):
    """Issuing to the whole province is a few statements, not a few per recipient: every copy
    arrives (queue, timeline 01, files, search entry, clerk told, sender's tracking, audit)."""
    from qlvb.audit.models import AuditEvent
    from qlvb.audit.selectors import audit_chain_verify
    from qlvb.incoming.models import IncomingDocument, TimelineEvent
    from qlvb.notifications.models import Notification
    from qlvb.search.models import SearchEntry

    few, _ = _deliver_counting_statements(people, cong_van, make_recipients(2, start=1))
    many_agencies = make_recipients(12, start=10)
    many, outgoing = _deliver_counting_statements(people, cong_van, many_agencies)
    assert many <= few + 4, (few, many)  # not 10 more recipients times ~30 statements

    deliveries = list(Delivery.objects.filter(outgoing=outgoing).order_by("pk"))
    assert len(deliveries) == 12
    for delivery, agency in zip(deliveries, many_agencies, strict=True):
        assert (delivery.status, delivery.state) == ("01", "done")
        assert delivery.delivered_at is not None
        incoming = IncomingDocument.objects.get(pk=delivery.incoming_id)
        assert incoming.agency_id == agency["agency"].pk
        assert (incoming.state, incoming.source) == ("received", "electronic")
        assert incoming.document.subject == outgoing.document.subject
        assert incoming.document.organ_name == outgoing.agency.name
        assert incoming.document.attachments.count() == 1
        assert TimelineEvent.objects.filter(incoming=incoming, status_code="01").count() == 1
        assert SearchEntry.objects.filter(pk=incoming.document_id).exists()
        assert Notification.objects.filter(
            recipient=agency["clerk"], url__contains=f"/{incoming.pk}/"
        ).exists()
        assert (
            AuditEvent.objects.filter(action="incoming.deliver", object_id=str(incoming.pk)).count()
            == 1
        )
    assert audit_chain_verify().ok
    # Run again (a worker that crashed before its "done" mark): nothing lands twice.
    from qlvb.outgoing.tasks import deliver

    deliver(deliveries)
    assert (
        IncomingDocument.objects.filter(
            origin_reference__in=[d.origin_reference for d in deliveries]
        ).count()
        == 12
    )
