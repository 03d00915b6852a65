"""Bản tổng hợp quá hạn: one e-mail a day per person listing what is overdue in their hands
(assignments, deliveries they are tracking, tasks their agency leads). Once per person and day
(unique dedupe key "digest:<date>"), however often the job runs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from qlvb.agencies.models import Person
from qlvb.jobs.services import enqueue_many
from qlvb.notifications import deadlines
from qlvb.notifications.channels import SIGNATURE, absolute
from qlvb.notifications.models import Channel, Event, Message
from qlvb.notifications.preferences import Resolver

MAX_LINES = 50


def overdue_by_person(now: dt.datetime) -> dict[int, list[tuple[str, str, dt.datetime]]]:
    """Everything overdue, whenever its deadline was (the scan looks back a week only)."""
    found: dict[int, list] = defaultdict(list)
    span = [deadlines.Window(deadlines.OVERDUE, Event.OVERDUE, now - dt.timedelta(days=3650), now)]
    with connection.cursor() as cursor:
        for source in deadlines.sources():
            sql, params = deadlines.candidates_sql(source, span)
            cursor.execute(sql, {**params, "now": now})
            for recipient_id, _agency, title, url, _item, deadline, _rule in cursor.fetchall():
                found[recipient_id].append((title.removeprefix("Quá hạn: "), url, deadline))
    return found


def _aware(value) -> dt.datetime:
    """Raw SQL on SQLite gives text or naive UTC datetimes; PostgreSQL aware ones."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value


def _text(person, items) -> str:
    lines = [
        f"Kính gửi {person.full_name},",
        "",
        f"Hiện có {len(items)} việc đã quá hạn xử lý:",
        "",
    ]
    items = sorted(((t, u, _aware(d)) for t, u, d in items), key=lambda i: i[2])
    for title, url, deadline in items[:MAX_LINES]:
        lines.append(f"- {title} (hạn {timezone.localtime(deadline):%d/%m/%Y})")
        lines.append(f"  {absolute(url)}")
    if len(items) > MAX_LINES:
        lines.append(f"... và {len(items) - MAX_LINES} việc khác.")
    lines += ["", "--", SIGNATURE]
    return "\n".join(lines)


def digest(*, now: dt.datetime | None = None) -> int:
    """Queue today's digest e-mails; returns how many were new."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    items = overdue_by_person(now)
    people = Person.objects.in_bulk(list(items))
    resolver = Resolver(people.values())
    key = f"digest:{today.isoformat()}"
    rows = [
        Message(
            channel=Channel.EMAIL,
            recipient=person,
            agency_id=person.agency_id,
            event=Event.OVERDUE,
            subject=f"[QLVB] Tổng hợp việc quá hạn ngày {today:%d/%m/%Y}",
            body=_text(person, items[pk]),
            dedupe_key=key,
            next_attempt_at=resolver.send_at(person, urgent=False, now=now),
            created_at=now,
        )
        for pk, person in people.items()
        if person.is_active and resolver.enabled(person, Event.OVERDUE, Channel.EMAIL)
    ]
    with transaction.atomic():
        before = Message.objects.filter(dedupe_key=key).count()
        Message.objects.bulk_create(rows, ignore_conflicts=True)
        created = Message.objects.filter(dedupe_key=key).count() - before
        enqueue_many(
            Message.objects.filter(
                dedupe_key=key, state="pending", next_attempt_at__lte=now, attempts=0
            ).only("pk")
        )
    return created
