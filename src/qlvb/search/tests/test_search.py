"""The search itself, on whichever database runs the tests (SQLite or PostgreSQL)."""

import pytest

from qlvb.search.models import SearchEntry
from qlvb.search.query import QueryError
from qlvb.search.selectors import SearchFilters, search

from .conftest import register

pytestmark = pytest.mark.django_db


def subjects(viewer, q, **kwargs):
    return [e.document.subject for e in search(viewer=viewer, q=q, **kwargs)]


def test_documents_are_indexed_after_registration(index):
    entry = SearchEntry.objects.get(pk=index["decision"].document_id)
    assert entry.direction == "incoming" and entry.notation == "2999/ubnd-kgvx"
    assert "quyet dinh" in entry.meta_folded and "quyết định" in entry.meta_text


def test_without_diacritics_finds_with_and_exact_ranks_first(index, people):
    found = subjects(people["clerk"], "quyet dinh")
    assert len(found) == 2
    assert found[0] == index["folded"].document.subject  # written without marks, like the query
    with_marks = subjects(people["clerk"], "quyết định")
    assert with_marks[0] == index["decision"].document.subject  # agrees on the diacritics
    assert len(with_marks) == 2


def test_dak_lak_finds_dak_lak_with_d_stroke(index, people):
    assert subjects(people["clerk"], "dak lak") == [index["decision"].document.subject]
    assert subjects(people["clerk"], "ĐẮK LẮK") == [index["decision"].document.subject]


def test_prefix_as_you_type_and_phrases(index, people):
    assert subjects(people["clerk"], "phê duy") == [index["decision"].document.subject]
    assert subjects(people["clerk"], "kinh p") == [index["budget"].document.subject]
    assert subjects(people["clerk"], '"kế hoạch phát triển"') == [
        index["decision"].document.subject
    ]
    assert subjects(people["clerk"], '"phát triển kế hoạch"') == []


def test_notation_search_tolerates_case_and_spaces(index, people):
    for q in ("2999/ubnd-kgvx", "2999/UBND-KGVX", "2999 / ubnd-kgvx", "ubnd-kgvx"):
        assert subjects(people["clerk"], q)[0] == index["decision"].document.subject, q


@pytest.mark.parametrize(
    "q",
    [
        '"quyet dinh',
        "quyet AND dinh OR NOT x",
        "NEAR(quyet dinh)",
        "quyet* ^dinh {meta_text}: x",
        "'; DROP TABLE search_entry; --",
        "x' OR '1'='1",
        "quyết & định | !x <-> y:*",
        "a" * 400,
    ],
)
def test_bad_input_answers_without_error(index, people, q):
    list(search(viewer=people["clerk"], q=q))  # no database error
    assert SearchEntry.objects.count() == 3


def test_bad_input_messages(index, people):
    for q in ("!!!", "a" * 600):
        with pytest.raises(QueryError):
            search(viewer=people["clerk"], q=q)


def test_filters_and_sort(index, people):
    clerk = people["clerk"]
    assert subjects(clerk, "", filters=SearchFilters(urgency="khan")) == [
        index["budget"].document.subject
    ]
    assert subjects(clerk, "", filters=SearchFilters(type_name="Quyết định")) == [
        index["decision"].document.subject
    ]
    assert len(subjects(clerk, "", filters=SearchFilters(organ="so tai chinh"))) == 3
    assert subjects(clerk, "", filters=SearchFilters(direction="outgoing")) == []
    by_date = search(viewer=clerk, q="", sort="date_asc")
    dates = [e.doc_date for e in by_date]
    assert dates == sorted(dates)


def test_only_what_the_viewer_may_see(index, people):
    # The specialist has nothing assigned; the other agency's clerk sees none of it.
    assert subjects(people["specialist"], "quyet dinh") == []
    assert subjects(people["outsider"], "quyet dinh") == []
    assert search(viewer=people["outsider"], q="").count() == 0
    secret = register(people["clerk"], subject="Quyết định mật về nhân sự", confidentiality="mat")
    assert secret.document.subject in subjects(people["clerk"], "nhan su")  # registered it
    assert subjects(people["leader"], "nhan su") == []  # not named on it


def test_changes_are_reindexed(index, people):
    from qlvb.jobs.runner import run_due

    document = index["budget"].document
    document.subject = "Đề nghị cấp bổ sung kinh phí phòng chống thiên tai"
    document.save()
    run_due()
    assert subjects(people["clerk"], "thien tai") == [document.subject]
    document.delete()
    assert subjects(people["clerk"], "thien tai") == []
