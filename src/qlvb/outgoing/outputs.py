"""Printable outputs of outgoing documents: the outgoing register book (PDF/XLSX)."""

from __future__ import annotations

import datetime as dt

from qlvb.audit.services import audit_record
from qlvb.core.errors import ValidationFailed
from qlvb.documents.registers import Column, Register, register_pdf, register_xlsx
from qlvb.outgoing import selectors

MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def outgoing_register_book(
    *, viewer, date_from: dt.date, date_to: dt.date, fmt: str = "pdf", kind: str = "outgoing"
) -> tuple[bytes, str, str]:
    """(content, file name, media type) of the Sổ đăng ký văn bản đi for a period."""
    errors: dict[str, list[str]] = {}
    if fmt not in MEDIA:
        errors["format"] = ["Định dạng phải là pdf hoặc xlsx."]
    if kind not in ("outgoing", "outgoing_confidential"):
        errors["kind"] = ["Loại sổ không hợp lệ."]
    if date_from > date_to:
        errors["date_from"] = ["Ngày bắt đầu phải trước ngày kết thúc."]
    elif (date_to - date_from).days > 366:
        errors["date_to"] = ["Tối đa một năm."]
    if viewer.agency_id is None:
        errors["agency"] = ["Bạn chưa thuộc cơ quan nào."]
    if errors:
        raise ValidationFailed("Yêu cầu in sổ chưa hợp lệ.", errors=errors)
    agency = viewer.agency
    whole_year = date_from.year == date_to.year and (date_from.month, date_from.day) == (1, 1)
    whole_year = whole_year and (date_to.month, date_to.day) == (12, 31)
    period = (
        f"Năm {date_from.year}"
        if whole_year
        else f"Từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}"
    )
    register = Register(
        title="SỔ ĐĂNG KÝ VĂN BẢN ĐI" + (" MẬT" if kind != "outgoing" else ""),
        agency_name=agency.name,
        parent_name=agency.parent.name if agency.parent_id else "",
        period=period,
        columns=[Column(t, w, x) for t, w, x in selectors.OUTGOING_REGISTER_COLUMNS],
        rows=selectors.outgoing_register_rows(
            viewer=viewer, book_kind=kind, date_from=date_from, date_to=date_to
        ),
    )
    content = register_pdf(register) if fmt == "pdf" else register_xlsx(register)
    audit_record(
        actor=viewer,
        action="outgoing.register_book",
        agency_id=agency.pk,
        details={"from": date_from, "to": date_to, "format": fmt, "kind": kind},
    )
    name = f"so-van-ban-di-{date_from:%Y%m%d}-{date_to:%Y%m%d}.{fmt}"
    return content, name, MEDIA[fmt]
