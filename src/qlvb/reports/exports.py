"""A report as a file: CSV (the columns of docs/reports.md, exactly), XLSX, DOCX in the ND30
layout (Nghị định 30/2020, Phụ lục I), and PDF made from that DOCX by LibreOffice headless."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from django.utils import timezone

from qlvb.core.errors import DomainError
from qlvb.reports.selectors import Params, Report

FORMATS = ("csv", "xlsx", "docx", "pdf")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def _value(value) -> str:
    return "" if value is None else str(value)


def to_csv(report: Report, rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(report.header)
    for row in rows:
        writer.writerow([_value(row.get(c)) for c in report.header])
    return out.getvalue()


def to_xlsx(report: Report, p: Params, rows: list[dict]) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = report.name[:31]
    sheet.append([report.title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"{p.agency.name}, từ {p.start:%d/%m/%Y} đến {p.end:%d/%m/%Y}"])
    sheet.append([c.label for c in report.columns])
    sheet.append(report.header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_value(row.get(c)) for c in report.header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value):
    if value is None:
        return None
    if isinstance(value, (int, str)):
        return value
    return float(value) if not isinstance(value, bool) else int(value)


def period_label(p: Params) -> str:
    return f"từ ngày {p.start:%d/%m/%Y} đến ngày {p.end:%d/%m/%Y}"


def to_docx(report: Report, p: Params, rows: list[dict]) -> bytes:
    """Báo cáo in the ND30 layout: agency and national title side by side, number placeholder
    and place/date, title, the table, recipients and the signer block. Times New Roman 13-14."""
    from docx import Document as Docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Docx()
    section = doc.sections[0]
    if len(report.columns) > 6:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.top_margin = Cm(2)
    section.bottom_margin = Cm(2)
    section.left_margin = Cm(3)
    section.right_margin = Cm(2)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    style.font.size = Pt(14)
    style.paragraph_format.space_after = Pt(0)

    def para(cell_or_doc, text, *, bold=False, italic=False, size=None, align=None):
        paragraph = cell_or_doc.add_paragraph()
        run = paragraph.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        if align is not None:
            paragraph.alignment = align
        return paragraph

    center = WD_ALIGN_PARAGRAPH.CENTER
    head = doc.add_table(rows=2, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = head.rows[0].cells
    left.paragraphs[0].text = ""
    parent = p.agency.parent.name.upper() if p.agency.parent_id else ""
    if parent:
        para(left, parent, size=13, align=center)
    para(left, p.agency.name.upper(), bold=True, size=13, align=center)
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=13, align=center)
    para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=14, align=center)
    para(right, "―――――――――――――", size=10, align=center)
    number_cell, date_cell = head.rows[1].cells
    abbreviation = p.agency.short_name or "......"
    para(number_cell, f"Số:        /BC-{abbreviation}", size=13, align=center)
    today = timezone.localdate()
    place = getattr(p.agency, "address", "") or "............"
    place = place.split(",")[-1].strip() or "............"
    para(
        date_cell,
        f"{place}, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}",
        italic=True,
        size=14,
        align=center,
    )
    doc.add_paragraph()
    para(doc, "BÁO CÁO", bold=True, size=14, align=center)
    para(doc, report.title, bold=True, size=14, align=center)
    para(doc, period_label(p), italic=True, size=14, align=center)
    doc.add_paragraph()
    # The printed table: the code is for programs (CSV); the rank, when there is one, numbers
    # the rows instead of STT.
    shown = [c for c in report.columns if c.name != "agency_code"]
    numbered = not any(c.name == "rank" for c in shown)
    table = doc.add_table(rows=1, cols=len(shown) + int(numbered))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    labels = (["STT"] if numbered else []) + [c.label for c in shown]
    for cell, label in zip(table.rows[0].cells, labels, strict=True):
        cell.paragraphs[0].text = ""
        run = cell.paragraphs[0].add_run(label)
        run.bold = True
        run.font.size = Pt(11)
        cell.paragraphs[0].alignment = center
    for index, row in enumerate(rows, start=1):
        cells = table.add_row().cells
        values = ([str(index)] if numbered else []) + [_value(row.get(c.name)) for c in shown]
        for cell, value in zip(cells, values, strict=True):
            run = cell.paragraphs[0].add_run(value)
            run.font.size = Pt(11)
    names = [i for i, label in enumerate(labels) if label in ("Cơ quan, đơn vị", "Cơ quan nhận")]
    for i, column in enumerate(table.columns):
        column.width = Cm(5.5) if i in names else Cm(2.0)
    for row in table.rows:
        for i, cell in enumerate(row.cells):
            cell.width = Cm(5.5) if i in names else Cm(2.0)
    doc.add_paragraph()
    foot = doc.add_table(rows=1, cols=2)
    recipients, signer = foot.rows[0].cells
    recipients.paragraphs[0].text = ""
    r = recipients.paragraphs[0].add_run("Nơi nhận:")
    r.bold, r.italic = True, True
    r.font.size = Pt(12)
    for line in ("- Như trên;", "- Lãnh đạo cơ quan;", "- Lưu: VT."):
        para(recipients, line, size=11)
    signer.paragraphs[0].text = ""
    para(signer, "THỦ TRƯỞNG CƠ QUAN", bold=True, size=14, align=center)
    para(signer, "(Chữ ký, dấu)", italic=True, size=13, align=center)
    for _ in range(3):
        signer.add_paragraph()
    para(signer, "Họ và tên", bold=True, size=14, align=center)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


class ConversionUnavailable(DomainError):
    status = 503
    code = "conversion_unavailable"
    title = "Không chuyển được sang PDF"


def docx_to_pdf(data: bytes) -> bytes:
    from django.conf import settings

    from qlvb.outgoing.conversion import to_pdf

    tmp = Path(settings.DATA_DIR) / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    source = tmp / f"report-{timezone.now():%Y%m%d%H%M%S%f}.docx"
    source.write_bytes(data)
    try:
        pdf = to_pdf(str(source))
    finally:
        source.unlink(missing_ok=True)
    if pdf is None:
        raise ConversionUnavailable("Không chuyển được báo cáo sang PDF (thiếu LibreOffice).")
    try:
        return pdf.read_bytes()
    finally:
        shutil.rmtree(pdf.parent, ignore_errors=True)


def render(report: Report, p: Params, rows: list[dict], fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(report, rows).encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(report, p, rows)
    if fmt == "docx":
        return to_docx(report, p, rows)
    if fmt == "pdf":
        return docx_to_pdf(to_docx(report, p, rows))
    raise DomainError(f"Định dạng {fmt} không hỗ trợ; chọn csv, xlsx, docx hoặc pdf.")
