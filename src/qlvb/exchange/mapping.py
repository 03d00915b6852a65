"""edXML packages onto the ND30 metadata of qlvb.documents, and documents into packages."""

from __future__ import annotations

import datetime as dt

from qlvb.documents.models import EDXML_PRIORITY, Urgency
from qlvb.exchange.edxml.constants import DATE_FORMAT
from qlvb.exchange.edxml.model import (
    Attachment,
    Business,
    Organization,
    Package,
    StaffInfo,
    TraceHeader,
)

URGENCY_OF_PRIORITY = {value: key for key, value in EDXML_PRIORITY.items()}


def document_id_of(document) -> str:
    """`{sender OrganId},{yyyy/MM/dd},{number}/{notation}`."""
    organ = document.organ.code if document.organ_id else document.agency.code
    day = document.issued_date.strftime(DATE_FORMAT) if document.issued_date else ""
    return f"{organ},{day},{document.number_and_notation}"


def split_document_id(value: str) -> tuple[str, dt.date | None, str, str]:
    """(organ id, date, number, notation); lenient (dd/MM/yyyy accepted)."""
    parts = (value or "").strip().split(",", 2)
    if len(parts) != 3:
        return "", None, "", ""
    organ, day_raw, code = (p.strip() for p in parts)
    day = None
    for fmt in (DATE_FORMAT, "%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = dt.datetime.strptime(day_raw, fmt).date()
            break
        except ValueError:
            continue
    number, _, notation = code.partition("/")
    return organ, day, number, notation


def organization_of(agency) -> Organization:
    return Organization(
        organ_id=agency.code,
        organization_in_charge=agency.organization_in_charge
        or (agency.parent.name if agency.parent_id else ""),
        organ_name=agency.name,
        organ_add=agency.address,
        email=agency.email,
        telephone=agency.telephone,
        fax=agency.fax,
        website=agency.website,
    )


def metadata_of(package: Package) -> tuple[dict, list[str]]:
    """ND30 metadata for `incoming_deliver`, and what did not fit (flagged, kept short)."""
    notes: list[str] = []

    def cut(value: str, limit: int, label: str) -> str:
        value = value or ""
        if len(value) > limit:
            notes.append(f"{label} dài hơn {limit} ký tự, đã cắt bớt.")
        return value[:limit]

    urgency = URGENCY_OF_PRIORITY.get(package.priority or 0, Urgency.NORMAL)
    if urgency == Urgency.FLASH_TIMED:  # the package carries no appointed time
        urgency = Urgency.FLASH
        notes.append("Hỏa tốc hẹn giờ: gói tin không có giờ hẹn, ghi nhận là hỏa tốc.")
    pages = package.page_amount if package.page_amount and 0 < package.page_amount < 1000 else None
    subject = cut(package.subject, 500, "Trích yếu") or "(Gói tin không có trích yếu)"
    metadata = {
        "type_name": cut(package.type_name, 100, "Tên loại văn bản"),
        "code_number": cut(package.code_number, 11, "Số"),
        "code_notation": cut(package.code_notation, 30, "Ký hiệu"),
        "issued_date": package.promulgation_date,
        "organ_name": cut(package.sender.organ_name, 200, "Cơ quan ban hành"),
        "subject": subject,
        "page_amount": pages,
        "description": cut(package.content, 500, "Nội dung tóm tắt"),
        "signer_competence": cut(package.signer_competence, 100, "Thẩm quyền ký"),
        "signer_position": cut(package.signer_position, 100, "Chức vụ người ký"),
        "signer_full_name": cut(package.signer_full_name, 50, "Người ký"),
        "urgency": urgency,
        "due_date": package.due_date,
        "to_places": [p[:300] for p in package.to_places],
    }
    if package.type_name:
        from qlvb.documents.models import DocumentType

        found = DocumentType.objects.filter(name=package.type_name).first()
        if found is not None:
            metadata["document_type"] = found.pk
    return metadata, notes


def package_of(
    document,
    *,
    sender,
    recipients: list,
    attachments: list[Attachment],
    business_doc_type: int = 0,
    reason: str = "",
    replaces: str = "",
    paper: int = 0,
    staff: StaffInfo | None = None,
    when: dt.datetime | None = None,
) -> Package:
    """The package recipients get for a document of `sender` (an Agency)."""
    from django.utils import timezone

    document_id = document_id_of(document)
    when = timezone.localtime(when or timezone.now()).replace(tzinfo=None, microsecond=0)
    business = Business(
        document_id=document_id,
        business_doc_type=business_doc_type,
        business_doc_reason=reason,
        paper=paper,
        staff_info=staff or StaffInfo(),
    )
    if replaces:
        from qlvb.exchange.edxml.model import ReplacementInfo

        business.replacement_info = [
            ReplacementInfo(document_id=replaces, organ_ids=[r.code for r in recipients])
        ]
    return Package(
        sender=organization_of(sender),
        recipients=[organization_of(r) for r in recipients],
        document_id=document_id,
        code_number=document.code_number,
        code_notation=document.code_notation,
        place=_place_of(sender),
        promulgation_date=document.issued_date,
        type_name=document.type_name
        or (document.document_type.name if document.document_type_id else ""),
        subject=document.subject,
        content=document.description,
        signer_competence=document.signer_competence,
        signer_position=document.signer_position,
        signer_full_name=document.signer_full_name,
        due_date=document.due_date,
        to_places=list(document.to_places or []),
        priority=EDXML_PRIORITY.get(document.urgency, 0),
        page_amount=document.page_amount,
        traces=[TraceHeader(organ_id=sender.code, timestamp=when)],
        business=business,
        attachments=attachments,
    )


def _place_of(agency) -> str:
    return ""
