"""Who in an agency gets what: clerks, leaders, the leader on duty, a department's heads."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.utils import timezone

from qlvb.agencies.models import Person, Role


def with_role(agency_id: int, role: str) -> list[Person]:
    return with_role_in({agency_id}, role).get(agency_id, [])


def with_role_in(agency_ids, role: str) -> dict[int, list[Person]]:
    """The active people holding `role` in their own agency, for many agencies in one query."""
    found: dict[int, list[Person]] = {}
    for person in (
        Person.objects.filter(
            agency_id__in=agency_ids,
            is_active=True,
            roles__agency_id=F("agency_id"),
            roles__role=role,
        )
        .distinct()
        .order_by("agency_id", "pk")
    ):
        found.setdefault(person.agency_id, []).append(person)
    return found


def duty_leaders(agency_id: int, day: dt.date | None = None) -> list[Person]:
    """Lãnh đạo trực of the day; without a roster entry, every leader of the agency."""
    return duty_leaders_in({agency_id}, day).get(agency_id, [])


def duty_leaders_in(agency_ids, day: dt.date | None = None) -> dict[int, list[Person]]:
    """The same for many agencies in two queries (a hỏa tốc document issued to the province)."""
    from qlvb.notifications.models import DutyLeader

    day = day or timezone.localdate()
    found: dict[int, list[Person]] = {}
    for duty in DutyLeader.objects.filter(agency_id__in=agency_ids, day=day).select_related(
        "person"
    ):
        if duty.person.is_active:
            found[duty.agency_id] = [duty.person]
    rest = set(agency_ids) - set(found)
    if rest:
        found.update(with_role_in(rest, Role.LEADER))
    return found


def department_heads(department_id: int) -> list[Person]:
    """A department's leaders, or all its people when it has none."""
    people = list(Person.objects.filter(department_id=department_id, is_active=True))
    heads = [p for p in people if p.has_role(Role.LEADER)]
    return heads or people
