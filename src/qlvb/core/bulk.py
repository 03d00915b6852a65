"""Bulk loading, for the register import (`insert`) and the dataset generator (`qlvb generate`,
whose loaders use `other_fields` and `sqlite_params`): `columns` named by attname, rows as tuples
in that order.

Every other concrete field gets its default (or its auto_now value, or empty/NULL) once per
call, rendered once, not per row: the rows carry only what varies.

`insert` (the import):
The new ids are taken first and the rows go in with their ids. PostgreSQL: the ids from the
table's sequence in one query, the rows by `COPY ... FROM STDIN` inside the import's transaction
(psycopg's row writer; TextChoices members are turned into their text first, psycopg would write
an Enum's name). SQLite: the ids count on from the table's AUTOINCREMENT high-water mark (the
import's IMMEDIATE transaction holds the write lock, so nobody else can take them), the rows by
one `executemany`. No model instance is built on either path."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone


def _plain(value):
    """A TextChoices member as its plain text (psycopg would write an Enum by its name)."""
    if isinstance(value, str) and type(value) is not str:
        return str(value)
    return value


def _json(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def _sqlite_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return str(value)


def _sqlite_json(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder)


def _sqlite_converter(field, *, json_as_text: bool = False):
    """What Django itself would store in SQLite for this field (UTC naive text for date-times,
    JSON text); None where the Python value goes in as it is (text, integers, NULL, and JSON the
    caller has already encoded)."""
    if isinstance(field, models.DateTimeField):
        return _sqlite_datetime
    if isinstance(field, models.DateField):
        return dt.date.isoformat
    if isinstance(field, models.JSONField):
        return None if json_as_text else _sqlite_json
    if isinstance(field, models.BooleanField):
        return int
    return None


def _sqlite_value(field, value):
    convert = _sqlite_converter(field)
    return value if value is None or convert is None else convert(value)


def sqlite_params(fields: Sequence, rows: Sequence[Sequence], *, json_as_text=False) -> list:
    """`rows` (values of `fields`, in order) as SQLite parameters, converted as Django would."""
    converters = [
        (i, convert)
        for i, f in enumerate(fields)
        if (convert := _sqlite_converter(f, json_as_text=json_as_text)) is not None
    ]
    if not converters:
        return [tuple(r) for r in rows]
    params = []
    for row in rows:
        row = list(row)
        for i, convert in converters:
            if row[i] is not None:
                row[i] = convert(row[i])
        params.append(row)
    return params


def other_fields(model, columns: Sequence[str], *, strict: bool = False) -> tuple[list, list]:
    """The concrete fields neither primary key nor in `columns` (attnames), and the value each
    one gets: its auto_now time, its default, NULL, or the empty string. `strict`: a NOT NULL
    field with none of these fails here, loudly, not half-way through a million rows."""
    given = set(columns)
    now = timezone.now()
    fields, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in given:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        elif f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        elif f.empty_strings_allowed:
            value = ""
        elif strict:
            raise RuntimeError(f"no value for {model._meta.db_table}.{f.column} in a bulk load")
        else:
            value = None
        fields.append(f)
        values.append(value)
    return fields, values


def insert(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple]) -> list[int]:
    """Insert `rows` (tuples of the `columns` attnames' values); return their new ids in order."""
    if not rows:
        return []
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    constant_fields, constant_values = other_fields(model, columns)
    names = ["id"] + [by_attname[c].column for c in columns] + [f.column for f in constant_fields]
    quoted = ", ".join(connection.ops.quote_name(n) for n in names)
    table = meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(rows)],
            )
            ids = [r[0] for r in cursor.fetchall()]
            json_at = [
                i for i, c in enumerate(columns) if isinstance(by_attname[c], models.JSONField)
            ]
            constant = tuple(
                _json(v) if isinstance(f, models.JSONField) else _plain(v)
                for f, v in zip(constant_fields, constant_values, strict=True)
            )
            # psycopg renders each row in C and sends the data in pieces as it goes, so the
            # server parses and indexes while the next rows are rendered.
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                write = copy.write_row
                for pk, row in zip(ids, rows, strict=True):
                    if json_at:
                        row = list(row)
                        for i in json_at:
                            row[i] = _json(row[i])
                    write((pk, *row, *constant))
            return ids
        cursor.execute(
            "SELECT max(n) FROM (SELECT max(id) AS n FROM "  # noqa: S608 - the model's own table
            f"{connection.ops.quote_name(table)} UNION ALL "
            "SELECT seq FROM sqlite_sequence WHERE name = %s)",
            [table],
        )
        first = (cursor.fetchone()[0] or 0) + 1
        ids = list(range(first, first + len(rows)))
        constant = tuple(
            _sqlite_value(f, v) for f, v in zip(constant_fields, constant_values, strict=True)
        )
        params = [
            (pk, *row, *constant)
            for pk, row in zip(
                ids, sqlite_params([by_attname[c] for c in columns], rows), strict=True
            )
        ]
        placeholders = ", ".join(["%s"] * len(names))
        cursor.executemany(
            f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) "  # noqa: S608
            f"VALUES ({placeholders})",
            params,
        )
        return ids
