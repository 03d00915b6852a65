"""SQLite FTS5 (the embedded default). The MATCH expression is built here from words made of
letters and digits only, each double-quoted, so typed operators (AND, NEAR, *, :, ^) are
searched as words and never parsed as FTS5 syntax."""

from __future__ import annotations

from django.db import connection
from django.db.models import Case, FloatField, QuerySet, Value, When

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

    def annotate_rank(self, qs: QuerySet, query: ParsedQuery, ids: list[int]) -> QuerySet:
        # bm25 of every candidate in one MATCH: as a subquery per row, FTS5 evaluated the
        # whole MATCH again for each candidate (seconds for a common word).
        if not query.terms or not ids:
            return super().annotate_rank(qs, query, ids)
        marks = ", ".join("%s" for _ in ids)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, -bm25(search_fts, {WEIGHTS}) FROM search_fts "  # noqa: S608
                f"WHERE search_fts MATCH %s AND rowid IN ({marks})",
                [fts_expression(query), *ids],
            )
            scores = cursor.fetchall()
        words = Case(
            *[When(pk=pk, then=Value(score)) for pk, score in scores],
            default=Value(0.0),
            output_field=FloatField(),
        )
        return qs.annotate(rank=words + self.notation_boost(query))
