"""The two ways of finding a query's newest visible matches give the same rows and counts:
walking the newest rows and testing each one's words (`_walk`, for common words on
PostgreSQL) and asking the full-text index. Both run here on either database (on SQLite the
walk's test is FTS5's MATCH), with windows of a row or two so that every step is taken."""

import pytest

from qlvb.incoming import services as incoming_services
from qlvb.search import selectors
from qlvb.search.backends import get_backend
from qlvb.search.selectors import SearchFilters, search_page

from .conftest import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents(people):
    clerk, leader = people["clerk"], people["leader"]
    made = []
    for n in range(9):
        subject = f"Kế hoạch kinh phí số {n}" if n % 3 else f"Báo cáo kinh phí {n}"
        made.append(register(clerk, subject=subject, urgency="khan" if n % 2 else "thuong"))
    made.append(register(clerk, subject="Kế hoạch kinh phí mật", confidentiality="mat"))
    for incoming in made[:4]:  # the specialist's: assigned to them
        incoming_services.incoming_direct(
            actor=leader,
            incoming=incoming,
            direction="Xử lý",
            assignments=[{"kind": "lead", "person": people["specialist"]}],
        )
    return made


QUERIES = [
    ("kinh phi", {}),
    ("ke hoach kinh", {}),
    ('"kế hoạch kinh phí"', {}),
    ("kinh phi", {"sort": "date_desc"}),
    ("kinh phi", {"sort": "date_asc"}),
    ("kinh phi", {"filters": SearchFilters(urgency="khan")}),
    ("bao cao", {}),
]


def _pages(viewer, *, walks: bool, monkeypatch):
    monkeypatch.setattr(type(get_backend()), "walks", walks)
    out = []
    for q, kwargs in QUERIES:
        for cap in (3, 1000):  # fewer candidates than matches, and more
            monkeypatch.setattr(selectors, "CANDIDATES", cap)
            page = search_page(viewer=viewer, q=q, size=100, **kwargs)
            out.append((q, cap, [e.pk for e in page.rows], page.total, page.more))
    return out


@pytest.mark.parametrize("role", ["clerk", "leader", "specialist", "outsider"])
def test_walk_finds_what_the_index_finds(documents, people, role, monkeypatch):
    viewer = people[role]
    monkeypatch.setattr(selectors, "HEAD_ROWS", 1)
    monkeypatch.setattr(selectors, "WALK_ROWS", 10**6)
    walked = _pages(viewer, walks=True, monkeypatch=monkeypatch)
    indexed = _pages(viewer, walks=False, monkeypatch=monkeypatch)
    assert walked == indexed
    if role == "clerk":
        assert any(total for *_, total, _ in walked)  # not a comparison of empty results
    if role == "specialist":  # the four assigned to them, none of the others
        seen = {pk for _, _, rows, _, _ in walked for pk in rows}
        assert seen == {d.document_id for d in documents[:4]}


def test_sparse_matches_leave_the_walk_for_the_index(documents, people, monkeypatch):
    monkeypatch.setattr(type(get_backend()), "walks", True)
    monkeypatch.setattr(selectors, "HEAD_ROWS", 2)
    monkeypatch.setattr(selectors, "WALK_ROWS", 3)  # too few rows to find them by walking
    page = search_page(viewer=people["clerk"], q="bao cao", size=100)
    assert sorted(e.pk for e in page.rows) == sorted(d.document_id for d in documents[:9:3])


@pytest.mark.parametrize("role", ["clerk", "specialist"])
def test_a_walk_that_stops_early_counts_a_lower_bound_of_visible_rows(
    documents, people, role, monkeypatch
):
    monkeypatch.setattr(selectors, "HEAD_ROWS", 2)
    monkeypatch.setattr(selectors, "MIN_CANDIDATES", 1)
    viewer = people[role]
    mine = documents[:4]
    if role == "specialist":  # enough of theirs among the newest rows for the walk to find
        for incoming in documents[4:9]:
            incoming_services.incoming_direct(
                actor=people["leader"],
                incoming=incoming,
                direction="Xử lý",
                assignments=[{"kind": "lead", "person": viewer}],
            )
        mine = documents[:9]
    full = search_page(viewer=viewer, q="kinh phi", size=100)  # every match
    monkeypatch.setattr(type(get_backend()), "walks", True)
    monkeypatch.setattr(selectors, "WALK_ROWS", 6)  # fewer rows than the 1 000 asked for
    page = search_page(viewer=viewer, q="kinh phi", size=100)
    assert page.stopped and not page.more
    assert not full.stopped
    assert 1 <= page.total == len(page.rows) < full.total
    assert {e.pk for e in page.rows} <= {e.pk for e in full.rows}  # only what they may see
    if role == "specialist":
        assert {e.pk for e in page.rows} <= {d.document_id for d in mine}
