"""Bulk inserts for the register import: `columns` named by attname, rows as tuples in that order.

Every other concrete field gets its default (or its auto_now value, or empty/NULL) once per
call, rendered once, not per row: the rows carry only what varies.

The new ids are taken first and the rows go in with their ids: PostgreSQL takes them from the
table's sequence in one query and loads the rows by `COPY ... FROM STDIN` (text format, rendered
here) inside the import's transaction; SQLite counts on from the table's AUTOINCREMENT high-water
mark (the import's IMMEDIATE transaction holds the write lock, so nobody else can take them) and
loads the rows with one `executemany`. No model instance is built on either path."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _pg_text(value) -> str:
    """One value in COPY's text format (NULL is \\N; backslash, tab and line ends escaped)."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if kind is bool:
        return "t" if value else "f"
    if kind is int:
        return str(value)
    if kind is list or kind is dict:
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_COPY_ESCAPES)
    if kind is dt.date or kind is dt.datetime:
        return value.isoformat()  # aware datetimes keep their offset: timestamptz reads it
    return str(value).translate(_COPY_ESCAPES)


def _sqlite_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return str(value)


def _sqlite_json(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder)


def _sqlite_converter(field):
    """What Django itself would store in SQLite for this field (UTC naive text for date-times,
    JSON text); None where the Python value goes in as it is (text, integers, NULL)."""
    if isinstance(field, models.DateTimeField):
        return _sqlite_datetime
    if isinstance(field, models.DateField):
        return dt.date.isoformat
    if isinstance(field, models.JSONField):
        return _sqlite_json
    if isinstance(field, models.BooleanField):
        return int
    return None


def _sqlite_value(field, value):
    convert = _sqlite_converter(field)
    return value if value is None or convert is None else convert(value)


def _constant_fields(model, columns: Sequence[str]) -> tuple[list, list]:
    """The concrete fields not in `columns` and the value each one gets."""
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
        else:
            value = None if f.null else ("" if f.empty_strings_allowed else None)
        fields.append(f)
        values.append(value)
    return fields, values


def insert(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple]) -> list[int]:
    """Insert `rows` (tuples of the `columns` attnames' values); return their new ids in order."""
    if not rows:
        return []
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    constant_fields, constant_values = _constant_fields(model, columns)
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
            suffix = "".join("\t" + _pg_text(v) for v in constant_values) + "\n"
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                # In pieces: the server parses and indexes one while the next is rendered.
                for start in range(0, len(rows), 500):
                    copy.write(
                        "".join(
                            str(pk) + "\t" + "\t".join([_pg_text(v) for v in row]) + suffix
                            for pk, row in zip(
                                ids[start : start + 500], rows[start : start + 500], strict=True
                            )
                        ).encode()
                    )
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
        converters = [
            (i, convert)
            for i, c in enumerate(columns)
            if (convert := _sqlite_converter(by_attname[c])) is not None
        ]
        params = []
        for pk, row in zip(ids, rows, strict=True):
            if converters:
                row = list(row)
                for i, convert in converters:
                    if row[i] is not None:
                        row[i] = convert(row[i])
            params.append((pk, *row, *constant))
        placeholders = ", ".join(["%s"] * len(names))
        cursor.executemany(
            f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) "  # noqa: S608
            f"VALUES ({placeholders})",
            params,
        )
        return ids
