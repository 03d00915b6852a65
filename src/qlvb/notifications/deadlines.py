"""Nhắc hạn: the periodic scan of what is due soon and what is overdue.

Rules (settings): QLVB_REMINDER_DAYS = (3, 1) working days before the deadline, and "overdue".
An item due in 1 working day gets the "1" reminder only (each rule covers the span between its
limit and the next smaller one), an item first due in 3 days gets "3" then later "1".

Each notification carries (rule, item type, item id, deadline); a partial unique constraint on
(recipient, rule, item_type, item_id, deadline) with INSERT ... SELECT ... ON CONFLICT DO
NOTHING makes the scan set-based (a handful of statements whatever the number of items) and
exactly-once per person, rule and deadline however often it runs or restarts: a scan killed
midway rolls back, the next one inserts what is missing. A new deadline (extension) is a new
reminder. The e-mails of the new rows are inserted in the same transaction (a SQL join with the
preferences); their text is written when they are sent. Overdue items are in-app here and go
into one daily digest e-mail per person (`digest`)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from qlvb.core.calendar import add_working_days
from qlvb.jobs.models import WorkState, default_max_attempts
from qlvb.notifications.models import Channel, Event, Message, Notification, QuietHours
from qlvb.notifications.preferences import BUILT_IN, quiet_until

OVERDUE = "overdue"


def reminder_days() -> list[int]:
    days = getattr(settings, "QLVB_REMINDER_DAYS", (3, 1))
    return sorted({int(d) for d in days if int(d) >= 0})


def overdue_lookback() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "QLVB_OVERDUE_LOOKBACK_DAYS", 7)))


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59, 999999)))


@dataclass
class Window:
    rule: str
    event: str
    lo: dt.datetime  # exclusive
    hi: dt.datetime  # inclusive


def windows(now: dt.datetime) -> list[Window]:
    today = timezone.localtime(now).date()
    found, lo = [], now
    for days in reminder_days():
        hi = _end_of_day(add_working_days(today, days))
        if hi > lo:
            found.append(Window(f"near{days}", Event.DEADLINE_NEAR, lo, hi))
            lo = hi
    found.append(Window(OVERDUE, Event.OVERDUE, now - overdue_lookback(), now))
    return found


def _url_sql(name: str, column: str) -> str:
    marker = 987654321
    prefix, suffix = reverse(name, args=[marker]).split(str(marker))
    return f"'{prefix}' || CAST({column} AS TEXT) || '{suffix}'"


def _title_sql(prefix_param: str, subject: str, confidentiality: str | None) -> str:
    if confidentiality is None:
        return f"{prefix_param} || {subject}"
    return (
        f"{prefix_param} || CASE WHEN {confidentiality} <> 'thuong' "
        f"THEN 'Văn bản mật' ELSE {subject} END"
    )


LEADER_OF = (
    "EXISTS (SELECT 1 FROM agencies_roleassignment r WHERE r.person_id = p.id "
    "AND r.agency_id = p.agency_id AND r.role = 'leader')"
)


def _sources() -> list[tuple[str, str]]:
    """(item_type, SELECT ... producing recipient_id, agency_id, title, url, item_id, deadline)
    with %(lo)s/%(hi)s (datetimes), %(lo_day)s/%(hi_day)s (dates) and %(prefix)s."""
    incoming_url = _url_sql("incoming:detail", "i.id")
    title = _title_sql("%(prefix)s", "d.subject", "d.confidentiality")
    assignment_person = f"""
        SELECT a.person_id, i.agency_id, {title}, {incoming_url}, a.id, a.due_at
        FROM incoming_assignment a
        JOIN incoming_incomingdocument i ON i.id = a.incoming_id
        JOIN documents_document d ON d.id = i.document_id
        WHERE a.state = 'open' AND a.person_id IS NOT NULL
          AND a.due_at > %(lo)s AND a.due_at <= %(hi)s"""  # noqa: S608 (constant SQL, values are parameters)
    assignment_department = f"""
        SELECT p.id, i.agency_id, {title}, {incoming_url}, a.id, a.due_at
        FROM incoming_assignment a
        JOIN incoming_incomingdocument i ON i.id = a.incoming_id
        JOIN documents_document d ON d.id = i.document_id
        JOIN agencies_person p ON p.department_id = a.department_id AND p.is_active
        WHERE a.state = 'open' AND a.person_id IS NULL
          AND a.due_at > %(lo)s AND a.due_at <= %(hi)s AND {LEADER_OF}"""  # noqa: S608 (constant SQL, values are parameters)
    if connection.vendor == "postgresql":
        delivery_deadline = "CAST(dl.due_date AS timestamptz)"
    else:
        delivery_deadline = "dl.due_date || ' 00:00:00'"
    outgoing_url = _url_sql("outgoing:detail", "o.id")
    delivery = f"""
        SELECT o.created_by_id, o.agency_id,
               {_title_sql("%(prefix)s", "ra.name || ' - ' || d.subject", "d.confidentiality")},
               {outgoing_url}, dl.id, {delivery_deadline}
        FROM outgoing_delivery dl
        JOIN outgoing_outgoingdocument o ON o.id = dl.outgoing_id
        JOIN documents_document d ON d.id = o.document_id
        JOIN agencies_agency ra ON ra.id = dl.recipient_agency_id
        WHERE dl.status IN ('queued', '01', '03', '04', '05')
          AND dl.due_date > %(lo_day)s AND dl.due_date <= %(hi_day)s"""  # noqa: S608 (constant SQL, values are parameters)
    task_url = _url_sql("directives:detail", "t.id")
    task = f"""
        SELECT r.person_id, tp.lead_agency_id, %(prefix)s || t.title, {task_url}, tp.id,
               tp.effective_due_at
        FROM directives_taskperiod tp
        JOIN directives_task t ON t.id = tp.task_id
        JOIN agencies_roleassignment r ON r.agency_id = tp.lead_agency_id AND r.role = 'leader'
        JOIN agencies_person p ON p.id = r.person_id AND p.is_active
        WHERE tp.is_top AND tp.completed_at IS NULL AND tp.confirmed_at IS NULL
          AND tp.starts_at <= %(now)s
          AND tp.effective_due_at > %(lo)s AND tp.effective_due_at <= %(hi)s"""  # noqa: S608 (constant SQL, values are parameters)
    return [
        ("incoming.assignment", assignment_person),
        ("incoming.assignment", assignment_department),
        ("outgoing.delivery", delivery),
        ("directives.period", task),
    ]


INSERT_NOTIFICATIONS = """
    INSERT INTO notifications_notification
        (recipient_id, agency_id, title, url, item_id, deadline,
         event, body, urgent, rule, item_type, batch, created_at)
    SELECT src.*, %(event)s, '', {false}, %(rule)s, %(item_type)s, %(batch)s, %(now)s
    FROM ({select}) AS src
    WHERE true
    ON CONFLICT DO NOTHING"""

# The e-mail of each new "deadline near" row, if the person (else the agency, else the
# built-in default) wants it; quiet hours are applied afterwards for the few who set them.
INSERT_MESSAGES = """
    INSERT INTO notifications_message
        (state, attempts, max_attempts, next_attempt_at, leased_by, last_error, created_at,
         channel, notification_id, recipient_id, agency_id, event, subject, body, urgent,
         address, provider, provider_reference, dedupe_key)
    SELECT 'pending', 0, %(max_attempts)s, %(now)s, '', '', %(now)s,
           %(channel)s, n.id, n.recipient_id, n.agency_id, n.event, '', '', {false},
           '', '', '', ''
    FROM notifications_notification n
    JOIN agencies_person p ON p.id = n.recipient_id
    LEFT JOIN notifications_preference pr
        ON pr.person_id = n.recipient_id AND pr.event = n.event AND pr.channel = %(channel)s
    LEFT JOIN notifications_agencydefault ad
        ON ad.agency_id = p.agency_id AND ad.event = n.event AND ad.channel = %(channel)s
    WHERE n.batch = %(batch)s AND n.event = %(event)s
      AND COALESCE(pr.enabled, ad.enabled, {builtin})"""


@dataclass
class ScanReport:
    batch: str
    notifications: int = 0
    messages: int = 0
    per_rule: dict = field(default_factory=dict)


def scan(*, now: dt.datetime | None = None, pause=None) -> ScanReport:
    """One transaction: notifications for every (person, rule, item, deadline) not yet told,
    and the e-mails they want. `pause` (tests) is called between the two steps."""
    now = now or timezone.now()
    report = ScanReport(batch=uuid.uuid4().hex)
    false = "false" if connection.vendor == "postgresql" else "0"
    with transaction.atomic(), connection.cursor() as cursor:
        for window in windows(now):
            params = {
                "lo": window.lo,
                "hi": window.hi,
                "lo_day": timezone.localtime(window.lo).date(),
                "hi_day": timezone.localtime(window.hi).date(),
                "now": now,
                "event": window.event,
                "rule": window.rule,
                "batch": report.batch,
                "prefix": "Quá hạn: " if window.rule == OVERDUE else "Sắp đến hạn: ",
            }
            if window.rule == OVERDUE:  # a delivery is late from the day after its date
                params["hi_day"] = params["hi_day"] - dt.timedelta(days=1)
            for item_type, select in _sources():
                cursor.execute(
                    INSERT_NOTIFICATIONS.format(select=select, false=false),
                    {**params, "item_type": item_type},
                )
                count = max(cursor.rowcount, 0)
                report.notifications += count
                report.per_rule[window.rule] = report.per_rule.get(window.rule, 0) + count
        if pause:
            pause()
        for channel in (Channel.EMAIL, Channel.SMS):
            builtin = "true" if channel in BUILT_IN[Event.DEADLINE_NEAR] else "false"
            if connection.vendor != "postgresql":
                builtin = "1" if builtin == "true" else "0"
            cursor.execute(
                INSERT_MESSAGES.format(false=false, builtin=builtin),
                {
                    "now": now,
                    "channel": channel,
                    "batch": report.batch,
                    "event": Event.DEADLINE_NEAR,
                    "max_attempts": default_max_attempts(),
                },
            )
            report.messages += max(cursor.rowcount, 0)
        if report.messages:
            _apply_quiet_hours(report.batch, now)
    return report


def _apply_quiet_hours(batch: str, now: dt.datetime) -> None:
    quiet = QuietHours.objects.filter(
        person_id__in=Notification.objects.filter(batch=batch).values("recipient_id")
    )
    for q in quiet:
        until = quiet_until(q.start, q.end, now)
        if until > now:
            Message.objects.filter(notification__batch=batch, recipient_id=q.person_id).update(
                next_attempt_at=until
            )


def due_message_pks(batch: str) -> list[int]:
    return list(
        Message.objects.filter(
            notification__batch=batch,
            state=WorkState.PENDING,
            next_attempt_at__lte=timezone.now(),
        ).values_list("pk", flat=True)
    )
