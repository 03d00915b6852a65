"""Báo cáo nhiệm vụ theo cơ quan và kỳ: counts per agency (sheet 1) and the task periods behind
every cell (sheet 2), so each figure can be explained down to the tasks."""

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


def tasks_report_xlsx(
    *, viewer, now: dt.datetime, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> tuple[bytes, str]:
    rows = tracking_counts(viewer=viewer, now=now, date_from=date_from, date_to=date_to)
    book = Workbook()
    sheet = book.active
    sheet.title = "Tổng hợp"
    period = (f"từ {date_from:%d/%m/%Y} " if date_from else "") + (
        f"đến {date_to:%d/%m/%Y}" if date_to else ""
    )
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
        totals = {key: sum(r[key] for r in rows) for key, _ in COUNT_COLUMNS[:-1]}
        done = totals[Status.DONE_ON_TIME] + totals[Status.DONE_LATE]
        rate = round(100 * totals[Status.DONE_ON_TIME] / done, 1) if done else ""
        sheet.append(["", "Tổng cộng", *[totals[k] for k, _ in COUNT_COLUMNS[:-1]], rate])
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
