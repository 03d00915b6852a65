"""SQLite FTS5 (the embedded default). The MATCH expression is built here from words made of
letters and digits only, each double-quoted, so typed operators (AND, NEAR, *, :, ^) are
searched as words and never parsed as FTS5 syntax."""

from __future__ import annotations

from qlvb.search.backends import SearchBackend
from qlvb.search.query import ParsedQuery

# bm25 weights of meta_folded, body_folded, meta_text, body_text: metadata over file text,
# as-written (diacritics agree) over folded.
WEIGHTS = "4.0, 1.0, 8.0, 2.0"


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _expression(query: ParsedQuery, attr: str) -> str:
    parts = []
    for term in query.terms:
        words = getattr(term, attr)
        if term.phrase or len(words) > 1:
            parts.append(_quote(" ".join(words)))
        else:
            parts.append(_quote(words[0]) + ("*" if term.prefix else ""))
    return " AND ".join(parts)


def fts_expression(query: ParsedQuery) -> str:
    folded = _expression(query, "folded")
    exact = _expression(query, "exact")
    # Every as-written match is also a folded match: the OR only lets bm25 reward it.
    return f"{{meta_folded body_folded}} : ({folded}) OR {{meta_text body_text}} : ({exact})"


class SqliteBackend(SearchBackend):
    vendor = "sqlite"

    def match_sql(self, query: ParsedQuery) -> tuple[str, list]:
        return (
            "search_entry.document_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)",
            [fts_expression(query)],
        )

    def rank_sql(self, query: ParsedQuery) -> tuple[str, list]:
        # bm25 is negative, more negative is better.
        return (
            f"(SELECT -bm25(search_fts, {WEIGHTS}) FROM search_fts "  # noqa: S608 (constants)
            "WHERE search_fts MATCH %s AND search_fts.rowid = search_entry.document_id)",
            [fts_expression(query)],
        )
