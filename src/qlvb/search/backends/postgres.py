"""PostgreSQL full-text search: `tsv` (folded words, `qlvb_vi` = simple + unaccent, GIN) finds,
`tsv_exact` (as written, `simple`) ranks the matches that agree on the diacritics first. The
tsquery text is built here from letters and digits only, each word single-quoted, and passed as
a parameter: nothing typed is parsed as tsquery syntax."""

from __future__ import annotations

import contextlib

from django.db import connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from qlvb.search.backends import SearchBackend
from qlvb.search.query import ParsedQuery

EXACT_WEIGHT = 2.0


def _lexeme(word: str, prefix: bool = False) -> str:
    return "'" + word.replace("'", "''").replace("\\", "\\\\") + "'" + (":*" if prefix else "")


def tsquery_text(query: ParsedQuery, attr: str) -> str:
    parts = []
    for term in query.terms:
        words = getattr(term, attr)
        if len(words) > 1:
            parts.append("(" + " <-> ".join(_lexeme(w) for w in words) + ")")
        else:
            parts.append(_lexeme(words[0], term.prefix))
    return " & ".join(parts)


class PostgresBackend(SearchBackend):
    vendor = "postgresql"
    walks = True

    @contextlib.contextmanager
    def reading(self):
        # A search's plans cost more than jit_above_cost over a million rows, and compiling
        # them took longer (200 ms and more) than running them: no JIT for these statements.
        # A common word's bitmap over a million rows outgrows the default 4 MB work_mem and
        # turns lossy, and every row of a lossy page is then read and its words tested again.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
            yield

    def match_sql(self, query: ParsedQuery) -> tuple[str, list]:
        return (
            "search_entry.tsv @@ to_tsquery('qlvb_vi'::regconfig, %s)",
            [tsquery_text(query, "folded")],
        )

    def ids_condition(self, ids: list[int], column: str = "search_entry.document_id") -> Q:
        return Q(
            RawSQL(  # noqa: S611 (the column is the caller's constant; ids travel as one array)
                f"{column} = ANY(%s)",
                [[int(i) for i in ids]],
                output_field=BooleanField(),
            )
        )

    def walk_match(self, qs, query: ParsedQuery):
        # The function behind @@: the same test, but no index can answer it, so the planner
        # tests the rows it is given instead of reading the word's whole posting list (it
        # guesses a phrase to be rare and would).
        words = Q(
            RawSQL(  # words quoted by tsquery_text, passed as a parameter
                "ts_match_vq(search_entry.tsv, to_tsquery('qlvb_vi'::regconfig, %s))",
                [tsquery_text(query, "folded")],
                output_field=BooleanField(),
            )
        )
        if query.notation:  # as match(): the words or the number/notation
            words |= Q(notation__contains=query.notation)
        return qs.filter(words)

    def rank_sql(self, query: ParsedQuery) -> tuple[str, list]:
        return (
            "(ts_rank(search_entry.tsv, to_tsquery('qlvb_vi'::regconfig, %s))"
            f" + {EXACT_WEIGHT} * ts_rank(search_entry.tsv_exact,"
            " to_tsquery('simple'::regconfig, %s)))",
            [tsquery_text(query, "folded"), tsquery_text(query, "exact")],
        )
