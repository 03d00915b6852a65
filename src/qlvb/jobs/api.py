"""Background work endpoints under /api/v1 (mounted by qlvb.api; authentication is the API's
default `api_auth`: a signed-in person or an agency token).

- GET  /jobs/failed              failed and stuck rows the caller administers
- POST /jobs/{label}/{pk}/retry  put one back in the queue (audited as `job.retry`)
- GET  /jobs/{pk}                a generic job, for the person who started it or its admins

Only administrators (the installation's, or an agency's for its own rows) see failed work; an
API token holds no role, so it gets 403 here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from qlvb.core.errors import PermissionDenied
from qlvb.jobs import selectors, services
from qlvb.jobs.models import WorkItem, WorkState

router = Router(tags=["jobs"])


class WorkItemOut(Schema):
    label: str = Field(description="Loại bản ghi công việc (nhãn mô hình, ví dụ jobs.job)")
    id: int
    kind: str = Field(description="Loại tác vụ (với jobs.job) hoặc tên mô hình")
    object: str = Field(description="Đối tượng")
    state: WorkState = Field(description="Trạng thái")
    stuck: bool = Field(description="Đang xử lý nhưng tiến trình đã dừng, hoặc chờ quá lâu")
    attempts: int = Field(description="Số lần đã thử")
    max_attempts: int = Field(description="Số lần thử tối đa")
    last_error: str = Field(description="Lỗi gần nhất")
    agency_id: int | None = None
    created_at: datetime
    next_attempt_at: datetime
    lease_until: datetime | None = None
    finished_at: datetime | None = None


class JobOut(Schema):
    id: int
    kind: str
    state: WorkState
    attempts: int
    max_attempts: int
    last_error: str
    payload: dict[str, Any]
    result: Any = None
    agency_id: int | None = None
    created_at: datetime
    finished_at: datetime | None = None


def _actor(request: HttpRequest):
    actor = getattr(request, "auth", None) or getattr(request, "user", None)
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Cần đăng nhập.")
    return actor


def _out(label: str, item: WorkItem, *, stuck: bool) -> dict:
    return {
        "label": label,
        "id": item.pk,
        "kind": getattr(item, "kind", None) or label,
        "object": str(item),
        "state": item.state,
        "stuck": stuck,
        "attempts": item.attempts,
        "max_attempts": item.max_attempts,
        "last_error": item.last_error,
        "agency_id": getattr(item, "agency_id", None),
        "created_at": item.created_at,
        "next_attempt_at": item.next_attempt_at,
        "lease_until": item.lease_until,
        "finished_at": item.finished_at,
    }


@router.get("/jobs/failed", response=list[WorkItemOut], summary="Tác vụ nền lỗi hoặc bị treo")
def failed(request: HttpRequest, stuck: bool = True, label: str | None = None):
    actor = _actor(request)
    selectors.work_scope(actor)  # 403 for anyone but an administrator
    rows = selectors.work_item_attention_list(viewer=actor, label=label, include_stuck=stuck)
    return [_out(r.label, r.item, stuck=r.is_stuck) for r in rows]


@router.post("/jobs/{label}/{pk}/retry", response=WorkItemOut, summary="Chạy lại một tác vụ nền")
def retry(request: HttpRequest, label: str, pk: int):
    actor = _actor(request)
    selectors.work_scope(actor)
    item = services.work_item_retry(actor=actor, label=label, pk=pk)
    return _out(label.lower(), item, stuck=False)


@router.get("/jobs/{pk}", response=JobOut, summary="Trạng thái một tác vụ")
def job_detail(request: HttpRequest, pk: int):
    return selectors.job_get(viewer=_actor(request), pk=pk)
