"""Bulk inserts for the register import: rows given as {attname: value} dicts.

PostgreSQL: ids are taken from the table's sequence in one query, then the rows go in by
`COPY ... FROM STDIN` (psycopg 3) inside the import's transaction. Other databases:
`bulk_create`. Field defaults and auto_now values are filled the same way on both."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone


def _template(model) -> tuple[list, dict]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    template = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            template[f.attname] = now
        elif f.has_default():
            template[f.attname] = f.get_default()
        else:
            template[f.attname] = None if f.null else ("" if f.empty_strings_allowed else None)
    return fields, template


def insert(model: type[models.Model], rows: list[dict]) -> list[int]:
    """Insert `rows`; return their new ids in order."""
    if not rows:
        return []
    fields, template = _template(model)
    if connection.vendor != "postgresql":
        objs = model.objects.bulk_create(
            [model(**{**template, **row}) for row in rows], batch_size=2000
        )
        return [o.pk for o in objs]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        ids = [r[0] for r in cursor.fetchall()]
        json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
        names = [f.attname for f in fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {table} (id, {columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                values = [pk]
                for name in names:
                    value = row.get(name, template[name])
                    if name in json_fields:
                        value = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
                    values.append(value)
                copy.write_row(values)
    return ids
