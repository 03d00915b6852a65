import io

import pytest
from django.test import Client
from pypdf import PdfWriter

from qlvb.agencies.models import (
    Agency,
    AgencyLevel,
    Department,
    Person,
    Position,
    RoleAssignment,
)
from qlvb.documents.defaults import ensure_document_types
from qlvb.documents.models import DocumentType


def make_person(username, agency, *roles, department=None, position=None):
    # No password hashing cost: tests sign in with force_login.
    person = Person.objects.create(
        username=username,
        full_name=username.replace(".", " ").title(),
        agency=agency,
        department=department,
        position=position,
    )
    for role in roles:
        RoleAssignment.objects.create(person=person, agency=agency, role=role)
    return person


def pdf(pages=1, name="du-thao.pdf") -> io.BytesIO:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    out.seek(0)
    out.name = name
    return out


def client_for(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


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
def people(province):
    """The issuing agency (UBND tỉnh) with a drafting department, the office and its people."""
    kgvx = Department.objects.create(
        agency=province, name="Phòng Khoa giáo - Văn xã", short_name="KGVX"
    )
    office = Department.objects.create(agency=province, name="Văn phòng", short_name="VP")
    chairman = Position.objects.create(agency=province, name="Chủ tịch", rank=1)
    chief = Position.objects.create(agency=province, name="Chánh Văn phòng", rank=5)
    head = Position.objects.create(agency=province, name="Trưởng phòng", rank=10)
    return {
        "specialist": make_person("chuyenvien.ubnd", province, "specialist", department=kgvx),
        "head": make_person("truongphong.ubnd", province, "leader", department=kgvx, position=head),
        "office_leader": make_person(
            "chanhvp.ubnd", province, "leader", department=office, position=chief
        ),
        "signer": make_person("chutich.ubnd", province, "leader", position=chairman),
        "clerk": make_person("vanthu.ubnd", province, "clerk", department=office),
        "outsider": make_person("chuyenvien2.ubnd", province, "specialist"),
        "kgvx": kgvx,
        "office": office,
    }


def make_recipients(n, *, start=1):
    """n agencies on this installation, each with a clerk, a leader and a specialist."""
    out = []
    for i in range(start, start + n):
        agency = Agency.objects.create(
            code=f"{i:03d}.31.00.H15",
            name=f"Sở thử nghiệm {i:02d}",
            short_name=f"S{i:02d}",
            level=AgencyLevel.DEPARTMENT,
            on_installation=True,
        )
        out.append(
            {
                "agency": agency,
                "clerk": make_person(f"vanthu.s{i:02d}", agency, "clerk"),
                "leader": make_person(f"lanhdao.s{i:02d}", agency, "leader"),
                "specialist": make_person(f"chuyenvien.s{i:02d}", agency, "specialist"),
            }
        )
    return out


@pytest.fixture
def recipients(db):
    return make_recipients(3)


@pytest.fixture
def cong_van(db):
    # A transactional test before this one flushed the data migration's rows: put them back.
    ensure_document_types()
    return DocumentType.objects.get(name="Công văn")


@pytest.fixture
def quyet_dinh(db):
    ensure_document_types()
    return DocumentType.objects.get(abbreviation="QĐ")
