from __future__ import annotations

import pytest

from qlvb.agencies.models import Agency, AgencyLevel, Person, RoleAssignment

PASSWORD = "mat-khau-thu-2026"


@pytest.fixture
def province(db):
    return Agency.objects.create(
        code="000.00.00.H15",
        name="UBND tỉnh Đắk Lắk",
        short_name="UBND",
        level=AgencyLevel.PROVINCE,
        on_installation=True,
    )


@pytest.fixture
def office(province):
    return Agency.objects.create(
        code="000.00.01.H15",
        name="Văn phòng UBND tỉnh",
        short_name="VPUBND",
        level=AgencyLevel.PROVINCE,
        parent=province,
        on_installation=True,
    )


@pytest.fixture
def make_person(db, office):
    def make(username, *, roles=(), agency=None, **extra):
        agency = agency or office
        extra.setdefault("full_name", "Nguyễn Thị Văn Thư")
        person = Person.objects.create_user(username, PASSWORD, agency=agency, **extra)
        for role in roles:
            RoleAssignment.objects.create(person=person, agency=agency, role=role)
        return person

    return make


@pytest.fixture
def clerk(make_person):
    return make_person("vanthu.vpubnd", roles=["clerk"])


@pytest.fixture
def agency_admin(make_person):
    return make_person("quantri.vpubnd", roles=["admin"], full_name="Trần Quản Trị")


@pytest.fixture
def superuser(make_person):
    return make_person("admin", is_superuser=True, full_name="Quản trị hệ thống")


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client
