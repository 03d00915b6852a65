from __future__ import annotations

import pyotp
import pytest

from qlvb.agencies.models import Agency, AgencyLevel, Person, RoleAssignment

PASSWORD = "mat-khau-thu-2026"


@pytest.fixture
def agency(db):
    return Agency.objects.create(
        code="000.00.01.H15",
        name="Văn phòng UBND tỉnh",
        short_name="VPUBND",
        level=AgencyLevel.PROVINCE,
        on_installation=True,
    )


@pytest.fixture
def other_agency(db):
    return Agency.objects.create(
        code="000.00.02.H15",
        name="Sở Tư pháp",
        short_name="STP",
        level=AgencyLevel.DEPARTMENT,
        on_installation=True,
    )


@pytest.fixture
def make_person(db, agency):
    def make(username="vanthu", *, roles=(), person_agency=None, **extra):
        person_agency = person_agency or agency
        extra.setdefault("full_name", "Nguyễn Văn Thư")
        person = Person.objects.create_user(username, PASSWORD, agency=person_agency, **extra)
        for role in roles:
            RoleAssignment.objects.create(person=person, agency=person_agency, role=role)
        return person

    return make


@pytest.fixture
def person(make_person):
    return make_person("vanthu", roles=["clerk"])


@pytest.fixture
def totp_person(make_person):
    return make_person(
        "lanhdao", roles=["leader"], totp_secret=pyotp.random_base32(), totp_enabled=True
    )
