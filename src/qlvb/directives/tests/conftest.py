import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from qlvb.agencies.models import Agency, AgencyLevel, Department, Person, RoleAssignment


def make_person(username, agency, *roles, department=None):
    person = Person.objects.create_user(
        username, "x-password-1", full_name=username.title(), agency=agency, department=department
    )
    for role in roles:
        RoleAssignment.objects.create(person=person, agency=agency, role=role)
    return person


def client_for(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def days(n: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=n)


@pytest.fixture
def world(db):
    province = Agency.objects.create(
        code="000.00.00.H15",
        name="UBND tỉnh Đắk Lắk",
        short_name="UBND",
        level=AgencyLevel.PROVINCE,
    )
    office = Agency.objects.create(
        code="000.00.01.H15",
        name="Văn phòng UBND tỉnh",
        short_name="VPUBND",
        level=AgencyLevel.DEPARTMENT,
        parent=province,
        on_installation=True,
    )
    stc = Agency.objects.create(
        code="000.00.20.H15",
        name="Sở Tài chính",
        short_name="STC",
        level=AgencyLevel.DEPARTMENT,
        parent=province,
        on_installation=True,
    )
    syt = Agency.objects.create(
        code="000.00.21.H15",
        name="Sở Y tế",
        short_name="SYT",
        level=AgencyLevel.DEPARTMENT,
        parent=province,
        on_installation=True,
    )
    sxd = Agency.objects.create(
        code="000.00.22.H15",
        name="Sở Xây dựng",
        short_name="SXD",
        level=AgencyLevel.DEPARTMENT,
        parent=province,
        on_installation=True,
    )
    ns = Department.objects.create(agency=stc, name="Phòng Ngân sách", short_name="NS")
    other_dept = Department.objects.create(agency=syt, name="Phòng Kế hoạch", short_name="KH")
    return {
        "office": office,
        "stc": stc,
        "syt": syt,
        "sxd": sxd,
        "ns": ns,
        "syt_dept": other_dept,
        "leader": make_person("lanhdao.vpubnd", office, "leader"),
        "tracking": make_person("theodoi.vpubnd", office, "tracking"),
        "office_specialist": make_person("chuyenvien.vpubnd", office, "specialist"),
        "stc_leader": make_person("lanhdao.stc", stc, "leader"),
        "stc_specialist": make_person("chuyenvien.stc", stc, "specialist", department=ns),
        "stc_clerk": make_person("vanthu.stc", stc, "clerk"),
        "syt_leader": make_person("lanhdao.syt", syt, "leader"),
        "syt_specialist": make_person("chuyenvien.syt", syt, "specialist"),
        "sxd_leader": make_person("lanhdao.sxd", sxd, "leader"),
    }


@pytest.fixture
def task_factory(world):
    from qlvb.directives import services

    def make(**kwargs):
        values = {
            "actor": world["leader"],
            "title": "Rà soát dự toán ngân sách",
            "lead_agency": world["stc"],
            "due_at": days(10),
        }
        values.update(kwargs)
        return services.task_create(**values)

    return make
