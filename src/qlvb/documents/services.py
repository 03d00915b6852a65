"""Changes to documents and their files, shared by the incoming and outgoing apps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import BinaryIO

from qlvb.core.errors import ValidationFailed
from qlvb.documents import signals, storage
from qlvb.documents.models import (
    Attachment,
    AttachmentRole,
    Blob,
    Confidentiality,
    Document,
    DocumentType,
    Urgency,
)

# Phụ lục VI lengths; the model enforces them too, these give the clear message first.
METADATA_LENGTHS = {
    "type_name": ("Tên loại văn bản", 100),
    "code_number": ("Số", 11),
    "code_notation": ("Ký hiệu", 30),
    "organ_name": ("Cơ quan ban hành", 200),
    "subject": ("Trích yếu", 500),
    "language": ("Ngôn ngữ", 30),
    "description": ("Ghi chú", 500),
    "signer_competence": ("Thẩm quyền ký", 100),
    "signer_position": ("Chức vụ người ký", 100),
    "signer_full_name": ("Họ tên người ký", 50),
}
METADATA_FIELDS = {
    *METADATA_LENGTHS,
    "document_type",
    "issued_date",
    "organ",
    "page_amount",
    "urgency",
    "urgency_deadline",
    "confidentiality",
    "due_date",
    "to_places",
}


@dataclass
class Upload:
    """A file as it arrives: a stream (never read whole), its original name, and its role."""

    stream: BinaryIO
    name: str
    role: str = AttachmentRole.MAIN


def clean_metadata(data: dict, *, require_subject: bool = True) -> dict:
    """Validate document metadata; every problem is reported at once, by field."""
    errors: dict[str, list[str]] = {}
    cleaned = {k: v for k, v in data.items() if k in METADATA_FIELDS}
    for field, (label, limit) in METADATA_LENGTHS.items():
        value = cleaned.get(field)
        if value is None:
            continue
        value = str(value).strip()
        cleaned[field] = value
        if len(value) > limit:
            errors.setdefault(field, []).append(
                f"{label} dài {len(value)} ký tự, tối đa {limit} ký tự."
            )
    if require_subject and not cleaned.get("subject"):
        errors.setdefault("subject", []).append("Trích yếu là bắt buộc.")
    if cleaned.get("urgency", Urgency.NORMAL) not in Urgency.values:
        errors.setdefault("urgency", []).append("Độ khẩn không hợp lệ.")
    if cleaned.get("confidentiality", Confidentiality.NORMAL) not in Confidentiality.values:
        errors.setdefault("confidentiality", []).append("Độ mật không hợp lệ.")
    if cleaned.get("urgency") == Urgency.FLASH_TIMED and not cleaned.get("urgency_deadline"):
        errors.setdefault("urgency_deadline", []).append(
            "Văn bản hỏa tốc hẹn giờ phải có thời điểm hẹn giờ."
        )
    pages = cleaned.get("page_amount")
    if pages not in (None, "") and not (isinstance(pages, int) and 0 < pages < 1000):
        errors.setdefault("page_amount", []).append("Số trang phải từ 1 đến 999.")
    issued = cleaned.get("issued_date")
    if isinstance(issued, dt.date) and issued > dt.date.today() + dt.timedelta(days=1):
        errors.setdefault("issued_date", []).append("Ngày ban hành không thể ở tương lai.")
    doc_type = cleaned.get("document_type")
    if isinstance(doc_type, int | str) and doc_type != "":
        found = (
            DocumentType.objects.filter(pk=doc_type).first() if str(doc_type).isdigit() else None
        )
        if found is None:
            found = DocumentType.objects.filter(name=str(doc_type)).first()
        if found is None:
            errors.setdefault("document_type", []).append("Loại văn bản không tồn tại.")
        cleaned["document_type"] = found
    if cleaned.get("document_type") and not cleaned.get("type_name"):
        cleaned["type_name"] = cleaned["document_type"].name
    if errors:
        raise ValidationFailed("Thông tin văn bản chưa hợp lệ.", errors=errors)
    return cleaned


def stage_uploads(uploads: list[Upload]) -> list[tuple[Upload, storage.StagedFile]]:
    """Hash and check every file before any database work; on the first bad file the others
    already staged are discarded."""
    staged: list[tuple[Upload, storage.StagedFile]] = []
    try:
        for upload in uploads:
            if upload.role not in AttachmentRole.values:
                raise ValidationFailed(f"Vai trò tệp «{upload.name}» không hợp lệ.")
            staged.append((upload, storage.stage(upload.stream, original_name=upload.name)))
    except BaseException:
        for _, item in staged:
            item.discard()
        raise
    return staged


@dataclass(frozen=True)
class StoredFile:
    """A file whose bytes are already stored, as another document receives it: the sender's
    main file placed in each recipient's copy is one blob, never staged or written again."""

    blob: Blob
    name: str
    content_type: str
    size: int
    page_count: int | None
    role: str = AttachmentRole.MAIN

    @classmethod
    def of(cls, attachment: Attachment) -> StoredFile:
        return cls(
            blob=attachment.blob,
            name=attachment.original_name,
            content_type=attachment.content_type,
            size=attachment.size,
            page_count=attachment.page_count,
            role=attachment.role,
        )

    @classmethod
    def staged(cls, upload: Upload, item: storage.StagedFile) -> StoredFile:
        """Store a staged upload (inside the caller's transaction) and describe it."""
        page_count = item.page_count
        return cls(
            blob=storage.store(item),
            name=upload.name[:255],
            content_type=item.content_type,
            size=item.size,
            page_count=page_count,
            role=upload.role,
        )

    def attachment(self, document: Document, position: int, actor=None) -> Attachment:
        """The (unsaved) file row of `document` holding these bytes."""
        return Attachment(
            document=document,
            blob=self.blob,
            original_name=self.name,
            content_type=self.content_type,
            size=self.size,
            page_count=self.page_count,
            role=self.role,
            position=position,
            created_by=actor,
        )


def attach_staged(*, document: Document, staged, actor) -> list[Attachment]:
    """Store staged files and attach them (inside the caller's transaction)."""
    attachments = []
    for position, (upload, item) in enumerate(staged):
        attachment = StoredFile.staged(upload, item).attachment(document, position, actor)
        attachment.save()
        attachments.append(attachment)
    return attachments


def documents_create_many(
    *, documents: list[Document], files: list[list[StoredFile]], actor=None
) -> list[Attachment]:
    """Insert documents and attach their stored files in bulk, inside the caller's transaction
    (a document delivered to 220 agencies: a few statements, not a thousand). Bulk inserts send
    no post_save, so search and signing hear of the rows through `documents_added`."""
    Document.objects.bulk_create(documents)
    attachments = Attachment.objects.bulk_create(
        f.attachment(document, position, actor)
        for document, stored in zip(documents, files, strict=True)
        for position, f in enumerate(stored)
    )
    signals.documents_added.send(sender=Document, documents=documents, attachments=attachments)
    return attachments


def document_type_save(
    *, actor, data: dict, document_type: DocumentType | None = None
) -> DocumentType:
    """Create or change a document type (ND30 Phụ lục III list is data the province edits):
    the installation administrator only; audited."""
    from django.db import transaction

    from qlvb.audit.services import audit_record
    from qlvb.core.errors import PermissionDenied

    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied("Chỉ quản trị hệ thống được sửa danh mục loại văn bản.")
    errors: dict[str, list[str]] = {}
    name = str(data.get("name", document_type.name if document_type else "")).strip()
    abbreviation = str(
        data.get("abbreviation", document_type.abbreviation if document_type else "")
    ).strip()
    if not name:
        errors["name"] = ["Tên loại văn bản là bắt buộc."]
    elif len(name) > 100:
        errors["name"] = ["Tối đa 100 ký tự."]
    if len(abbreviation) > 10:
        errors["abbreviation"] = ["Tối đa 10 ký tự."]
    clash = DocumentType.objects.filter(name__iexact=name)
    if document_type is not None:
        clash = clash.exclude(pk=document_type.pk)
    if name and clash.exists():
        errors["name"] = ["Đã có loại văn bản cùng tên."]
    if errors:
        raise ValidationFailed("Loại văn bản chưa hợp lệ.", errors=errors)
    with transaction.atomic():
        item = document_type or DocumentType()
        item.name = name
        item.abbreviation = abbreviation
        for flag in ("requires_paper", "is_active"):
            if flag in data:
                setattr(item, flag, bool(data[flag]))
        item.save()
        audit_record(
            actor=actor,
            action="document_type.update" if document_type else "document_type.create",
            obj=item,
            details={"name": name, "abbreviation": abbreviation},
        )
    return item
