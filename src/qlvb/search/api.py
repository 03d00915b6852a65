"""/api/v1/search: the same search as the page, over what the signed-in person may see."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema

from qlvb.core.errors import PermissionDenied
from qlvb.search import selectors
from qlvb.search.views import result_url

router = Router(tags=["Tìm kiếm"])


class SearchParams(Schema):
    q: str = ""
    direction: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    organ: str = ""
    type_name: str = ""
    urgency: str = ""
    state: str = ""
    signer: str = ""
    sort: str = "relevance"
    page: int = 1
    size: int = 20
    cols: list[str] = []  # for the export: the chosen columns, empty = the usual ones


class ResultOut(Schema):
    document_id: int
    direction: str
    number_and_notation: str
    subject: str
    type_name: str
    organ_name: str
    doc_date: dt.date | None
    state: str
    urgency: str
    url: str
    text_state: str


class SearchOut(Schema):
    count: int
    more: bool = False  # more matches than `count` (counting stops at 1 000)
    # Counting stopped before every newest row was read (a viewer who sees few of them):
    # `count` is a lower bound, there may be more.
    stopped: bool = False
    page: int
    size: int
    items: list[ResultOut]


@router.get("/search", response=SearchOut, summary="Tìm kiếm văn bản")
def search(request, params: Query[SearchParams]):
    """Tìm trên mọi trường thông tin và nội dung tệp, có hoặc không dấu; cụm từ trong ngoặc
    kép; số, ký hiệu (`2999/ubnd-kgvx`). Từ khóa không dùng được trả về 422 kèm lời giải thích."""
    if getattr(request.auth, "is_token", False):
        raise PermissionDenied("Mã truy cập API không dùng được cho tìm kiếm; hãy đăng nhập.")
    size = max(1, min(params.size, selectors.MAX_PAGE_SIZE))
    page = max(1, min(params.page, 1000))
    filters = _filters(params)
    sort = params.sort if params.sort in selectors.SORTS else "relevance"
    found = selectors.search_page(
        viewer=request.auth, q=params.q, filters=filters, sort=sort, page=page, size=size
    )
    rows = found.rows
    states = selectors.text_states_for([e.document_id for e in rows])
    items = [
        {
            "document_id": e.document_id,
            "direction": e.direction,
            "number_and_notation": e.document.number_and_notation,
            "subject": e.document.subject,
            "type_name": e.document.type_name,
            "organ_name": e.document.organ_name,
            "doc_date": e.doc_date,
            "state": e.state,
            "urgency": e.urgency,
            "url": result_url(e),
            "text_state": states.get(e.document_id, "none"),
        }
        for e in rows
    ]
    return {
        "count": found.total,
        "more": found.more,
        "stopped": found.stopped,
        "page": page,
        "size": size,
        "items": items,
    }


@router.get("/search/export/{fmt}", summary="Xuất kết quả tìm kiếm (xlsx, docx, pdf)")
def search_export(request, fmt: str, params: Query[SearchParams]):
    """Kết quả tìm kiếm thành tệp XLSX, DOCX hoặc PDF với các cột đã chọn (`cols`), chỉ gồm
    văn bản người dùng được xem (tối đa 5000 dòng)."""
    from django.http import HttpResponse

    from qlvb.core.errors import NotFound
    from qlvb.search import exports
    from qlvb.search.views import EXPORT_LIMIT

    if getattr(request.auth, "is_token", False):
        raise PermissionDenied("Mã truy cập API không dùng được cho tìm kiếm; hãy đăng nhập.")
    if fmt not in exports.FORMATS:
        raise NotFound("Định dạng xuất không hỗ trợ (chọn xlsx, docx hoặc pdf).")
    sort = params.sort if params.sort in selectors.SORTS else "relevance"
    qs = selectors.search(viewer=request.auth, q=params.q, filters=_filters(params), sort=sort)
    data, content_type, filename = exports.export(
        qs[:EXPORT_LIMIT], fmt=fmt, column_keys=params.cols, q=params.q
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _filters(params: SearchParams) -> selectors.SearchFilters:
    return selectors.SearchFilters(
        direction=params.direction,
        date_from=params.date_from,
        date_to=params.date_to,
        organ=params.organ[:200],
        type_name=params.type_name[:100],
        urgency=params.urgency[:20],
        state=params.state[:20],
        signer=params.signer[:100],
    )
