"""What the person typed, made safe: words and quoted phrases, prefix on the last word (search
as you type), a number/notation when it looks like one. Nothing typed reaches FTS5 MATCH or
to_tsquery as syntax: only words made of letters and digits do, quoted by the backend."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qlvb.core.errors import ValidationFailed
from qlvb.core.text import fold
from qlvb.search.text import WORD, exact_words, normalize_notation

MAX_QUERY_CHARS = 500
MAX_WORDS = 20
MIN_PREFIX_CHARS = 2
# Digits and a separator, nothing but notation characters: `2999/UBND-KGVX`, `30/2020/NĐ-CP`.
NOTATION_LIKE = re.compile(r"^(?=.*\d)(?=.*[/\-])[\w\s/.\-]+$")


class QueryError(ValidationFailed):
    """A query that cannot be searched; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class Term:
    exact: tuple[str, ...]  # lower case, as written
    folded: tuple[str, ...]  # no diacritics
    phrase: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    raw: str = ""
    terms: tuple[Term, ...] = field(default_factory=tuple)
    notation: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.notation


def _term(words: list[str], *, phrase: bool) -> Term | None:
    exact = []
    folded = []
    for word in words:
        for part in WORD.findall(fold(word)):
            folded.append(part)
        exact.append(word)
    if not folded:
        return None
    return Term(tuple(exact), tuple(folded), phrase=phrase and len(folded) > 1)


def parse(raw: str | None) -> ParsedQuery:
    """Raise QueryError (400, a Vietnamese message) for input that cannot be searched; anything
    else gives a query: operators are ordinary words, an unclosed quote runs to the end."""
    typed = (raw or "").replace("\x00", "")
    raw = typed.strip()
    if len(raw) > MAX_QUERY_CHARS:
        raise QueryError(
            f"Từ khóa tìm kiếm quá dài (tối đa {MAX_QUERY_CHARS} ký tự).",
            errors={"q": [f"Tối đa {MAX_QUERY_CHARS} ký tự."]},
        )
    if not raw:
        return ParsedQuery()
    terms: list[Term] = []
    budget = MAX_WORDS
    # Even pieces are outside quotes, odd ones inside; an unclosed quote still makes a phrase.
    for index, piece in enumerate(raw.split('"')):
        words = exact_words(piece)[:budget]
        if not words:
            continue
        if index % 2:
            term = _term(words, phrase=True)
            if term:
                terms.append(term)
        else:
            terms.extend(t for t in (_term([w], phrase=False) for w in words) if t)
        budget = MAX_WORDS - sum(len(t.folded) for t in terms)
        if budget <= 0:
            break
    # Prefix on the last bare word while the person is still typing it. A single letter being
    # typed would read the postings of every word starting with it: wait for the second one.
    if terms and not terms[-1].phrase and not typed.endswith(('"', " ")):
        last = terms[-1]
        if len(last.folded[-1]) >= MIN_PREFIX_CHARS:
            terms[-1] = Term(last.exact, last.folded, phrase=False, prefix=True)
        elif len(terms) > 1:
            terms.pop()
    unquoted = raw.replace('"', " ").strip()
    notation = ""
    if NOTATION_LIKE.match(unquoted):
        notation = normalize_notation(unquoted)
    parsed = ParsedQuery(raw=raw, terms=tuple(terms), notation=notation)
    if parsed.is_empty:
        raise QueryError(
            "Từ khóa tìm kiếm không có chữ hoặc số nào; hãy nhập từ cần tìm.",
            errors={"q": ["Hãy nhập chữ hoặc số."]},
        )
    return parsed
