"""Printable outputs of the incoming register: the register book (PDF/XLSX)."""

from __future__ import annotations

import datetime as dt

from qlvb.documents.registers import register_book_file
from qlvb.incoming import selectors


def incoming_register_book(
    *, viewer, date_from: dt.date, date_to: dt.date, fmt: str = "pdf", kind: str = "incoming"
) -> tuple[bytes, str, str]:
    """(content, file name, media type) of the Sổ đăng ký văn bản đến for a period."""
    return register_book_file(
        viewer=viewer,
        title="SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
        kind=kind,
        kinds=("incoming", "incoming_confidential"),
        date_from=date_from,
        date_to=date_to,
        fmt=fmt,
        columns=selectors.INCOMING_REGISTER_COLUMNS,
        rows=lambda v, k, f, t: selectors.incoming_register_rows(
            viewer=v, book_kind=k, date_from=f, date_to=t
        ),
        audit_action="incoming.register_book",
        file_prefix="so-van-ban-den",
    )
