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
from dataclasses import dataclass

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


def _windows_sql(column: str, windows: list[Window], *, dates: bool) -> tuple[str, str, dict]:
    """(WHERE condition, CASE giving the rule, params) for a deadline column: every window in
    one pass over the table. Date columns (deliveries) are late from the day after."""
    ordered = sorted(windows, key=lambda w: w.hi)
    params, whens = {}, []
    for i, w in enumerate(ordered):
        hi = timezone.localtime(w.hi).date() if dates else w.hi
        if dates and w.rule == OVERDUE:
            hi -= dt.timedelta(days=1)
        params[f"hi{i}"] = hi
        whens.append(f"WHEN {column} <= %(hi{i})s THEN '{w.rule}'")
    lo = min(w.lo for w in ordered)
    params["lo"] = timezone.localtime(lo).date() - dt.timedelta(days=1) if dates else lo
    params["hi"] = params[f"hi{len(ordered) - 1}"]
    condition = f"{column} > %(lo)s AND {column} <= %(hi)s"
    return condition, f"CASE {' '.join(whens)} END", params


# Who is told of a department's assignment: its leaders, or all its people when it has none
# (the same rule as `people.department_heads`, which the assignment notification uses). A small
# set, computed once per scan and joined, not probed per assignment.
_IS_LEADER = (
    "EXISTS (SELECT 1 FROM agencies_roleassignment r WHERE r.person_id = {p}.id "
    "AND r.agency_id = {p}.agency_id AND r.role = 'leader')"
)
DEPARTMENT_HEADS = (  # constant SQL, no values
    "SELECT p.id, p.department_id FROM agencies_person p "  # noqa: S608
    "WHERE p.is_active AND p.department_id IS NOT NULL "
    f"AND ({_IS_LEADER.format(p='p')} OR NOT EXISTS (SELECT 1 FROM agencies_person q "
    f"WHERE q.department_id = p.department_id AND q.is_active AND {_IS_LEADER.format(p='q')}))"
)


@dataclass
class Source:
    item_type: str
    deadline: str  # the deadline column the windows apply to
    dates: bool  # a date column (deliveries), not a moment
    # SELECT recipient_id, agency_id, subject, confidentiality, url, item_id, deadline,
    # {rule} AS src_rule ... WHERE ... AND {window}
    select: str


def sources() -> list[Source]:
    incoming_url = _url_sql("incoming:detail", "i.id")
    outgoing_url = _url_sql("outgoing:detail", "o.id")
    task_url = _url_sql("directives:detail", "t.id")
    if connection.vendor == "postgresql":
        delivery_deadline = "CAST(dl.due_date AS timestamptz)"
    else:
        delivery_deadline = "dl.due_date || ' 00:00:00'"
    # One pass over the assignments: a person's own, or a department's (to its heads).
    assignment = f"""SELECT COALESCE(a.person_id, h.id) AS recipient_id,
                i.agency_id AS agency_id, d.subject AS subject,
                d.confidentiality AS confidentiality, {incoming_url} AS url,
                a.id AS item_id, a.due_at AS deadline, {{rule}} AS src_rule
            FROM incoming_assignment a
            JOIN incoming_incomingdocument i ON i.id = a.incoming_id
            JOIN documents_document d ON d.id = i.document_id
            LEFT JOIN ({DEPARTMENT_HEADS}) h
                ON a.person_id IS NULL AND h.department_id = a.department_id
            WHERE a.state = 'open' AND {{window}}
              AND (a.person_id IS NOT NULL OR h.id IS NOT NULL)"""  # noqa: S608
    return [
        Source("incoming.assignment", "a.due_at", False, assignment),
        Source(
            "outgoing.delivery",
            "dl.due_date",
            True,
            f"""SELECT o.created_by_id AS recipient_id, o.agency_id AS agency_id,
                ra.name || ' - ' || d.subject AS subject, d.confidentiality AS confidentiality,
                {outgoing_url} AS url, dl.id AS item_id, {delivery_deadline} AS deadline,
                {{rule}} AS src_rule
            FROM outgoing_delivery dl
            JOIN outgoing_outgoingdocument o ON o.id = dl.outgoing_id
            JOIN documents_document d ON d.id = o.document_id
            JOIN agencies_agency ra ON ra.id = dl.recipient_agency_id
            WHERE dl.status IN ('queued', '01', '03', '04', '05') AND {{window}}""",  # noqa: S608
        ),
        Source(
            "directives.period",
            "tp.effective_due_at",
            False,
            f"""SELECT r.person_id AS recipient_id, tp.lead_agency_id AS agency_id,
                t.title AS subject, 'thuong' AS confidentiality, {task_url} AS url,
                tp.id AS item_id, tp.effective_due_at AS deadline, {{rule}} AS src_rule
            FROM directives_taskperiod tp
            JOIN directives_task t ON t.id = tp.task_id
            JOIN agencies_roleassignment r
                ON r.agency_id = tp.lead_agency_id AND r.role = 'leader'
            JOIN agencies_person p ON p.id = r.person_id AND p.is_active
            WHERE tp.is_top AND tp.completed_at IS NULL AND tp.confirmed_at IS NULL
              AND tp.starts_at <= %(now)s AND {{window}}""",  # noqa: S608
        ),
    ]


TITLE = (
    "CASE WHEN c.src_rule = 'overdue' THEN 'Quá hạn: ' ELSE 'Sắp đến hạn: ' END || "
    "CASE WHEN c.confidentiality <> 'thuong' THEN 'Văn bản mật' ELSE c.subject END"
)


def candidates_sql(source: Source, windows: list[Window]) -> tuple[str, dict]:
    """SELECT recipient_id, agency_id, title, url, item_id, deadline, src_rule: every item of
    the source in one of the windows, in one pass."""
    condition, rule, params = _windows_sql(source.deadline, windows, dates=source.dates)
    inner = source.select.replace("{window}", condition).replace("{rule}", rule)
    sql = (
        # Constant SQL; the values are parameters.
        f"SELECT c.recipient_id, c.agency_id, {TITLE}, c.url, c.item_id, c.deadline, c.src_rule "  # noqa: S608
        f"FROM ({inner}) AS c"
    )
    return sql, params


INSERT_NOTIFICATIONS = """
    INSERT INTO notifications_notification
        (recipient_id, agency_id, title, url, item_id, deadline, rule,
         event, body, urgent, item_type, batch, created_at)
    SELECT src.*, CASE WHEN src.src_rule = 'overdue' THEN 'overdue' ELSE 'deadline_near' END,
           '', {false}, %(item_type)s, %(batch)s, %(now)s
    FROM ({select}) AS src
    WHERE NOT EXISTS (
        SELECT 1 FROM notifications_notification n
        WHERE n.recipient_id = src.recipient_id AND n.rule = src.src_rule
          AND n.item_type = %(item_type)s AND n.item_id = src.item_id
          AND n.deadline = src.deadline)
    ON CONFLICT DO NOTHING"""
# NOT EXISTS skips what earlier scans inserted (an anti-join, cheap); ON CONFLICT DO NOTHING
# still settles two scans racing on the same rows (the unique constraint decides).

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


def scan(*, now: dt.datetime | None = None, pause=None) -> ScanReport:
    """One transaction: notifications for every (person, rule, item, deadline) not yet told,
    and the e-mails they want. `pause` (tests) is called between the two steps."""
    now = now or timezone.now()
    report = ScanReport(batch=uuid.uuid4().hex)
    false = "false" if connection.vendor == "postgresql" else "0"
    spans = windows(now)
    with transaction.atomic(), connection.cursor() as cursor:
        for source in sources():
            select, params = candidates_sql(source, spans)
            cursor.execute(
                INSERT_NOTIFICATIONS.format(select=select, false=false),
                {**params, "now": now, "batch": report.batch, "item_type": source.item_type},
            )
            report.notifications += max(cursor.rowcount, 0)
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
