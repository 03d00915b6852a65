"""How text becomes index terms, the same at index and at query time on both backends.

Text is cut into words here (not by FTS5's or PostgreSQL's parser): PostgreSQL's parser keeps
`2999/UBND-KGVX` as one "file" token and splits hyphenated words its own way, FTS5 does not, so
both backends receive plain space-separated words and agree on what a word is. Each word is kept
twice: folded (`quyet dinh`, found whatever the diacritics) and as written, lower case
(`quyết định`, to rank matches that also agree on the diacritics first).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from qlvb.core.text import fold

WORD = re.compile(r"[^\W_]+")
# A number and notation as people type it: `2999/UBND-KGVX`, `30/2020/NĐ-CP`, `125 / STC-NS`.
NOTATION_CHARS = re.compile(r"[\s.]+")


def exact_words(text: str | None) -> list[str]:
    if not text:
        return []
    return WORD.findall(unicodedata.normalize("NFC", text).lower())


def folded_words(text: str | None) -> list[str]:
    # Word by word, so a query word and an indexed word fold the same way.
    return [f for word in exact_words(text) for f in _folded_word(word)]


@lru_cache(maxsize=100_000)
def _folded_word(word: str) -> tuple[str, ...]:
    # A language has few words and each recurs: folding each once is most of indexing's CPU.
    return tuple(WORD.findall(fold(word)))


def exact_text(text: str | None) -> str:
    return " ".join(exact_words(text))


def folded_text(text: str | None) -> str:
    return " ".join(folded_words(text))


def normalize_notation(text: str | None) -> str:
    """`2999/UBND-KGVX` and `2999 / ubnd-kgvx` → `2999/ubnd-kgvx` (folded, no spaces)."""
    return NOTATION_CHARS.sub("", fold(text))
