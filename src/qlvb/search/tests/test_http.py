"""The search page, the API, the export and saved searches, from the outside."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_search_page_finds_and_links(index, people):
    client = signed_in(people["clerk"])
    response = client.get("/tim-kiem/")
    assert response.status_code == 200
    page = client.get("/tim-kiem/", {"q": "dak lak"}).content.decode()
    assert "Quyết định phê duyệt kế hoạch" in page
    assert f'href="/van-ban-den/{index["decision"].pk}/"' in page
    assert "bổ sung kinh phí" not in page


def test_nav_points_to_the_search_page(people):
    page = signed_in(people["clerk"]).get("/tim-kiem/").content.decode()
    assert 'href="/tim-kiem/"' in page


@pytest.mark.parametrize("q", ["!!!", "x" * 700, '"', "a OR b) AND (NEAR", "' OR 1=1 --"])
def test_page_bad_input_is_a_message_never_a_500(index, people, q):
    response = signed_in(people["clerk"]).get("/tim-kiem/", {"q": q})
    assert response.status_code == 200


def test_page_message_for_punctuation(index, people):
    page = signed_in(people["clerk"]).get("/tim-kiem/", {"q": "?!*"}).content.decode()
    assert "không có chữ hoặc số" in page


def test_api_search_scoped_and_with_messages(index, people):
    response = signed_in(people["clerk"]).get("/api/v1/search", {"q": "2999/ubnd-kgvx"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["items"][0]["document_id"] == index["decision"].document_id
    assert body["items"][0]["url"] == f"/van-ban-den/{index['decision'].pk}/"
    outsider = signed_in(people["outsider"]).get("/api/v1/search", {"q": "quyet dinh"}).json()
    assert outsider["count"] == 0 and outsider["items"] == []
    bad = signed_in(people["clerk"]).get("/api/v1/search", {"q": "***"})
    assert bad.status_code == 422
    assert "chữ hoặc số" in bad.json()["detail"]
    long = signed_in(people["clerk"]).get("/api/v1/search", {"q": "a" * 1000})
    assert long.status_code == 422


def test_api_needs_a_person(index):
    assert Client().get("/api/v1/search", {"q": "x"}).status_code == 401


def test_export_xlsx(index, people):
    response = signed_in(people["clerk"]).get("/tim-kiem/xuat-excel/", {"q": "quyet dinh"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Số, ký hiệu"
    assert len(rows) == 3
    assert {r[3] for r in rows[1:]} == {
        index["decision"].document.subject,
        index["folded"].document.subject,
    }


def test_saved_search_save_rerun_delete(index, people):
    from qlvb.search.models import SavedSearch

    client = signed_in(people["clerk"])
    response = client.post("/tim-kiem/luu/", {"name": "Quyết định", "q": "quyet dinh"})
    assert response.status_code == 302
    saved = SavedSearch.objects.get(owner=people["clerk"])
    assert saved.params == {"q": "quyet dinh"}
    rerun = client.get(f"/tim-kiem/da-luu/{saved.pk}/")
    assert rerun.status_code == 302 and "q=quyet+dinh" in rerun["Location"]
    # Someone else's saved search is not theirs to run or delete.
    other = signed_in(people["leader"])
    assert other.get(f"/tim-kiem/da-luu/{saved.pk}/").status_code == 404
    assert other.post(f"/tim-kiem/da-luu/{saved.pk}/xoa/").status_code == 404
    assert client.post(f"/tim-kiem/da-luu/{saved.pk}/xoa/").status_code == 302
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize("sort", ["relevance", "date_desc"])
def test_counts_stop_at_the_cap_and_count_only_what_the_viewer_may_see(people, monkeypatch, sort):
    """Ranking and counting stop at CANDIDATES matches the viewer may see; a wide viewer's
    matches are read in chunks and tested for permission chunk by chunk (here the newest
    chunk holds only documents the leader may not see)."""
    from qlvb.search import selectors, views

    from .conftest import register

    for n in range(5):
        register(people["clerk"], subject=f"Kế hoạch thi đua số {n}")
    for n in range(3):  # newest: confidential, not named on them, the leader may not see them
        register(people["clerk"], subject=f"Kế hoạch thi đua mật {n}", confidentiality="mat")
    monkeypatch.setattr(selectors, "CANDIDATES", 3)
    monkeypatch.setattr(selectors, "WALK_CHUNK", 2)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)  # by date, counting goes at least a page far
    leader = signed_in(people["leader"])
    body = leader.get("/api/v1/search", {"q": "thi dua", "sort": sort, "size": 2}).json()
    assert (body["count"], body["more"], len(body["items"])) == (3, True, 2)
    assert all("mật" not in item["subject"] for item in body["items"])
    page = leader.get("/tim-kiem/", {"q": "thi dua", "sort": sort}).content.decode()
    assert "Tìm thấy hơn 3 văn bản" in page
    monkeypatch.setattr(selectors, "CANDIDATES", 10)
    body = leader.get("/api/v1/search", {"q": "thi dua", "sort": sort}).json()
    assert (body["count"], body["more"], len(body["items"])) == (5, False, 5)
    clerk = signed_in(people["clerk"]).get("/api/v1/search", {"q": "thi dua", "sort": sort})
    assert clerk.json()["count"] == 8  # registered them all
    specialist = signed_in(people["specialist"]).get("/api/v1/search", {"q": "thi dua"}).json()
    assert (specialist["count"], specialist["more"]) == (0, False)


def test_a_count_that_stopped_early_says_at_least(people, monkeypatch):
    from qlvb.search import selectors
    from qlvb.search.backends import get_backend

    from .conftest import register

    for n in range(6):
        register(people["clerk"], subject=f"Kế hoạch thi đua số {n}")
    monkeypatch.setattr(type(get_backend()), "walks", True)
    monkeypatch.setattr(selectors, "HEAD_ROWS", 2)
    monkeypatch.setattr(selectors, "WALK_ROWS", 4)  # reads 4 of the 6 matches, then stops
    monkeypatch.setattr(selectors, "MIN_CANDIDATES", 2)
    clerk = signed_in(people["clerk"])
    body = clerk.get("/api/v1/search", {"q": "thi dua"}).json()
    assert (body["count"], body["more"], body["stopped"]) == (4, False, True)
    page = clerk.get("/tim-kiem/", {"q": "thi dua"}).content.decode()
    assert "Tìm thấy ít nhất 4 văn bản" in page
