"""Who in an agency gets what: clerks, leaders, the leader on duty, a department's heads."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from qlvb.agencies.models import Person, Role


def with_role(agency_id: int, role: str) -> list[Person]:
    return list(
        Person.objects.filter(
            agency_id=agency_id,
            is_active=True,
            roles__agency_id=agency_id,
            roles__role=role,
        ).distinct()
    )


def duty_leaders(agency_id: int, day: dt.date | None = None) -> list[Person]:
    """Lãnh đạo trực of the day; without a roster entry, every leader of the agency."""
    from qlvb.notifications.models import DutyLeader

    day = day or timezone.localdate()
    duty = DutyLeader.objects.filter(agency_id=agency_id, day=day).select_related("person").first()
    if duty is not None and duty.person.is_active:
        return [duty.person]
    return with_role(agency_id, Role.LEADER)


def department_heads(department_id: int) -> list[Person]:
    """A department's leaders, or all its people when it has none."""
    people = list(Person.objects.filter(department_id=department_id, is_active=True))
    heads = [p for p in people if p.has_role(Role.LEADER)]
    return heads or people
