"""Packages for the tests: one with every field the standard names."""

from __future__ import annotations

import datetime as dt
import os
import tempfile

from qlvb.exchange.edxml.model import (
    Attachment,
    Business,
    Organization,
    Package,
    ReplacementInfo,
    ResponseFor,
    StaffInfo,
    StatusMessage,
    TraceHeader,
)

SENDER = Organization(
    organ_id="000.00.00.H15",
    organization_in_charge="Chính phủ",
    organ_name="UBND tỉnh Đắk Lắk",
    organ_add="09 Lê Duẩn, Buôn Ma Thuột",
    email="ubnd@daklak.gov.vn",
    telephone="0262 3852 000",
    fax="0262 3852 001",
    website="https://daklak.gov.vn",
)
RECIPIENT = Organization(
    organ_id="000.00.00.G22",
    organization_in_charge="Chính phủ",
    organ_name="Văn phòng Chính phủ",
    organ_add="1 Hoàng Hoa Thám, Hà Nội",
    email="vpcp@chinhphu.vn",
    telephone="080 43162",
    fax="080 44130",
    website="https://vpcp.chinhphu.vn",
)
DOCUMENT_ID = "000.00.00.H15,2017/07/03,12/UBND-TH"


def real_pdf(pages: int = 1) -> bytes:
    from qlvb.outgoing.tests.conftest import pdf

    return pdf(pages).getvalue()


def temp_file(content: bytes, suffix: str = ".pdf") -> str:
    handle, path = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    return path


def full_package(business_doc_type: int = 0, files: list[tuple[str, bytes]] | None = None):
    files = (
        files
        if files is not None
        else [
            ("12-UBND-TH.pdf", real_pdf(2)),
            ("phu-luc.pdf", real_pdf(1)),
        ]
    )
    return Package(
        sender=SENDER,
        recipients=[
            RECIPIENT,
            Organization(organ_id="000.00.00.H16", organ_name="UBND tỉnh Đắk Nông"),
        ],
        document_id=DOCUMENT_ID,
        code_number="12",
        code_notation="UBND-TH",
        place="Đắk Lắk",
        promulgation_date=dt.date(2017, 7, 3),
        type=1,
        type_detail=0,
        type_name="Công văn",
        subject="V/v báo cáo tình hình kinh tế - xã hội 6 tháng đầu năm 2017 & <kế hoạch>",
        content="Báo cáo gửi Văn phòng Chính phủ",
        signer_competence="KT. CHỦ TỊCH",
        signer_position="Phó Chủ tịch",
        signer_full_name="Nguyễn Văn A",
        due_date=dt.date(2017, 7, 20),
        to_places=["Như trên;", "Lưu: VT, TH."],
        priority=2,
        sphere_of_promulgation="Toàn quốc",
        typer_notation="TH",
        promulgation_amount=5,
        page_amount=3,
        appendixes=["Phụ lục I", "Phụ lục II"],
        direction="Khẩn trương thực hiện",
        response_for=[
            ResponseFor(
                organ_id="000.00.00.G22",
                code="7816/VPCP-TTĐT",
                promulgation_date=dt.date(2017, 6, 20),
                document_id="000.00.00.G22,2017/06/20,7816/VPCP-TTĐT",
            )
        ],
        steering_type=1,
        traces=[TraceHeader(organ_id="000.00.00.H15", timestamp=dt.datetime(2017, 7, 3, 8, 30, 5))],
        business=Business(
            document_id=DOCUMENT_ID,
            business_doc_type=business_doc_type,
            business_doc_reason="Thay thế do sai sót" if business_doc_type else "",
            paper=1,
            document_info={"DocumentInfo": "1", "DocumentReceiver": "0"},
            receiver_list=["000.00.00.G22"],
            replacement_info=[
                ReplacementInfo(
                    document_id="000.00.00.H15,2017/07/01,10/UBND-TH",
                    organ_ids=["000.00.00.G22"],
                )
            ]
            if business_doc_type == 3
            else [],
            staff_info=StaffInfo(
                department="Văn phòng", staff="Trần Thị B", email="b@daklak.gov.vn", mobile="0905"
            ),
        ),
        attachments=[
            Attachment(
                content_id=f"cid:{i}",
                name=name,
                description=f"Tệp {i}",
                content_type="application/pdf"
                if name.endswith(".pdf")
                else "application/octet-stream",
                path=temp_file(data, os.path.splitext(name)[1]),
            )
            for i, (name, data) in enumerate(files, start=1)
        ],
    )


def status_message(code: str = "03", when=None) -> StatusMessage:
    return StatusMessage(
        sender=RECIPIENT,
        response_for=ResponseFor(
            organ_id="000.00.00.H15",
            code="12/UBND-TH",
            promulgation_date=dt.date(2017, 7, 3),
            document_id=DOCUMENT_ID,
        ),
        staff_info=StaffInfo(department="Văn thư", staff="Lê C", email="c@vpcp.vn", mobile="09"),
        status_code=code,
        description="Đã tiếp nhận văn bản",
        timestamp=when or dt.datetime(2017, 7, 3, 9, 0, 0),
        traces=[TraceHeader(organ_id="000.00.00.G22", timestamp=dt.datetime(2017, 7, 3, 9, 0, 0))],
    )
