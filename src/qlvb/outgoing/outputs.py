"""Printable outputs of outgoing documents: the outgoing register book (PDF/XLSX)."""

from __future__ import annotations

import datetime as dt

from qlvb.documents.registers import register_book_file
from qlvb.outgoing import selectors


def outgoing_register_book(
    *, viewer, date_from: dt.date, date_to: dt.date, fmt: str = "pdf", kind: str = "outgoing"
) -> tuple[bytes, str, str]:
    """(content, file name, media type) of the Sổ đăng ký văn bản đi for a period."""
    return register_book_file(
        viewer=viewer,
        title="SỔ ĐĂNG KÝ VĂN BẢN ĐI",
        kind=kind,
        kinds=("outgoing", "outgoing_confidential"),
        date_from=date_from,
        date_to=date_to,
        fmt=fmt,
        columns=selectors.OUTGOING_REGISTER_COLUMNS,
        rows=lambda v, k, f, t: selectors.outgoing_register_rows(
            viewer=v, book_kind=k, date_from=f, date_to=t
        ),
        audit_action="outgoing.register_book",
        file_prefix="so-van-ban-di",
    )
