"""Vietnamese text helpers shared by search, sorting and matching."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower case, no diacritics, đ→d: `Đắk Lắk` → `dak lak`.

    NFD strips the combining marks but leaves đ/Đ (a letter of its own), hence the replace.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.lower()).strip()


def strip_marks(text: str | None) -> str:
    """No diacritics, case kept, đ→d: `Hỏa tốc Đà Nẵng` → `Hoa toc Da Nang` (SMS in 7-bit)."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def sort_key(text: str | None) -> tuple:
    """A sort key close to Vietnamese dictionary order (base letters first, then the marks),
    so "Đắk Lắk" sorts among the D's and not after "Yên Bái"."""
    folded = fold(text)
    return (folded, unicodedata.normalize("NFC", (text or "").lower()))
