"""Báo cáo thống kê over the API: the figures of each report and the documents behind a cell."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema

from qlvb.core.errors import PermissionDenied
from qlvb.reports.selectors import figures, get_report, params_for

router = Router(tags=["Báo cáo"])
MAX_PAGE = 200


class ReportParams(Schema):
    agency: str | None = Field(
        None, description="Mã định danh cơ quan báo cáo (mặc định: của mình)"
    )
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")


class ReportOut(Schema):
    name: str
    title: str
    agency_code: str
    date_from: dt.date
    date_to: dt.date
    columns: list[str]
    rows: list[dict[str, Any]]


class CellParams(ReportParams):
    key: str = Field("", description="Giá trị cột khóa của dòng (mã cơ quan, năm...)")
    column: str
    page: int = 1
    size: int = 50


class CellDocumentOut(Schema):
    id: int
    number_and_notation: str
    issued_date: dt.date | None
    organ_name: str
    subject: str


class CellOut(Schema):
    count: int
    page: int
    documents: list[CellDocumentOut]


def _viewer(request):
    if getattr(request.auth, "is_token", False):
        raise PermissionDenied("Mã truy cập API không dùng được cho báo cáo; hãy đăng nhập.")
    return request.auth


def _jsonable(value):
    return str(value) if value is not None and not isinstance(value, (int, str)) else value


@router.get("/reports/{name}", response=ReportOut, summary="Số liệu một báo cáo")
def report_figures(request, name: str, params: Query[ReportParams]):
    """Định nghĩa từng cột: docs/reports.md. Tỷ lệ phần trăm là số nguyên làm tròn nửa lên."""
    report = get_report(name)
    p = params_for(
        viewer=_viewer(request),
        agency_code=params.agency,
        start=params.date_from,
        end=params.date_to,
    )
    rows = [{c: _jsonable(r.get(c)) for c in report.header} for r in figures(report, p)]
    return {
        "name": report.name,
        "title": report.title,
        "agency_code": p.agency.code,
        "date_from": p.start,
        "date_to": p.end,
        "columns": report.header,
        "rows": rows,
    }


@router.get("/reports/{name}/documents", response=CellOut, summary="Văn bản của một ô số liệu")
def report_cell(request, name: str, params: Query[CellParams]):
    """Cùng định nghĩa với ô số liệu: số văn bản trả về bằng con số trong ô."""
    report = get_report(name)
    p = params_for(
        viewer=_viewer(request),
        agency_code=params.agency,
        start=params.date_from,
        end=params.date_to,
    )
    if name == "tasks":
        qs = report.cell_queryset(p, params.key, params.column)
        return {"count": qs.count(), "page": 1, "documents": []}
    documents = report.documents(p, params.key, params.column)
    size = max(1, min(params.size, MAX_PAGE))
    page = max(1, params.page)
    items = documents[(page - 1) * size : page * size]
    return {
        "count": documents.count(),
        "page": page,
        "documents": [
            {
                "id": d.pk,
                "number_and_notation": d.number_and_notation,
                "issued_date": d.issued_date,
                "organ_name": d.organ_name,
                "subject": d.subject,
            }
            for d in items
        ],
    }
