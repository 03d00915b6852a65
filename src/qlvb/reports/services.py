"""Changes made by the reports app: starting a register import from the web (a job row whose
progress the page polls) and turning a report's DOCX into an outgoing draft."""

from __future__ import annotations

import hashlib
import io

from django.db import transaction
from django.utils import timezone

from qlvb.agencies.services import is_installation_admin
from qlvb.audit.services import audit_record
from qlvb.core.errors import DomainError, PermissionDenied, ValidationFailed
from qlvb.documents.models import DocumentType
from qlvb.documents.services import Upload
from qlvb.jobs.services import job_submit
from qlvb.reports.exports import period_label, to_docx
from qlvb.reports.importer import import_register
from qlvb.reports.models import ImportKind, ImportState, RegisterImport
from qlvb.reports.selectors import Params, Report

IMPORT_JOB = "reports.import_register"
MAX_IMPORT_BYTES = 200 * 1024 * 1024


def register_import_submit(*, actor, kind: str, filename: str, content: bytes) -> RegisterImport:
    """Nhập sổ cũ từ trang quản trị: the file is kept on a job row and processed by a worker."""
    if not is_installation_admin(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống mới được nhập sổ văn bản cũ.")
    if kind not in ImportKind.values:
        raise ValidationFailed("Hãy chọn sổ văn bản đến hoặc đi.", errors={"kind": ["Bắt buộc."]})
    if not content:
        raise ValidationFailed("Hãy chọn tệp CSV hoặc XLSX.", errors={"file": ["Bắt buộc."]})
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationFailed("Tệp lớn quá 200 MB.", errors={"file": ["Tệp quá lớn."]})
    with transaction.atomic():
        item = RegisterImport.objects.create(
            kind=kind,
            filename=filename[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(actor=actor, action="reports.import_submit", obj=item)
        job_submit(actor=actor, kind=IMPORT_JOB, payload={"import_id": item.pk})
    return item


def register_import_run(import_id: int) -> RegisterImport:
    """The job: check and write the file, keeping `processed` up to date for the page."""
    item = RegisterImport.objects.get(pk=import_id)
    if item.state in (ImportState.DONE, ImportState.FAILED):
        return item  # processed already (a job may run twice)
    RegisterImport.objects.filter(pk=item.pk).update(state=ImportState.RUNNING)

    def progress(done: int, total: int) -> None:
        RegisterImport.objects.filter(pk=item.pk).update(processed=done, total=total)

    actor = item.created_by
    try:
        result = import_register(
            actor=actor if actor is not None else None,
            kind=item.kind,
            raw=bytes(item.content or b""),
            filename=item.filename,
            progress=progress,
        )
    except DomainError as exc:
        RegisterImport.objects.filter(pk=item.pk).update(
            state=ImportState.FAILED,
            message=exc.message[:500],
            errors=exc.errors if isinstance(exc.errors, list) else [],
            content=None,
            finished_at=timezone.now(),
        )
    else:
        RegisterImport.objects.filter(pk=item.pk).update(
            state=ImportState.DONE,
            processed=1,
            total=1,
            created_count=result.created,
            skipped_count=result.skipped,
            message=result.summary_vi(),
            content=None,
            finished_at=timezone.now(),
        )
    item.refresh_from_db()
    return item


def report_to_draft(*, actor, report: Report, p: Params, rows: list[dict]):
    """Tạo dự thảo văn bản đi từ báo cáo: the ND30 DOCX becomes version 1 of a draft of the
    reporting agency (the outgoing app converts it to PDF and takes it through approval)."""
    from qlvb.outgoing.services import outgoing_create

    if actor is None or actor.agency_id != p.agency.pk:
        raise PermissionDenied("Chỉ cán bộ của cơ quan báo cáo mới tạo được dự thảo từ báo cáo.")
    data = to_docx(report, p, rows)
    report_type = DocumentType.objects.filter(name="Báo cáo").first()
    metadata = {
        "subject": f"Báo cáo {report.title[0].lower()}{report.title[1:]} {period_label(p)}",
        "type_name": "Báo cáo",
    }
    if report_type is not None:
        metadata["document_type"] = report_type
    return outgoing_create(
        actor=actor,
        metadata=metadata,
        uploads=[Upload(stream=io.BytesIO(data), name=f"bao-cao-{report.name}.docx")],
        note="Tạo từ báo cáo thống kê",
    )
