import io

import pytest
from pypdf import PdfWriter

from qlvb.agencies.models import Agency, AgencyLevel, Department, Person, RoleAssignment


def make_person(username, agency, *roles, department=None):
    person = Person.objects.create_user(
        username, "x-password-1", full_name=username.title(), agency=agency, department=department
    )
    for role in roles:
        RoleAssignment.objects.create(person=person, agency=agency, role=role)
    return person


def pdf(pages=1) -> io.BytesIO:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    out.seek(0)
    return out


@pytest.fixture
def office(db):
    province = Agency.objects.create(
        code="000.00.00.H15",
        name="UBND tỉnh Đắk Lắk",
        short_name="UBND",
        level=AgencyLevel.PROVINCE,
    )
    return Agency.objects.create(
        code="000.00.01.H15",
        name="Văn phòng UBND tỉnh",
        short_name="VPUBND",
        level=AgencyLevel.DEPARTMENT,
        parent=province,
        on_installation=True,
    )


@pytest.fixture
def sender(db):
    return Agency.objects.create(
        code="000.00.20.H15", name="Sở Tài chính", short_name="STC", level=AgencyLevel.DEPARTMENT
    )


@pytest.fixture
def people(office, sender):
    kgvx = Department.objects.create(
        agency=office, name="Phòng Khoa giáo - Văn xã", short_name="KGVX"
    )
    th = Department.objects.create(agency=office, name="Phòng Tổng hợp", short_name="TH")
    return {
        "clerk": make_person("vanthu", office, "clerk"),
        "leader": make_person("lanhdao", office, "leader"),
        "head": make_person("truongphong", office, "leader", department=kgvx),
        "specialist": make_person("chuyenvien", office, "specialist", department=kgvx),
        "other_specialist": make_person("chuyenvien2", office, "specialist", department=th),
        "outsider": make_person("vanthu.stc", sender, "clerk"),
        "kgvx": kgvx,
        "th": th,
    }
