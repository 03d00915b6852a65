"""Two full-text backends behind one interface, chosen by the database in use.

    backend = get_backend()
    qs = backend.match(entries, parsed_query)   # filtered to matches, annotated with `rank`

`rank` is larger for better matches: metadata over file text, words that also agree on the
diacritics over folded-only matches, and a matching number/notation over everything.
"""

from __future__ import annotations

import contextlib

from django.db import connection
from django.db.models import BooleanField, Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from qlvb.search.query import ParsedQuery

NOTATION_BOOST = 1000.0


class SearchBackend:
    vendor = ""
    # Testing a row's words costs little (PostgreSQL reads its tsvector): a common word's
    # newest matches are then found by walking the newest rows (search/selectors.py). FTS5
    # finds every match of a MATCH at once, however few rows it is asked about.
    walks = False

    def match_sql(self, query: ParsedQuery) -> tuple[str, list]:
        """A boolean SQL condition on the `search_entry` row: its words match."""
        raise NotImplementedError

    def rank_sql(self, query: ParsedQuery) -> tuple[str, list]:
        raise NotImplementedError

    def _parts(self, query: ParsedQuery):
        condition = Q()
        rank = Value(0.0, output_field=FloatField())
        if query.terms:
            sql, params = self.match_sql(query)
            # Built by the backend from quoted words only; user text travels as parameters.
            condition = Q(RawSQL(sql, params, output_field=BooleanField()))  # noqa: S611
            rank_sql, rank_params = self.rank_sql(query)
            rank = Coalesce(
                RawSQL(rank_sql, rank_params, output_field=FloatField()),  # noqa: S611
                0.0,
            )
        if query.notation:
            notation_hit = Q(notation__contains=query.notation)
            condition = (condition | notation_hit) if query.terms else notation_hit
            rank = rank + Case(
                When(notation_hit, then=Value(NOTATION_BOOST)),
                default=Value(0.0),
                output_field=FloatField(),
            )
        return condition, rank

    def match(self, qs: QuerySet, query: ParsedQuery) -> QuerySet:
        condition, rank = self._parts(query)
        return qs.filter(condition).annotate(rank=rank)

    def ids_condition(self, ids: list[int], column: str = "search_entry.document_id") -> Q:
        """`column` (a document id column, written by the caller) among these ids, as one
        parameter: a thousand `IN (%s, ...)` terms cost Django 0.1-0.2 s to build."""
        raise NotImplementedError

    def walk_match(self, qs: QuerySet, query: ParsedQuery) -> QuerySet:
        """match() for rows read one by one (the same rows)."""
        return self.match(qs, query)

    def annotate_rank(self, qs: QuerySet, query: ParsedQuery, ids: list[int]) -> QuerySet:
        """`rank` on rows already known to match (the candidates `ids`): no match again."""
        return qs.annotate(rank=self._parts(query)[1])

    def notation_boost(self, query: ParsedQuery):
        if not query.notation:
            return Value(0.0, output_field=FloatField())
        return Case(
            When(Q(notation__contains=query.notation), then=Value(NOTATION_BOOST)),
            default=Value(0.0),
            output_field=FloatField(),
        )

    def reading(self):
        """Around the statements of one search (a context manager)."""
        return contextlib.nullcontext()

    def order_by_rank(self, qs: QuerySet) -> QuerySet:
        return qs.order_by(F("rank").desc(), F("doc_date").desc(nulls_last=True), "-pk")


def get_backend() -> SearchBackend:
    if connection.vendor == "postgresql":
        from qlvb.search.backends.postgres import PostgresBackend

        return PostgresBackend()
    from qlvb.search.backends.sqlite import SqliteBackend

    return SqliteBackend()
