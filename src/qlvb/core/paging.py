"""Keyset paging: the next page starts after the last row seen, so page 2,000 of a
120,000-row directory costs the same as page 1 (no OFFSET scan)."""

from __future__ import annotations

import base64
import binascii
import json

from django.db.models import Q, QuerySet

from qlvb.core.errors import ValidationFailed


def encode_cursor(*values) -> str:
    raw = json.dumps(list(values), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise ValidationFailed(
            "Con trỏ trang không hợp lệ.", errors={"cursor": ["Con trỏ trang không hợp lệ."]}
        )
    return values


def keyset_page(
    qs: QuerySet, *, keys: tuple[str, str], cursor: str | None, limit: int
) -> tuple[list, str | None]:
    """Rows after `cursor` in (keys[0], keys[1]) order, and the cursor of the next page
    (None on the last page). keys[1] must be unique so the order is total."""
    first, second = keys
    if cursor:
        a, b = decode_cursor(cursor, 2)
        qs = qs.filter(Q(**{f"{first}__gt": a}) | Q(**{first: a, f"{second}__gt": b}))
    rows = list(qs.order_by(first, second)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, first), getattr(last, second))
    return rows, next_cursor
