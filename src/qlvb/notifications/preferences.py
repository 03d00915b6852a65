"""Which channels a person gets an event on: the person's own choice, else the agency's default
(set by its administrator), else the built-in default below. In-app is always on: the bell is
the record of what happened."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from qlvb.notifications.models import AgencyDefault, Channel, Event, Preference, QuietHours

# Built-in defaults for e-mail and SMS (in-app is always on).
BUILT_IN: dict[str, set[str]] = {
    Event.DELIVERED: set(),
    Event.URGENT_DELIVERED: {Channel.EMAIL, Channel.SMS},
    Event.ASSIGNED: {Channel.EMAIL},
    Event.DIRECTED: {Channel.EMAIL},
    Event.DEADLINE_NEAR: {Channel.EMAIL},
    Event.OVERDUE: {Channel.EMAIL},  # per item in-app; by e-mail in the daily digest only
    Event.REMINDER: {Channel.EMAIL},
    Event.URGED: {Channel.EMAIL},
    Event.EXTENSION_DECIDED: {Channel.EMAIL},
    Event.REJECTED: {Channel.EMAIL},
}
CONFIGURABLE = (Channel.EMAIL, Channel.SMS)


class Resolver:
    """Preferences of many people loaded in three queries (a scan notifies thousands)."""

    def __init__(self, people: Iterable):
        people = list(people)
        ids = {p.pk for p in people}
        agencies = {p.agency_id for p in people if p.agency_id}
        self.own = {
            (r.person_id, r.event, r.channel): r.enabled
            for r in Preference.objects.filter(person_id__in=ids)
        }
        self.agency = {
            (r.agency_id, r.event, r.channel): r.enabled
            for r in AgencyDefault.objects.filter(agency_id__in=agencies)
        }
        self.quiet = {q.person_id: q for q in QuietHours.objects.filter(person_id__in=ids)}

    def enabled(self, person, event: str, channel: str) -> bool:
        if channel == Channel.IN_APP:
            return True
        own = self.own.get((person.pk, event, channel))
        if own is not None:
            return own
        default = self.agency.get((person.agency_id, event, channel))
        if default is not None:
            return default
        return channel in BUILT_IN.get(event, set())

    def channels(self, person, event: str) -> list[str]:
        return [c for c in CONFIGURABLE if self.enabled(person, event, c)]

    def send_at(self, person, *, urgent: bool, now: dt.datetime | None = None) -> dt.datetime:
        """When an e-mail/SMS may leave: now, or the end of the person's quiet hours."""
        now = now or timezone.now()
        quiet = self.quiet.get(person.pk)
        if urgent or quiet is None:
            return now
        return quiet_until(quiet.start, quiet.end, now)


def quiet_until(start: dt.time, end: dt.time, now: dt.datetime) -> dt.datetime:
    """`now` if outside [start, end) local time (the span may cross midnight), else `end`."""
    local = timezone.localtime(now)
    t = local.time()
    if start == end:
        return now
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return now
    day = local.date()
    if start > end and t >= start:
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end), local.tzinfo)
