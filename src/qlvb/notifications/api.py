"""Notifications endpoints under /api/v1 (a signed-in person; agency API tokens have no
notifications of their own and get 403).

- GET  /notifications                 own notifications, newest first (?unread=true)
- GET  /notifications/unread-count    the bell's figure
- POST /notifications/{id}/read       mark one read
- POST /notifications/read-all        mark all read
- GET/PUT /notifications/preferences  own channels per event and quiet hours
- PUT  /notifications/agency-defaults the agency administrator's defaults
- GET  /notifications/messages        e-mails and SMS with their state (administrators)
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema

from qlvb.core.errors import PermissionDenied
from qlvb.notifications import selectors, services

router = Router(tags=["notifications"])


def _person(request: HttpRequest):
    actor = getattr(request, "auth", None) or getattr(request, "user", None)
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Cần đăng nhập.")
    if getattr(actor, "is_token", False) or not hasattr(actor, "full_name"):
        raise PermissionDenied("Thông báo chỉ dành cho người dùng đăng nhập.")
    return actor


class NotificationOut(Schema):
    id: int
    event: str = Field(description="Sự kiện")
    title: str
    body: str
    url: str
    urgent: bool
    created_at: dt.datetime
    read_at: dt.datetime | None = None


class CountOut(Schema):
    unread: int


class PreferencesIn(Schema):
    matrix: dict[str, bool] = Field(
        default_factory=dict, description='{"assigned:email": true, "urgent_delivered:sms": true}'
    )
    quiet_start: dt.time | None = None
    quiet_end: dt.time | None = None


class PreferencesOut(Schema):
    matrix: dict[str, bool]
    quiet_start: dt.time | None = None
    quiet_end: dt.time | None = None


class AgencyDefaultsIn(Schema):
    matrix: dict[str, bool]


class MessageOut(Schema):
    id: int
    channel: str
    event: str
    recipient_id: int
    address: str
    subject: str
    state: str
    attempts: int
    last_error: str
    provider: str
    sent_at: dt.datetime | None = None
    created_at: dt.datetime


@router.get("/notifications", response=list[NotificationOut], summary="Thông báo của tôi")
def notification_list(request: HttpRequest, unread: bool = False, limit: int = 50):
    person = _person(request)
    qs = selectors.notifications_for(viewer=person, unread_only=unread)
    return list(qs[: max(1, min(limit, 200))])


@router.get("/notifications/unread-count", response=CountOut, summary="Số thông báo chưa đọc")
def unread_count(request: HttpRequest):
    return {"unread": selectors.unread_count(viewer=_person(request))}


@router.post("/notifications/read-all", response=CountOut, summary="Đánh dấu đã đọc tất cả")
def read_all(request: HttpRequest):
    services.notification_mark_all_read(actor=_person(request))
    return {"unread": 0}


@router.post("/notifications/{pk}/read", response=NotificationOut, summary="Đánh dấu đã đọc")
def read_one(request: HttpRequest, pk: int):
    return services.notification_mark_read(actor=_person(request), pk=pk)


def _preferences(person) -> dict:
    quiet = getattr(person, "quiet_hours", None) if hasattr(person, "quiet_hours") else None
    return {
        "matrix": selectors.preference_matrix(viewer=person),
        "quiet_start": quiet.start if quiet else None,
        "quiet_end": quiet.end if quiet else None,
    }


@router.get("/notifications/preferences", response=PreferencesOut, summary="Thiết lập của tôi")
def preferences_get(request: HttpRequest):
    return _preferences(_person(request))


@router.put("/notifications/preferences", response=PreferencesOut, summary="Đổi thiết lập")
def preferences_put(request: HttpRequest, data: PreferencesIn):
    person = _person(request)
    services.preferences_update(
        actor=person, matrix=data.matrix, quiet_start=data.quiet_start, quiet_end=data.quiet_end
    )
    person.refresh_from_db()
    return _preferences(person)


@router.put(
    "/notifications/agency-defaults",
    response=dict[str, bool],
    summary="Mặc định của cơ quan (quản trị cơ quan)",
)
def agency_defaults_put(request: HttpRequest, data: AgencyDefaultsIn):
    person = _person(request)
    if person.agency is None:
        raise PermissionDenied("Bạn không thuộc cơ quan nào.")
    services.agency_defaults_update(actor=person, agency=person.agency, matrix=data.matrix)
    return selectors.agency_matrix(agency=person.agency)


@router.get(
    "/notifications/messages", response=list[MessageOut], summary="Thư, tin nhắn đã gửi/lỗi"
)
def message_list(request: HttpRequest, state: str = "attention", limit: int = 100):
    person = _person(request)
    if not selectors.can_see_messages(person):
        raise PermissionDenied("Chỉ quản trị được xem thư và tin nhắn của hệ thống.")
    return list(selectors.messages_for_admin(viewer=person, state=state or None)[:limit])
