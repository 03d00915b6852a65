"""Gapless numbers from register books (cấp số văn bản đến / đi).

`take_number` must run inside the transaction that registers or issues the document: the
counter row stays locked until that transaction ends, so concurrent clerks queue for it, and a
rollback returns the number. On SQLite the IMMEDIATE transaction already serialises writers.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction

from qlvb.documents.models import RegisterBook, RegisterKind


def register_book_for(*, agency, year: int, kind: str, series: str = "") -> RegisterBook:
    book = RegisterBook.objects.filter(agency=agency, year=year, kind=kind, series=series).first()
    if book is not None:
        return book
    try:
        with transaction.atomic():
            return RegisterBook.objects.create(
                agency=agency,
                year=year,
                kind=kind,
                series=series,
                name=f"{RegisterKind(kind).label} năm {year}",
            )
    except IntegrityError:  # created by a concurrent first registration of the year
        return RegisterBook.objects.get(agency=agency, year=year, kind=kind, series=series)


def take_number(*, book: RegisterBook) -> int:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_number must run inside the registering transaction")
    # One statement: the UPDATE takes the row lock and RETURNING reads our own increment
    # (PostgreSQL, and SQLite since 3.35).
    table = connection.ops.quote_name(RegisterBook._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_number = last_number + 1 WHERE id = %s "  # noqa: S608
            "RETURNING last_number",
            [book.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise RegisterBook.DoesNotExist(f"register book {book.pk}")
    book.last_number = row[0]
    return row[0]
