import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qlvb.agencies.models import Person
from qlvb.outgoing.models import OutgoingDocument, OutgoingState
from qlvb.reports.models import ImportState, RegisterImport

from .conftest import OFFICE, STC, make_person
from .test_reports import exchange  # noqa: F401 - the fixture

Q = "agency=000.00.01.H15&from=2017-07-01&to=2017-09-30"


@pytest.fixture
def clerk(exchange):  # noqa: F811
    return make_person("vanthu.vp", exchange["office"], "clerk")


def test_report_page_chart_and_drill_down_agree(client, clerk):
    client.force_login(clerk)
    page = client.get(f"/bao-cao/exchange-summary/?{Q}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "Sở Tài chính" in html
    links = re.findall(r'href="(/bao-cao/exchange-summary/chi-tiet/[^"]+)"[^>]*>(\d+)<', html)
    assert links
    for href, value in links[:8]:
        cell = client.get(href.replace("&amp;", "&"))
        assert cell.status_code == 200
        count = re.search(r'data-testid="cell-count">(\d+)<', cell.content.decode()).group(1)
        assert count == value


def test_other_agency_is_refused_on_pages_and_api(client, exchange):  # noqa: F811
    outsider = make_person("vanthu.stc", exchange[STC], "clerk")
    client.force_login(outsider)
    assert client.get(f"/bao-cao/exchange-summary/?{Q}").status_code == 403
    problem = client.get(f"/api/v1/reports/exchange-summary?{Q}")
    assert problem.status_code == 403
    assert problem["Content-Type"].startswith("application/problem+json")
    own = client.get(
        "/api/v1/reports/yearly-volume?agency=000.00.20.H15&from=2017-01-01&to=2017-12-31"
    )
    assert own.status_code == 200 and own.json()["rows"][0]["year"] == 2017


def test_api_figures_and_cell_documents(client, clerk):
    client.force_login(clerk)
    data = client.get(f"/api/v1/reports/exchange-summary?{Q}").json()
    assert data["columns"][0] == "rank"
    stc = next(r for r in data["rows"] if r["agency_code"] == STC)
    assert stc["in_rate"] == 53
    cell = client.get(
        f"/api/v1/reports/exchange-summary/documents?{Q}&key={STC}&column=in_electronic_first"
    ).json()
    assert cell["count"] == stc["in_electronic_first"] == 21
    assert len(cell["documents"]) == 21


def test_downloads(client, clerk):
    client.force_login(clerk)
    csv = client.get(f"/bao-cao/exchange-summary/tai-ve/csv/?{Q}")
    assert csv.content.decode().startswith("rank,agency_code,agency_name,out_total")
    xlsx = client.get(f"/bao-cao/yearly-volume/tai-ve/xlsx/?{Q}")
    assert xlsx.content[:2] == b"PK"
    docx = client.get(f"/bao-cao/exchange-by-agency/tai-ve/docx/?{Q}")
    assert docx.content[:2] == b"PK"


def test_report_becomes_an_outgoing_draft(client, clerk, django_capture_on_commit_callbacks):
    client.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/bao-cao/exchange-summary/du-thao/?{Q}")
    assert response.status_code == 302
    draft = OutgoingDocument.objects.get(state=OutgoingState.DRAFT)
    assert draft.agency.code == OFFICE
    assert draft.document.subject.startswith("Báo cáo tình hình gửi, nhận")
    assert draft.versions.get().files.filter(attachment__original_name__endswith=".docx")


def test_web_import_with_progress(client, agencies, django_capture_on_commit_callbacks):
    admin = Person.objects.create_superuser("quantri", "x-password-1", full_name="Quản trị")
    client.force_login(admin)
    from .conftest import incoming_csv, incoming_row

    good = incoming_csv([incoming_row(1, paper_received_at="2017-08-01T09:00")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/bao-cao/nhap-so-cu/",
            {"kind": "incoming", "file": SimpleUploadedFile("den.csv", good)},
        )
    assert response.status_code == 302
    item = RegisterImport.objects.get()
    assert item.state == ImportState.DONE and item.created_count == 1
    poll = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert 'data-state="done"' in poll.content.decode() and "hx-get" not in poll.content.decode()
    bad = incoming_csv([incoming_row(2, agency="x"), incoming_row(3, day="2017-02-30")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/bao-cao/nhap-so-cu/",
            {"kind": "incoming", "file": SimpleUploadedFile("bad.csv", bad)},
        )
    page = client.get(response["Location"]).content.decode()
    assert 'data-state="failed"' in page
    assert page.count("<li>") >= 2 and "2017-02-30" in page


def test_import_page_is_for_the_administrator(client, clerk):
    client.force_login(clerk)
    assert client.get("/bao-cao/nhap-so-cu/").status_code == 403
