"""Register books as printable output (ND30 Phụ lục IV): PDF (A4 landscape, with a cover page,
bindable margin, repeated header row and page numbers) and XLSX, from one column definition.

The PDF uses Liberation Serif, metrically compatible with Times New Roman and complete for
Vietnamese (Debian `fonts-liberation2`, installed by the setup)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")


@dataclass(frozen=True)
class Column:
    title: str
    width_mm: float
    xlsx_width: float = 15


@dataclass
class Register:
    title: str  # "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"
    agency_name: str
    parent_name: str
    period: str  # "Năm 2026" or "Từ ngày 01/01/2026 đến ngày 30/06/2026"
    columns: list[Column]
    rows: Iterable[list[str]]


def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "QlvbSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("QlvbSerif", str(FONT_DIR / "LiberationSerif-Regular.ttf")))
        pdfmetrics.registerFont(TTFont("QlvbSerifBold", str(FONT_DIR / "LiberationSerif-Bold.ttf")))
    return "QlvbSerif", "QlvbSerifBold"


def register_pdf(register: Register) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        LongTable,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )

    regular, bold = _fonts()
    cell = ParagraphStyle("cell", fontName=regular, fontSize=9.5, leading=11.5)
    head = ParagraphStyle("head", parent=cell, fontName=bold, alignment=1)
    cover_agency = ParagraphStyle("ca", fontName=bold, fontSize=14, leading=18, alignment=1)
    cover_parent = ParagraphStyle("cp", fontName=regular, fontSize=13, leading=17, alignment=1)
    cover_title = ParagraphStyle("ct", fontName=bold, fontSize=26, leading=32, alignment=1)
    cover_period = ParagraphStyle("cy", fontName=regular, fontSize=14, leading=18, alignment=1)

    out = io.BytesIO()

    def number_pages(canvas, doc):
        if doc.page > 1:
            canvas.setFont(regular, 9)
            canvas.drawRightString(
                landscape(A4)[0] - 15 * mm,
                8 * mm,
                f"{register.title} – {register.period} – trang {doc.page - 1}",
            )

    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=30 * mm,  # binding edge
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{register.title} – {register.agency_name} – {register.period}",
        author="qlvb",
    )
    story = [
        Paragraph(register.parent_name.upper(), cover_parent),
        Paragraph(register.agency_name.upper(), cover_agency),
        Spacer(1, 45 * mm),
        Paragraph(register.title, cover_title),
        Spacer(1, 10 * mm),
        Paragraph(register.period, cover_period),
        PageBreak(),
    ]
    header = [Paragraph(c.title, head) for c in register.columns]
    numbers = [Paragraph(f"({i})", head) for i in range(1, len(register.columns) + 1)]
    data = [header, numbers]
    for row in register.rows:
        data.append([Paragraph(_escape(value), cell) for value in row])
    if len(data) == 2:
        data.append([Paragraph("", cell) for _ in register.columns])
    table = LongTable(data, colWidths=[c.width_mm * mm for c in register.columns], repeatRows=2)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#f0f0f0")),
            ]
        )
    )
    story.append(table)
    doc.build(story, onFirstPage=number_pages, onLaterPages=number_pages)
    return out.getvalue()


def register_xlsx(register: Register) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = "So dang ky"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    width = len(register.columns)
    sheet.append([register.agency_name])
    sheet.append([f"{register.title} – {register.period}"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet["A1"].font = Font(bold=True, size=12)
    sheet["A2"].font = Font(bold=True, size=14)
    sheet.append([c.title for c in register.columns])
    sheet.append([f"({i})" for i in range(1, width + 1)])
    for row_index in (3, 4):
        for col in range(1, width + 1):
            c = sheet.cell(row=row_index, column=col)
            c.font = Font(bold=True)
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            c.border = border
    for row in register.rows:
        sheet.append(list(row))
        for col in range(1, width + 1):
            c = sheet.cell(row=sheet.max_row, column=col)
            c.alignment = Alignment(vertical="top", wrap_text=True)
            c.border = border
    for i, column in enumerate(register.columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.xlsx_width
    sheet.freeze_panes = "A5"
    sheet.print_options.gridLines = False
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.print_title_rows = "3:4"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _escape(value) -> str:
    text = "" if value is None else str(value)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
    )


MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def register_book_file(
    *,
    viewer,
    title: str,
    kind: str,
    kinds: tuple[str, ...],
    date_from,
    date_to,
    fmt: str,
    columns,
    rows,
    audit_action: str,
    file_prefix: str,
) -> tuple[bytes, str, str]:
    """Check a register print request and render it: (content, file name, media type).

    `rows` is called with (viewer, kind, date_from, date_to) once the request is valid, so the
    caller's selector decides what the viewer may print. `kinds[1:]` are confidential books."""
    from qlvb.audit.services import audit_record
    from qlvb.core.errors import ValidationFailed

    errors: dict[str, list[str]] = {}
    if fmt not in MEDIA:
        errors["format"] = ["Định dạng phải là pdf hoặc xlsx."]
    if kind not in kinds:
        errors["kind"] = ["Loại sổ không hợp lệ."]
    if date_from > date_to:
        errors["date_from"] = ["Ngày bắt đầu phải trước ngày kết thúc."]
    elif (date_to - date_from).days > 366:
        errors["date_to"] = ["Tối đa một năm."]
    if getattr(viewer, "agency_id", None) is None:
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
        title=title + (" MẬT" if kind != kinds[0] else ""),
        agency_name=agency.name,
        parent_name=agency.parent.name if agency.parent_id else "",
        period=period,
        columns=[Column(t, w, x) for t, w, x in columns],
        rows=rows(viewer, kind, date_from, date_to),
    )
    content = register_pdf(register) if fmt == "pdf" else register_xlsx(register)
    audit_record(
        actor=viewer,
        action=audit_action,
        agency_id=agency.pk,
        details={"from": date_from, "to": date_to, "format": fmt, "kind": kind},
    )
    return content, f"{file_prefix}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.{fmt}", MEDIA[fmt]
