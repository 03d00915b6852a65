"""Báo cáo nhiệm vụ theo cơ quan và kỳ: counts per agency (sheet 1) and the task periods behind
every cell (sheet 2), so each figure can be explained down to the tasks. The PDF (A4 landscape,
Liberation Serif as the register books) prints the same counts and the list, overdue first."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from qlvb.directives.selectors import period_list, tracking_counts
from qlvb.directives.status import Status

COUNT_COLUMNS = [
    ("total", "Tổng số"),
    (Status.DONE_ON_TIME, Status.DONE_ON_TIME.label),
    (Status.DONE_LATE, Status.DONE_LATE.label),
    (Status.ON_TIME, Status.ON_TIME.label),
    (Status.OVERDUE, Status.OVERDUE.label),
    (Status.NOT_YET_DUE, Status.NOT_YET_DUE.label),
    ("on_time_rate", "Tỷ lệ hoàn thành đúng hạn (%)"),
]


def _local(value: dt.datetime | None) -> str:
    return f"{timezone.localtime(value):%d/%m/%Y %H:%M}" if value else ""


def _period_text(date_from, date_to) -> str:
    return (
        (f"từ {date_from:%d/%m/%Y} " if date_from else "")
        + (f"đến {date_to:%d/%m/%Y}" if date_to else "")
    ).strip()


def _totals(rows) -> list:
    totals = {key: sum(r[key] for r in rows) for key, _ in COUNT_COLUMNS[:-1]}
    done = totals[Status.DONE_ON_TIME] + totals[Status.DONE_LATE]
    rate = round(100 * totals[Status.DONE_ON_TIME] / done, 1) if done else ""
    return [*[totals[k] for k, _ in COUNT_COLUMNS[:-1]], rate]


# The PDF lists at most this many task periods; the XLSX and the API carry them all.
PDF_LIST_LIMIT = 1000


def tasks_report_pdf(
    *, viewer, now: dt.datetime, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> tuple[bytes, str]:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    from qlvb.documents.registers import _escape, _fonts

    regular, bold = _fonts()
    cell = ParagraphStyle("cell", fontName=regular, fontSize=9, leading=11)
    num = ParagraphStyle("num", parent=cell, alignment=2)
    head = ParagraphStyle("head", parent=cell, fontName=bold, alignment=1)
    strong = ParagraphStyle("strong", parent=cell, fontName=bold)
    strong_num = ParagraphStyle("strongnum", parent=num, fontName=bold)
    title = ParagraphStyle("title", fontName=bold, fontSize=15, leading=19, alignment=1)
    sub = ParagraphStyle("sub", fontName=regular, fontSize=11, leading=14, alignment=1)
    h2 = ParagraphStyle("h2", fontName=bold, fontSize=12, leading=15, spaceBefore=6)
    agency = viewer.agency
    period = _period_text(date_from, date_to)
    heading = f"BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ {period}".strip()

    def footer(canvas, doc):
        canvas.setFont(regular, 8.5)
        canvas.drawRightString(landscape(A4)[0] - 15 * mm, 8 * mm, f"{heading} – trang {doc.page}")

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=20 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=heading,
        author="qlvb",
    )
    grid = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("FONT", (0, 0), (-1, -1), regular, 9),
        ("ALIGN", (0, 1), (0, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0")),
    ]
    story = [
        Paragraph(_escape(agency.name.upper()), sub),
        Spacer(1, 4 * mm),
        Paragraph(_escape(heading), title),
        Paragraph(f"Số liệu tính đến {_local(now)}", sub),
        Spacer(1, 6 * mm),
        Paragraph("I. Số liệu theo cơ quan chủ trì", h2),
    ]
    rows = tracking_counts(viewer=viewer, now=now, date_from=date_from, date_to=date_to)
    data = [
        [Paragraph(t, head) for t in ["STT", "Cơ quan chủ trì", *[lb for _, lb in COUNT_COLUMNS]]]
    ]
    for i, row in enumerate(rows, start=1):
        values = [row[key] if row[key] is not None else "" for key, _ in COUNT_COLUMNS]
        data.append([str(i), Paragraph(_escape(row["agency_name"]), cell), *map(str, values)])
    if rows:
        data.append(
            [
                "",
                Paragraph("Tổng cộng", strong),
                *[Paragraph(str(v), strong_num) for v in _totals(rows)],
            ]
        )
    else:
        data.append([Paragraph("", cell)] * 2 + [Paragraph("", cell) for _ in COUNT_COLUMNS])
    widths = [12, 80] + [24] * len(COUNT_COLUMNS)
    counts = LongTable(data, colWidths=[w * mm for w in widths], repeatRows=1)
    counts.setStyle(TableStyle(grid))
    story += [counts, Paragraph("II. Danh sách nhiệm vụ (quá hạn trước)", h2)]
    labels = dict(Status.choices)
    listing = [
        [
            Paragraph(t, head)
            for t in [
                "STT",
                "Cơ quan chủ trì",
                "Nhiệm vụ",
                "Kỳ",
                "Cơ quan giao",
                "Hạn",
                "Hoàn thành lúc",
                "Tình trạng",
            ]
        ]
    ]
    periods = period_list(viewer=viewer, now=now, date_from=date_from, date_to=date_to)
    total = 0
    for i, p in enumerate(periods[: PDF_LIST_LIMIT + 1].iterator(chunk_size=1000), start=1):
        total = i
        if i > PDF_LIST_LIMIT:
            break
        # Plain strings where nothing wraps: a Paragraph per cell costs more than the query.
        listing.append(
            [
                str(i),
                Paragraph(_escape(p.lead_agency.name), cell),
                Paragraph(_escape(p.task.title), cell),
                str(p.number),
                Paragraph(_escape(p.task.assigning_agency.name), cell),
                _local(p.effective_due_at),
                _local(p.completed_at),
                Paragraph(_escape(labels.get(p.status, p.status)), cell),
            ]
        )
    if len(listing) == 1:
        listing.append([Paragraph("", cell) for _ in listing[0]])
    table = LongTable(
        listing, colWidths=[w * mm for w in (12, 50, 80, 10, 40, 25, 25, 30)], repeatRows=1
    )
    table.setStyle(TableStyle(grid))
    story.append(table)
    if total > PDF_LIST_LIMIT:
        story.append(
            Paragraph(
                f"Bản in liệt kê {PDF_LIST_LIMIT:,} nhiệm vụ đầu tiên; danh sách đầy đủ có trong "
                "báo cáo XLSX.".replace(",", "."),
                cell,
            )
        )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    name = f"bao-cao-nhiem-vu-{timezone.localtime(now):%Y%m%d}.pdf"
    return out.getvalue(), name


def tasks_report_xlsx(
    *, viewer, now: dt.datetime, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> tuple[bytes, str]:
    rows = tracking_counts(viewer=viewer, now=now, date_from=date_from, date_to=date_to)
    book = Workbook()
    sheet = book.active
    sheet.title = "Tổng hợp"
    period = _period_text(date_from, date_to)
    sheet.append([f"BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ {period}".strip()])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"Số liệu tính đến {_local(now)}"])
    sheet.append([])
    sheet.append(["STT", "Cơ quan chủ trì", *[label for _, label in COUNT_COLUMNS]])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for i, row in enumerate(rows, start=1):
        sheet.append(
            [
                i,
                row["agency_name"],
                *[row[key] if row[key] is not None else "" for key, _ in COUNT_COLUMNS],
            ]
        )
    if rows:
        sheet.append(["", "Tổng cộng", *_totals(rows)])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    sheet.column_dimensions["B"].width = 45
    for col in "CDEFGHI":
        sheet.column_dimensions[col].width = 16

    detail = book.create_sheet("Danh sách")
    detail.append(
        [
            "STT",
            "Cơ quan chủ trì",
            "Nhiệm vụ",
            "Kỳ",
            "Nguồn giao",
            "Cơ quan giao",
            "Hạn",
            "Hạn (kể cả gia hạn)",
            "Hoàn thành lúc",
            "Tình trạng",
        ]
    )
    for cell in detail[1]:
        cell.font = Font(bold=True)
    labels = dict(Status.choices)
    for i, p in enumerate(
        period_list(viewer=viewer, now=now, date_from=date_from, date_to=date_to).iterator(
            chunk_size=2000
        ),
        start=1,
    ):
        detail.append(
            [
                i,
                p.lead_agency.name,
                p.task.title,
                p.number,
                p.task.source_text,
                p.task.assigning_agency.name,
                _local(p.due_at),
                _local(p.effective_due_at),
                _local(p.completed_at),
                labels.get(p.status, p.status),
            ]
        )
    detail.column_dimensions["B"].width = 35
    detail.column_dimensions["C"].width = 60
    out = io.BytesIO()
    book.save(out)
    name = f"bao-cao-nhiem-vu-{timezone.localtime(now):%Y%m%d}.xlsx"
    return out.getvalue(), name
