import datetime as dt
import io
import itertools

import pytest
from pypdf import PdfWriter

from qlvb.agencies.models import Agency, AgencyLevel, Department, Person, RoleAssignment
from qlvb.documents.services import Upload

_refs = itertools.count(1)


def make_person(username, agency, *roles, department=None, email=None, phone="0912345678"):
    # No password (force_login): argon2 would make every test slow.
    person = Person.objects.create(
        username=username,
        full_name=username.replace(".", " ").title(),
        agency=agency,
        department=department,
        email=f"{username}@example.vn" if email is None else email,
        phone=phone,
    )
    for role in roles:
        RoleAssignment.objects.create(person=person, agency=agency, role=role)
    return person


def pdf() -> io.BytesIO:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    out.seek(0)
    return out


def deliver(agency, *, urgency="thuong", subject="Về việc báo cáo kết quả năm 2026", sender=None):
    from qlvb.incoming.services import incoming_deliver

    return incoming_deliver(
        agency=agency,
        metadata={
            "type_name": "Công văn",
            "code_number": "12",
            "code_notation": "STC-KH",
            "issued_date": dt.date(2026, 11, 20),
            "organ_name": "Sở Tài chính",
            "subject": subject,
            "urgency": urgency,
        },
        uploads=[Upload(stream=pdf(), name="cv.pdf")],
        origin_reference=f"test:{next(_refs)}",
        sender=sender,
    )


@pytest.fixture
def office(db):
    return Agency.objects.create(
        code="000.00.01.H15",
        name="Văn phòng UBND tỉnh",
        short_name="VPUBND",
        level=AgencyLevel.DEPARTMENT,
        on_installation=True,
    )


@pytest.fixture
def people(office):
    kgvx = Department.objects.create(agency=office, name="Phòng Khoa giáo - Văn xã")
    return {
        "clerk": make_person("vanthu", office, "clerk"),
        "leader": make_person("lanhdao", office, "leader", phone="0987654321"),
        "deputy": make_person("phochanhvanphong", office, "leader", phone="0977000111"),
        "head": make_person("truongphong", office, "leader", department=kgvx),
        "specialist": make_person("chuyenvien", office, "specialist", department=kgvx),
        "admin": make_person("quantri", office, "admin"),
        "kgvx": kgvx,
    }


def accept_and_direct(incoming, people, *, assignments, direction="Đề nghị xử lý đúng hạn."):
    from qlvb.incoming.services import incoming_accept, incoming_direct

    incoming = incoming_accept(actor=people["clerk"], incoming=incoming)
    return incoming_direct(
        actor=people["leader"], incoming=incoming, direction=direction, assignments=assignments
    )
