"""Kết quả tìm kiếm as files: XLSX, DOCX (python-docx) and PDF (reportlab, A4 landscape,
Liberation Serif for the Vietnamese glyphs), with the columns the person chose.
The rows come from the viewer-scoped search: an export holds nothing the page would not show."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class ResultColumn:
    key: str
    title: str  # Vietnamese: the files are for Vietnamese readers
    width_mm: float
    value: Callable


def _state_label(entry) -> str:
    from qlvb.incoming.models import IncomingState
    from qlvb.outgoing.models import OutgoingState

    incoming = entry.direction == "incoming"
    choices = dict(IncomingState.choices if incoming else OutgoingState.choices)
    return str(choices.get(entry.state, entry.state))


def _urgency_label(entry) -> str:
    from qlvb.documents.models import Urgency

    return str(dict(Urgency.choices).get(entry.document.urgency, entry.document.urgency))


COLUMNS = [
    ResultColumn("notation", "Số, ký hiệu", 32, lambda e: e.document.number_and_notation),
    ResultColumn(
        "date", "Ngày", 20, lambda e: e.doc_date.strftime("%d/%m/%Y") if e.doc_date else ""
    ),
    ResultColumn("type", "Loại", 24, lambda e: e.document.type_name),
    ResultColumn("subject", "Trích yếu", 90, lambda e: e.document.subject),
    ResultColumn("organ", "Cơ quan ban hành", 45, lambda e: e.document.organ_name),
    ResultColumn("signer", "Người ký", 32, lambda e: e.document.signer_full_name),
    ResultColumn("urgency", "Độ khẩn", 20, _urgency_label),
    ResultColumn("direction", "Đến/đi", 20, lambda e: e.get_direction_display()),
    ResultColumn("state", "Trạng thái", 28, _state_label),
]
BY_KEY = {c.key: c for c in COLUMNS}
DEFAULT_COLUMNS = ["notation", "date", "type", "subject", "organ", "direction", "state"]
FORMATS = ("xlsx", "docx", "pdf")


def chosen_columns(keys) -> list[ResultColumn]:
    """The chosen columns in their usual order; unknown keys ignored; none chosen = default."""
    wanted = {k for k in keys or () if k in BY_KEY} or set(DEFAULT_COLUMNS)
    return [c for c in COLUMNS if c.key in wanted]


def _rows(entries, columns):
    for entry in entries:
        yield [str(c.value(entry) or "") for c in columns]


def _title(q: str) -> str:
    stamp = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    return f"Kết quả tìm kiếm «{q}» – {stamp}" if q else f"Kết quả tìm kiếm – {stamp}"


def export_xlsx(entries, columns, *, q: str = "") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Kết quả tìm kiếm")
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width_mm / 1.6
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in _rows(entries, columns):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_docx(entries, columns, *, q: str = "") -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    doc.add_heading(_title(q), level=1)
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    header = table.rows[0]
    # The header row repeats on every page.
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(flag)
    for cell, column in zip(header.cells, columns, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(column.title).bold = True
    total = sum(c.width_mm for c in columns)
    for row in _rows(entries, columns):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    for index, column in enumerate(columns):
        for cell in table.columns[index].cells:
            cell.width = Mm(267 * column.width_mm / total)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def export_pdf(entries, columns, *, q: str = "") -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, TableStyle

    from qlvb.documents.registers import _fonts

    regular, bold = _fonts()
    cell = ParagraphStyle("cell", fontName=regular, fontSize=9.5, leading=11.5)
    head = ParagraphStyle("head", parent=cell, fontName=bold)
    title_style = ParagraphStyle("title", fontName=bold, fontSize=14, leading=18, spaceAfter=6)
    out = io.BytesIO()
    page_width = landscape(A4)[0] - 30 * mm
    total = sum(c.width_mm for c in columns)
    widths = [page_width * c.width_mm / total for c in columns]

    def number_pages(canvas, doc):
        canvas.setFont(regular, 9)
        canvas.drawRightString(landscape(A4)[0] - 15 * mm, 8 * mm, f"trang {doc.page}")

    data = [[Paragraph(escape(c.title), head) for c in columns]]
    data += [[Paragraph(escape(v), cell) for v in row] for row in _rows(entries, columns)]
    table = LongTable(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title="Kết quả tìm kiếm",
    )
    doc.build(
        [Paragraph(escape(_title(q)), title_style), table],
        onFirstPage=number_pages,
        onLaterPages=number_pages,
    )
    return out.getvalue()


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
WRITERS = {"xlsx": export_xlsx, "docx": export_docx, "pdf": export_pdf}


def export(entries, *, fmt: str, column_keys, q: str = "") -> tuple[bytes, str, str]:
    """(bytes, content type, file name) of the results in the chosen format."""
    columns = chosen_columns(column_keys)
    data = WRITERS[fmt](entries, columns, q=q)
    return data, CONTENT_TYPES[fmt], f"ket-qua-tim-kiem-{dt.date.today():%Y%m%d}.{fmt}"
