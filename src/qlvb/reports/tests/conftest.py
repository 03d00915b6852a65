import csv
import io

import pytest

from qlvb.agencies.models import Agency, AgencyLevel, Person, RoleAssignment
from qlvb.reports.importer import INCOMING_COLUMNS, OUTGOING_COLUMNS

OFFICE = "000.00.01.H15"
STC = "000.00.20.H15"
SYT = "000.00.21.H15"
STP = "000.00.22.H15"


def make_person(username, agency, *roles):
    person = Person.objects.create_user(
        username, "x-password-1", full_name=username.title(), agency=agency
    )
    for role in roles:
        RoleAssignment.objects.create(person=person, agency=agency, role=role)
    return person


def csv_bytes(columns, rows) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue().encode("utf-8")


def incoming_row(number, *, agency=OFFICE, sender=STC, day="2017-08-01", **kw):
    row = {
        "agency_code": agency,
        "arrival_number": str(number),
        "arrival_date": day,
        "sender_code": sender,
        "sender_name": "",
        "type_name": "Công văn",
        "code_number": str(number),
        "code_notation": "CV-X",
        "issued_date": day,
        "subject": f"Văn bản {number}",
        "urgency": "",
        "electronic_received_at": "",
        "paper_received_at": "",
    }
    row.update(kw)
    return row


def outgoing_row(number, recipient, *, agency=OFFICE, day="2017-08-01", e="1", p="0", **kw):
    row = {
        "agency_code": agency,
        "code_number": str(number),
        "code_notation": "UBND-TH",
        "issued_date": day,
        "type_name": "Công văn",
        "subject": f"Văn bản đi {number}",
        "signer_name": "Nguyễn Văn A",
        "signer_position": "Chủ tịch",
        "urgency": "",
        "recipient_code": recipient,
        "recipient_name": "",
        "sent_electronically": e,
        "sent_on_paper": p,
    }
    row.update(kw)
    return row


def incoming_csv(rows):
    return csv_bytes(INCOMING_COLUMNS, rows)


def outgoing_csv(rows):
    return csv_bytes(OUTGOING_COLUMNS, rows)


@pytest.fixture
def agencies(db):
    province = Agency.objects.create(
        code="000.00.00.H15", name="UBND tỉnh Đắk Lắk", level=AgencyLevel.PROVINCE
    )
    office = Agency.objects.create(
        code=OFFICE,
        name="Văn phòng UBND tỉnh",
        short_name="VPUBND",
        level=AgencyLevel.DEPARTMENT,
        parent=province,
        address="10 Trường Chinh, Buôn Ma Thuột",
    )
    out = {"province": province, "office": office}
    for code, name in ((STC, "Sở Tài chính"), (SYT, "Sở Y tế"), (STP, "Sở Tư pháp")):
        out[code] = Agency.objects.create(
            code=code, name=name, level=AgencyLevel.DEPARTMENT, parent=province
        )
    return out
