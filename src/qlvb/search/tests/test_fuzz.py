"""Bad input, fuzzed: any text typed into the search box gives results or a clear QueryError,
never a database error; the words handed to FTS5 / tsquery are only letters and digits."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qlvb.search.query import QueryError, parse
from qlvb.search.selectors import search

# Operators, quotes, brackets and Vietnamese letters, mixed with any text.
NASTY = st.lists(
    st.sampled_from(
        [
            '"',
            "'",
            "*",
            "(",
            ")",
            ":",
            "^",
            "-",
            "+",
            "NEAR",
            "AND",
            "OR",
            "NOT",
            "&",
            "|",
            "!",
            "<->",
            "\\",
            ";",
            "--",
            "%",
            "_",
            "đắk",
            "lắk",
            "Quyết",
            "2999/UBND-KGVX",
            " ",
            "\x00",
        ]
    )
    | st.text(max_size=12),
    max_size=30,
).map("".join)


@given(NASTY)
@settings(max_examples=300, deadline=None)
def test_the_parser_answers_or_explains(raw):
    try:
        parsed = parse(raw)
    except QueryError as exc:
        assert exc.message
        return
    for term in parsed.terms:
        for word in term.folded:
            assert re.fullmatch(r"[^\W_]+", word), word  # letters and digits only


@pytest.mark.django_db
@given(NASTY)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_database_never_sees_an_operator(index, people, raw):
    try:
        found = list(search(viewer=people["clerk"], q=raw)[:5])
    except QueryError:
        return
    visible = {i.document_id for i in index.values()}
    assert {e.document_id for e in found} <= visible
