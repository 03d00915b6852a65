"""Every change of the notifications app: notifying people (in-app rows and the e-mail/SMS
work rows, in the caller's transaction), reading, preferences, quiet hours, the duty roster.

    notify([Spec(recipient=..., event=Event.ASSIGNED, title=..., body=..., url=...)])

is called by `events.emit` inside the domain service's transaction: the notification and its
messages commit or roll back with the change that caused them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from qlvb.agencies.models import Agency, Person, Role
from qlvb.audit.services import audit_record
from qlvb.core.errors import NotFound, PermissionDenied, ValidationFailed
from qlvb.jobs.services import enqueue_many
from qlvb.notifications.models import (
    AgencyDefault,
    Channel,
    DutyLeader,
    Event,
    Message,
    Notification,
    Preference,
    QuietHours,
)
from qlvb.notifications.preferences import CONFIGURABLE, Resolver


@dataclass
class Spec:
    recipient: Person
    event: str
    title: str
    body: str = ""
    url: str = ""
    urgent: bool = False


def notify(specs: Iterable[Spec], *, now: dt.datetime | None = None) -> list[Notification]:
    """One in-app notification per (person, event) spec, plus an e-mail/SMS row per channel the
    person wants. The same person named twice for one event gets it once."""
    now = now or timezone.now()
    unique: dict[tuple, Spec] = {}
    for spec in specs:
        if spec.recipient is None or not spec.recipient.is_active:
            continue
        unique.setdefault((spec.recipient.pk, spec.event, spec.url, spec.title), spec)
    if not unique:
        return []
    with transaction.atomic():
        rows = Notification.objects.bulk_create(
            Notification(
                recipient=s.recipient,
                agency_id=s.recipient.agency_id,
                event=s.event,
                title=s.title[:300],
                body=s.body,
                url=s.url[:300],
                urgent=s.urgent,
                created_at=now,
            )
            for s in unique.values()
        )
        fan_out(rows, people={s.recipient.pk: s.recipient for s in unique.values()}, now=now)
    return rows


def fan_out(
    notifications: list[Notification], *, people: dict | None = None, now: dt.datetime
) -> list[Message]:
    """The e-mail and SMS rows of these notifications, after preferences and quiet hours."""
    from qlvb.notifications.channels import render

    people = people or {}
    missing = {n.recipient_id for n in notifications} - set(people)
    if missing:
        people.update(Person.objects.in_bulk(missing))
    resolver = Resolver(people.values())
    messages = []
    for n in notifications:
        person = people[n.recipient_id]
        for channel in resolver.channels(person, n.event):
            subject, body = render(channel, n, person)
            messages.append(
                Message(
                    channel=channel,
                    notification=n,
                    recipient=person,
                    agency_id=person.agency_id,
                    event=n.event,
                    subject=subject,
                    body=body,
                    urgent=n.urgent,
                    next_attempt_at=resolver.send_at(person, urgent=n.urgent, now=now),
                    created_at=now,
                )
            )
    if messages:
        messages = Message.objects.bulk_create(messages)
        # Deferred ones (quiet hours) are nudged by the sweep when their time comes.
        enqueue_many(m for m in messages if m.next_attempt_at <= now)
    return messages


# --- reading ---------------------------------------------------------------------------------


def notification_mark_read(*, actor: Person, pk: int) -> Notification:
    with transaction.atomic():
        notification = Notification.objects.filter(pk=pk, recipient=actor).first()
        if notification is None:
            raise NotFound("Không tìm thấy thông báo.")
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, actor: Person) -> int:
    with transaction.atomic():
        return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )


# --- preferences -----------------------------------------------------------------------------


def _clean_matrix(matrix: dict) -> list[tuple[str, str, bool]]:
    rows, errors = [], {}
    for key, enabled in matrix.items():
        event, _, channel = key.partition(":")
        if event not in Event.values or channel not in CONFIGURABLE:
            errors[key] = ["Sự kiện hoặc kênh không hợp lệ."]
            continue
        rows.append((event, channel, bool(enabled)))
    if errors:
        raise ValidationFailed("Thiết lập thông báo chưa hợp lệ.", errors=errors)
    return rows


def preferences_update(
    *,
    actor: Person,
    matrix: dict,
    quiet_start: dt.time | None = None,
    quiet_end: dt.time | None = None,
) -> None:
    """A person's own choices: {"assigned:email": True, ...}; quiet hours (both or neither)."""
    rows = _clean_matrix(matrix)
    if (quiet_start is None) != (quiet_end is None) or (
        quiet_start is not None and quiet_start == quiet_end
    ):
        raise ValidationFailed(
            "Giờ yên lặng cần cả giờ bắt đầu và giờ kết thúc, khác nhau.",
            errors={"quiet_start": ["Nhập đủ hai giờ, khác nhau."]},
        )
    with transaction.atomic():
        for event, channel, enabled in rows:
            Preference.objects.update_or_create(
                person=actor, event=event, channel=channel, defaults={"enabled": enabled}
            )
        if quiet_start is None:
            QuietHours.objects.filter(person=actor).delete()
        else:
            QuietHours.objects.update_or_create(
                person=actor, defaults={"start": quiet_start, "end": quiet_end}
            )
        audit_record(
            actor=actor,
            action="notifications.preferences",
            obj=actor,
            details={
                "matrix": {f"{e}:{c}": v for e, c, v in rows},
                "quiet": [str(quiet_start), str(quiet_end)] if quiet_start else None,
            },
        )


def _require_agency_admin(actor: Person, agency: Agency) -> None:
    if not (actor.is_superuser or (actor.agency_id == agency.pk and actor.has_role(Role.ADMIN))):
        raise PermissionDenied("Chỉ quản trị của cơ quan được thay đổi thiết lập này.")


def agency_defaults_update(*, actor: Person, agency: Agency, matrix: dict) -> None:
    """The agency administrator's defaults for people who have not chosen."""
    _require_agency_admin(actor, agency)
    rows = _clean_matrix(matrix)
    with transaction.atomic():
        for event, channel, enabled in rows:
            AgencyDefault.objects.update_or_create(
                agency=agency, event=event, channel=channel, defaults={"enabled": enabled}
            )
        audit_record(
            actor=actor,
            action="notifications.agency_defaults",
            obj=agency,
            agency_id=agency.pk,
            details={"matrix": {f"{e}:{c}": v for e, c, v in rows}},
        )


def duty_leader_set(*, actor: Person, agency: Agency, day: dt.date, person: Person | None):
    """Lãnh đạo trực for a day (None clears it: the agency's leaders are used)."""
    _require_agency_admin(actor, agency)
    if person is not None and (person.agency_id != agency.pk or not person.has_role(Role.LEADER)):
        raise ValidationFailed(
            "Lãnh đạo trực phải là lãnh đạo của cơ quan.", errors={"person": ["Không hợp lệ."]}
        )
    with transaction.atomic():
        if person is None:
            DutyLeader.objects.filter(agency=agency, day=day).delete()
        else:
            DutyLeader.objects.update_or_create(agency=agency, day=day, defaults={"person": person})
        audit_record(
            actor=actor,
            action="notifications.duty_leader",
            obj=agency,
            agency_id=agency.pk,
            details={"day": day.isoformat(), "person": getattr(person, "pk", None)},
        )


__all__ = ["Channel", "Spec", "notify"]
