"""SQLite FTS5 (the embedded default). The MATCH expression is built here from words made of
letters and digits only, each double-quoted, so typed operators (AND, NEAR, *, :, ^) are
searched as words and never parsed as FTS5 syntax."""

from __future__ import annotations

import json

from django.db import connection
from django.db.models import BooleanField, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL

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
        # The unary + keeps SQLite from driving the search through the primary key, one row
        # per match (agency_id and doc_date lie after the texts, on overflow pages): it walks
        # the (agency, newest first) covering index instead, testing each id against the
        # matches, listed once, and stops at the page (0.15 s instead of 1.2 s for 100 000
        # matches at 200 000 documents).
        return (
            "+search_entry.document_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)",
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
        # bm25 of the candidates from one MATCH over the range of their rowids: FTS5
        # evaluates the whole MATCH again for each rowid of an IN list or a correlated
        # subquery (10 ms each, seconds for a page), once for a range, reading only that
        # range (several ranges cost more than the rows they skip).
        if not query.terms or not ids:
            return super().annotate_rank(qs, query, ids)
        wanted = set(ids)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, -bm25(search_fts, {WEIGHTS}) FROM search_fts "  # noqa: S608
                "WHERE search_fts MATCH %s AND rowid BETWEEN %s AND %s",
                [fts_expression(query), min(wanted), max(wanted)],
            )
            scores = [row for row in cursor.fetchall() if row[0] in wanted]
        # The scores travel as one JSON parameter (a CASE of a thousand WHENs took Django
        # 0.2 s to build).
        words = RawSQL(
            "COALESCE(json_extract(%s, '$.\"' || search_entry.document_id || '\"'), 0.0)",
            [json.dumps({str(pk): score for pk, score in scores})],
            output_field=FloatField(),
        )
        return qs.annotate(rank=words + self.notation_boost(query))

    def ids_condition(self, ids: list[int], column: str = "search_entry.document_id") -> Q:
        return Q(
            RawSQL(  # noqa: S611 (the column is the caller's constant; ids as one JSON value)
                f"{column} IN (SELECT value FROM json_each(%s))",  # noqa: S608
                [json.dumps([int(i) for i in ids])],
                output_field=BooleanField(),
            )
        )
