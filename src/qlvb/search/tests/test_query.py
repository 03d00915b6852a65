import pytest

from qlvb.search.query import MAX_QUERY_CHARS, QueryError, parse
from qlvb.search.text import folded_text, normalize_notation


def test_fold_and_notation_normalization():
    assert folded_text("Quyết định của UBND tỉnh Đắk Lắk") == "quyet dinh cua ubnd tinh dak lak"
    assert normalize_notation("2999 / UBND-KGVX") == "2999/ubnd-kgvx"
    assert normalize_notation("30/2020/NĐ-CP") == "30/2020/nd-cp"


def test_words_phrases_and_prefix():
    parsed = parse('Đắk "quyết định" lắ')
    assert [t.folded for t in parsed.terms] == [("dak",), ("quyet", "dinh"), ("la",)]
    assert parsed.terms[0].exact == ("đắk",)
    assert parsed.terms[1].phrase and not parsed.terms[1].prefix
    assert parsed.terms[2].prefix  # still typing
    assert not parse("quyet ").terms[-1].prefix


@pytest.mark.parametrize(
    "raw",
    ['"quyet dinh', "a AND b OR NOT c", "NEAR(a b)", "dinh* ^x col:y", "'; DROP TABLE x; --"],
)
def test_operators_and_open_quotes_are_words(raw):
    parsed = parse(raw)
    assert parsed.terms
    for term in parsed.terms:
        assert all(w.isalnum() for w in term.folded)


@pytest.mark.parametrize("raw", ["!!!", '"', "*", "-- ;", "()"])
def test_only_punctuation_is_a_clear_message(raw):
    with pytest.raises(QueryError) as caught:
        parse(raw)
    assert "chữ hoặc số" in caught.value.message


def test_too_long_is_a_clear_message():
    with pytest.raises(QueryError) as caught:
        parse("a" * (MAX_QUERY_CHARS + 1))
    assert "quá dài" in caught.value.message


def test_notation_is_recognized():
    assert parse("2999/ubnd-kgvx").notation == "2999/ubnd-kgvx"
    assert parse("quyet dinh").notation == ""
