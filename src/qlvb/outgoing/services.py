"""Every change to outgoing documents: drafting, versions, the approval chain, signing,
issuing (number, notation, deliveries in one transaction), recall, reminders."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from qlvb.agencies.models import Agency, Department, Person, RecipientGroup, Role
from qlvb.audit.services import audit_record
from qlvb.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from qlvb.core.text import fold
from qlvb.documents import storage
from qlvb.documents.models import URGENCY_RANK, Document, RegisterKind
from qlvb.documents.numbering import register_book_for, take_number
from qlvb.documents.services import Upload, attach_staged, clean_metadata, stage_uploads
from qlvb.incoming import services as incoming_services
from qlvb.jobs.services import enqueue_many
from qlvb.outgoing import conversion, signals
from qlvb.outgoing.models import (
    BusinessType,
    Comment,
    ConversionState,
    Delivery,
    DeliveryStatus,
    DeliveryWorkState,
    DraftVersion,
    Medium,
    OutgoingDocument,
    OutgoingEvent,
    OutgoingSettings,
    OutgoingState,
    Recipient,
    RecipientKind,
    Reminder,
    ReminderReason,
    ReviewStep,
    StepState,
    VersionFile,
    VersionFileKind,
)

# Set by issuing (the register), never by the drafter.
ISSUE_FIELDS = {"code_number", "code_notation", "issued_date", "organ", "organ_name"}
NOT_ACCEPTED = (DeliveryStatus.QUEUED, DeliveryStatus.DELIVERED)
IN_HAND = (DeliveryStatus.ACCEPTED, DeliveryStatus.ASSIGNED, DeliveryStatus.IN_PROGRESS)


def _event(outgoing, *, actor, kind: str, text: str = "", **details) -> OutgoingEvent:
    return OutgoingEvent.objects.create(
        outgoing=outgoing,
        occurred_at=timezone.now(),
        actor=actor,
        kind=kind,
        text=text,
        details=details,
    )


def _member(actor: Person, agency_id: int) -> None:
    if actor is None or actor.agency_id != agency_id or not actor.is_active:
        raise PermissionDenied("Bạn không thuộc cơ quan ban hành văn bản này.")


def _locked(outgoing: OutgoingDocument) -> OutgoingDocument:
    return (
        # of=self: FOR UPDATE must not lock the joined agency row (audit rows reference it).
        OutgoingDocument.objects.select_for_update(of=("self",))
        .select_related("document", "agency")
        .get(pk=outgoing.pk)
    )


def _refuse_if_frozen(outgoing: OutgoingDocument) -> None:
    if outgoing.state == OutgoingState.ISSUED:
        raise Conflict("Văn bản đã phát hành, không thể sửa.", code="already_issued")
    if outgoing.state == OutgoingState.RECALLED:
        raise Conflict("Văn bản đã bị thu hồi, không thể sửa.", code="recalled")


def settings_for(agency: Agency) -> OutgoingSettings:
    found = OutgoingSettings.objects.filter(agency=agency).first()
    return found or OutgoingSettings(agency=agency)


def outgoing_settings_update(
    *, actor: Person, agency: Agency, series_per_type: bool, separate_confidential: bool
) -> OutgoingSettings:
    """Cấu hình sổ văn bản đi: per-type series, separate confidential series."""
    if not (actor.is_superuser or (actor.agency_id == agency.pk and actor.has_role(Role.ADMIN))):
        raise PermissionDenied("Chỉ quản trị cơ quan được cấu hình sổ văn bản đi.")
    with transaction.atomic():
        found, _created = OutgoingSettings.objects.update_or_create(
            agency=agency,
            defaults={
                "series_per_type": series_per_type,
                "separate_confidential": separate_confidential,
            },
        )
        audit_record(
            actor=actor,
            action="outgoing.settings",
            obj=found,
            agency_id=agency.pk,
            details={"series_per_type": series_per_type, "separate": separate_confidential},
        )
    return found


# --- metadata and recipients -----------------------------------------------------------------


def _clean_draft_metadata(data: dict) -> dict:
    data = {k: v for k, v in data.items() if k not in ISSUE_FIELDS}
    cleaned = clean_metadata(data)
    due = cleaned.get("due_date")
    if due is not None and due < timezone.localdate():
        raise ValidationFailed(
            "Hạn giải quyết đã qua.", errors={"due_date": ["Hạn giải quyết phải từ hôm nay."]}
        )
    return cleaned


def _person(value, agency_id: int, *, field: str, label: str) -> Person | None:
    if value in (None, ""):
        return None
    person = value if isinstance(value, Person) else Person.objects.filter(pk=value).first()
    if person is None or person.agency_id != agency_id or not person.is_active:
        raise ValidationFailed(f"{label} không hợp lệ.", errors={field: [f"{label} không hợp lệ."]})
    return person


def _signer(value, agency_id: int) -> Person | None:
    signer = _person(value, agency_id, field="signer", label="Người ký")
    if signer is not None and not signer.has_role(Role.LEADER):
        raise ValidationFailed(
            "Người ký phải là lãnh đạo của cơ quan.",
            errors={"signer": ["Người ký phải là lãnh đạo của cơ quan."]},
        )
    return signer


def _department(value, agency_id: int) -> Department | None:
    if value in (None, ""):
        return None
    dept = value if isinstance(value, Department) else Department.objects.filter(pk=value).first()
    if dept is None or dept.agency_id != agency_id:
        raise ValidationFailed(
            "Đơn vị soạn thảo không hợp lệ.",
            errors={"drafting_department": ["Không thuộc cơ quan."]},
        )
    return dept


def _default_medium(document: Document) -> str:
    if document.is_confidential:
        return Medium.PAPER
    if document.document_type_id and document.document_type.requires_paper:
        return Medium.ELECTRONIC_PAPER
    return Medium.ELECTRONIC


def _clean_recipients(items: list[dict], *, agency: Agency, document: Document) -> list[Recipient]:
    """Nơi nhận: agencies (or recipient groups), departments and people of the agency, free
    text for paper. The medium follows the rules: confidential → paper only; a kind the
    province lists as needing paper → electronic and paper."""
    errors: dict[str, list[str]] = {}
    lines: list[Recipient] = []
    seen: set[int] = set()
    default = _default_medium(document)
    needs_paper = bool(document.document_type_id and document.document_type.requires_paper)

    def add_agency(target: Agency, medium: str, key: str) -> None:
        if target.pk in seen:
            return
        if target.pk == agency.pk:
            errors.setdefault(key, []).append(
                "Không gửi cho chính cơ quan ban hành; hãy chọn đơn vị hoặc cá nhân trong cơ quan."
            )
            return
        if not target.is_active:
            errors.setdefault(key, []).append(f"{target.name} đã ngừng hoạt động.")
            return
        seen.add(target.pk)
        lines.append(
            Recipient(
                kind=RecipientKind.AGENCY if target.on_installation else RecipientKind.EXTERNAL,
                agency=target,
                name=target.name[:300],
                medium=medium,
            )
        )

    for index, item in enumerate(items or []):
        key = f"recipients.{index}"
        medium = item.get("medium") or default
        if medium not in Medium.values:
            errors.setdefault(key, []).append("Hình thức gửi không hợp lệ.")
            continue
        if document.is_confidential and medium != Medium.PAPER:
            errors.setdefault(key, []).append(
                "Văn bản mật không được gửi điện tử; chỉ phát hành bản giấy."
            )
            continue
        if needs_paper and medium == Medium.ELECTRONIC:
            medium = Medium.ELECTRONIC_PAPER
        if item.get("group"):
            group = RecipientGroup.objects.filter(pk=item["group"]).first()
            if group is None or group.owner_id not in (None, agency.pk):
                errors.setdefault(key, []).append("Nhóm nơi nhận không tồn tại.")
                continue
            for member in group.members.all().order_by("search_text"):
                add_agency(member, medium, key)
        elif item.get("agency"):
            target = item["agency"]
            if not isinstance(target, Agency):
                target = Agency.objects.filter(pk=target).first()
            if target is None:
                errors.setdefault(key, []).append("Cơ quan nhận không tồn tại.")
                continue
            add_agency(target, medium, key)
        elif item.get("department"):
            dept = Department.objects.filter(pk=item["department"], agency=agency).first()
            if dept is None:
                errors.setdefault(key, []).append("Đơn vị không thuộc cơ quan.")
                continue
            lines.append(
                Recipient(
                    kind=RecipientKind.DEPARTMENT, department=dept, name=dept.name, medium=medium
                )
            )
        elif item.get("person"):
            person = Person.objects.filter(pk=item["person"], agency=agency).first()
            if person is None:
                errors.setdefault(key, []).append("Cán bộ không thuộc cơ quan.")
                continue
            lines.append(
                Recipient(
                    kind=RecipientKind.PERSON, person=person, name=person.full_name, medium=medium
                )
            )
        elif (item.get("name") or "").strip():
            name = item["name"].strip()
            if len(name) > 300:
                errors.setdefault(key, []).append("Tối đa 300 ký tự.")
                continue
            lines.append(Recipient(kind=RecipientKind.PAPER, name=name, medium=Medium.PAPER))
        else:
            errors.setdefault(key, []).append("Chưa chọn nơi nhận.")
    if errors:
        raise ValidationFailed("Nơi nhận chưa hợp lệ.", errors=errors)
    return lines


def _save_recipients(outgoing: OutgoingDocument, lines: list[Recipient]) -> None:
    outgoing.recipients.all().delete()
    for position, line in enumerate(lines):
        line.outgoing = outgoing
        line.position = position
    Recipient.objects.bulk_create(lines)
    outgoing.document.to_places = [line.name for line in lines]
    outgoing.document.save(update_fields=["to_places", "updated_at"])


# --- files and versions ------------------------------------------------------------------------


@dataclass
class _Prepared:
    staged: list  # [(Upload, StagedFile)] in storing order
    kinds: list[str]
    conversion: str


def _prepare_files(uploads: list[Upload]) -> _Prepared:
    """Stage every file (outside the transaction), then convert a DOCX main file to PDF; the
    DOCX stays as the version's source file."""
    uploads = list(uploads or [])
    mains = [u for u in uploads if u.role == "main"]
    if len(mains) != 1:
        raise ValidationFailed(
            "Mỗi phiên bản phải có đúng một tệp văn bản chính.",
            errors={"files": ["Tệp đầu tiên là văn bản chính; các tệp sau là phụ lục."]},
        )
    staged = stage_uploads(uploads)
    kinds = [
        VersionFileKind.MAIN if u.role == "main" else VersionFileKind.APPENDIX for u in uploads
    ]
    state = ConversionState.NONE
    try:
        main_index = kinds.index(VersionFileKind.MAIN)
        main_upload, main_staged = staged[main_index]
        if main_staged.content_type in conversion.CONVERTIBLE:
            pdf = conversion.to_pdf(main_staged.path)
            if pdf is None:
                state = (
                    ConversionState.UNAVAILABLE
                    if conversion.libreoffice() is None
                    else ConversionState.FAILED
                )
            else:
                try:
                    stem = main_upload.name.rsplit(".", 1)[0] or "van-ban"
                    with open(pdf, "rb") as handle:
                        pdf_upload = Upload(handle, f"{stem}.pdf", "main")
                        pdf_staged = storage.stage(handle, original_name=pdf_upload.name)
                finally:
                    shutil.rmtree(pdf.parent, ignore_errors=True)
                staged.insert(main_index, (pdf_upload, pdf_staged))
                kinds.insert(main_index, VersionFileKind.MAIN)
                kinds[main_index + 1] = VersionFileKind.SOURCE
                # The DOCX is kept as an appendix-role attachment of the document, marked source.
                staged[main_index + 1] = (
                    Upload(main_upload.stream, main_upload.name, "appendix"),
                    staged[main_index + 1][1],
                )
                state = ConversionState.CONVERTED
    except BaseException:
        for _, item in staged:
            item.discard()
        raise
    return _Prepared(staged, kinds, state)


def _store_version(outgoing, prepared: _Prepared, *, actor, note: str) -> DraftVersion:
    number = (outgoing.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    version = DraftVersion.objects.create(
        outgoing=outgoing,
        number=number,
        created_by=actor,
        note=(note or "")[:1000],
        conversion=prepared.conversion,
    )
    attachments = attach_staged(document=outgoing.document, staged=prepared.staged, actor=actor)
    VersionFile.objects.bulk_create(
        VersionFile(version=version, attachment=a, kind=k, position=i)
        for i, (a, k) in enumerate(zip(attachments, prepared.kinds, strict=True))
    )
    main = next(a for a, k in zip(attachments, prepared.kinds, strict=True) if k == "main")
    if main.page_count:
        outgoing.document.page_amount = main.page_count
        outgoing.document.save(update_fields=["page_amount", "updated_at"])
    return version


def current_version(outgoing: OutgoingDocument) -> DraftVersion | None:
    return outgoing.versions.order_by("-number").first()


def version_files(version: DraftVersion | None, *, for_delivery: bool = False):
    if version is None:
        return []
    files = version.files.select_related("attachment__blob")
    if for_delivery:
        files = files.exclude(kind=VersionFileKind.SOURCE)
    return list(files)


# --- drafting ------------------------------------------------------------------------------------


def outgoing_create(
    *,
    actor: Person,
    metadata: dict,
    recipients: list[dict] | None = None,
    signer=None,
    drafting_department=None,
    uploads: list[Upload] | None = None,
    note: str = "",
    copies: int = 1,
    file_keeper: str = "",
    related_to: OutgoingDocument | None = None,
    business_type: str = BusinessType.NEW,
) -> OutgoingDocument:
    """Soạn thảo: a draft with its metadata, recipients, signer and (optionally) version 1."""
    if actor.agency_id is None:
        raise PermissionDenied("Bạn chưa thuộc cơ quan nào.")
    agency = actor.agency
    cleaned = _clean_draft_metadata(metadata)
    signer = _signer(signer, agency.pk)
    department = _department(drafting_department, agency.pk) or actor.department
    if business_type not in BusinessType.values:
        raise ValidationFailed("Loại nghiệp vụ không hợp lệ.")
    if (related_to is None) != (business_type == BusinessType.NEW):
        raise ValidationFailed(
            "Văn bản cập nhật hoặc thay thế phải chỉ rõ văn bản đã phát hành trước đó.",
            errors={"related_to": ["Bắt buộc với văn bản cập nhật/thay thế."]},
        )
    if related_to is not None and (
        related_to.agency_id != agency.pk or related_to.state != OutgoingState.ISSUED
    ):
        raise ValidationFailed(
            "Chỉ cập nhật hoặc thay thế được văn bản đã phát hành của cơ quan.",
            errors={"related_to": ["Văn bản không hợp lệ."]},
        )
    if not 1 <= int(copies or 1) <= 999:
        raise ValidationFailed("Số lượng bản phải từ 1 đến 999.", errors={"copies": ["1-999"]})
    prepared = _prepare_files(uploads) if uploads else None
    try:
        with storage.files_written_until_commit(), transaction.atomic():
            document = Document.objects.create(
                agency=agency, organ=agency, organ_name=agency.name, **cleaned
            )
            outgoing = OutgoingDocument.objects.create(
                document=document,
                agency=agency,
                drafting_department=department,
                created_by=actor,
                signer=signer,
                copies=int(copies or 1),
                file_keeper=(file_keeper or "")[:200],
                related_to=related_to,
                business_type=business_type,
                urgency_rank=URGENCY_RANK[document.urgency],
            )
            if recipients:
                _save_recipients(
                    outgoing, _clean_recipients(recipients, agency=agency, document=document)
                )
            _event(outgoing, actor=actor, kind="created")
            if prepared is not None:
                version = _store_version(outgoing, prepared, actor=actor, note=note)
                _event(outgoing, actor=actor, kind="version", version=version.number)
            audit_record(actor=actor, action="outgoing.create", obj=outgoing)
    except BaseException:
        if prepared is not None:
            for _, item in prepared.staged:
                item.discard()
        raise
    return outgoing


def outgoing_update(
    *,
    actor: Person,
    outgoing: OutgoingDocument,
    metadata: dict | None = None,
    recipients: list[dict] | None = None,
    signer=...,
    drafting_department=...,
    copies: int | None = None,
    file_keeper: str | None = None,
) -> OutgoingDocument:
    """Sửa dự thảo: only the drafter, only while it is a draft (not during review)."""
    with transaction.atomic():
        outgoing = _locked(outgoing)
        _member(actor, outgoing.agency_id)
        _refuse_if_frozen(outgoing)
        if outgoing.created_by_id != actor.pk:
            raise PermissionDenied("Chỉ người soạn thảo được sửa dự thảo.")
        if outgoing.state != OutgoingState.DRAFT:
            raise Conflict("Dự thảo đang trình duyệt; chỉ sửa được khi bị trả lại.")
        document = outgoing.document
        changed: list[str] = []
        if metadata is not None:
            current = {
                "document_type": document.document_type,
                "type_name": document.type_name,
                "subject": document.subject,
                "urgency": document.urgency,
                "urgency_deadline": document.urgency_deadline,
                "confidentiality": document.confidentiality,
                "due_date": document.due_date,
                "description": document.description,
            }
            cleaned = _clean_draft_metadata({**current, **metadata})
            for key, value in cleaned.items():
                setattr(document, key, value)
            document.save()
            outgoing.urgency_rank = URGENCY_RANK[document.urgency]
            changed.append("metadata")
        if signer is not ...:
            outgoing.signer = _signer(signer, outgoing.agency_id)
            changed.append("signer")
        if drafting_department is not ...:
            outgoing.drafting_department = _department(drafting_department, outgoing.agency_id)
            changed.append("drafting_department")
        if copies is not None:
            if not 1 <= int(copies) <= 999:
                raise ValidationFailed("Số lượng bản phải từ 1 đến 999.")
            outgoing.copies = int(copies)
        if file_keeper is not None:
            outgoing.file_keeper = file_keeper[:200]
        outgoing.save()
        if recipients is not None:
            _save_recipients(
                outgoing, _clean_recipients(recipients, agency=outgoing.agency, document=document)
            )
            changed.append("recipients")
        elif metadata is not None:
            # Confidentiality may have changed: the recipients' media must still be allowed.
            _check_media(outgoing)
        _event(outgoing, actor=actor, kind="updated", changed=changed)
        audit_record(
            actor=actor, action="outgoing.update", obj=outgoing, details={"changed": changed}
        )
    return outgoing


def _check_media(outgoing: OutgoingDocument) -> None:
    if (
        outgoing.document.is_confidential
        and outgoing.recipients.exclude(medium=Medium.PAPER).exists()
    ):
        raise ValidationFailed(
            "Văn bản mật không được gửi điện tử; chỉ phát hành bản giấy.",
            code="confidential_electronic",
            errors={"recipients": ["Chọn hình thức «Bản giấy» cho mọi nơi nhận."]},
        )


def _pending_step(outgoing: OutgoingDocument) -> ReviewStep | None:
    return (
        outgoing.review_steps.select_for_update()
        .filter(state=StepState.PENDING)
        .order_by("-round", "position")
        .first()
    )


def outgoing_upload_version(
    *, actor: Person, outgoing: OutgoingDocument, uploads: list[Upload], note: str = ""
) -> DraftVersion:
    """A new version: by the drafter while a draft, or by the reviewer whose turn it is
    (sửa trực tiếp và tải lên bản đã sửa). Earlier versions stay."""
    _member(actor, outgoing.agency_id)
    prepared = _prepare_files(uploads)
    try:
        with storage.files_written_until_commit(), transaction.atomic():
            outgoing = _locked(outgoing)
            _refuse_if_frozen(outgoing)
            kind = "version"
            if outgoing.state == OutgoingState.DRAFT:
                if outgoing.created_by_id != actor.pk:
                    raise PermissionDenied("Chỉ người soạn thảo được tải lên phiên bản mới.")
            elif outgoing.state == OutgoingState.IN_REVIEW:
                step = _pending_step(outgoing)
                if step is None or step.reviewer_id != actor.pk:
                    raise PermissionDenied("Chưa đến lượt bạn duyệt dự thảo này.")
                kind = "corrected"
            else:
                raise Conflict("Dự thảo đã được duyệt; không tải lên phiên bản mới được.")
            version = _store_version(outgoing, prepared, actor=actor, note=note)
            _event(outgoing, actor=actor, kind=kind, text=note, version=version.number)
            audit_record(
                actor=actor,
                action="outgoing.version",
                obj=outgoing,
                details={"version": version.number, "conversion": version.conversion},
            )
    except BaseException:
        for _, item in prepared.staged:
            item.discard()
        raise
    return version


def outgoing_comment(
    *, actor: Person, outgoing: OutgoingDocument, text: str, version: DraftVersion | None = None
) -> Comment:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Nội dung ý kiến là bắt buộc.", errors={"text": ["Bắt buộc."]})
    if len(text) > 4000:
        raise ValidationFailed("Ý kiến quá dài.", errors={"text": ["Tối đa 4000 ký tự."]})
    _member(actor, outgoing.agency_id)
    with transaction.atomic():
        comment = Comment.objects.create(
            outgoing=outgoing, author=actor, text=text, version=version
        )
        _event(outgoing, actor=actor, kind="comment", text=text)
        audit_record(actor=actor, action="outgoing.comment", obj=outgoing)
    return comment


# --- approval chain --------------------------------------------------------------------------


def default_chain(outgoing: OutgoingDocument) -> list[Person]:
    """Luồng duyệt mặc định: the drafting department's head, the office's leader, the signer."""
    leaders = list(
        Person.objects.filter(agency_id=outgoing.agency_id, is_active=True, roles__role=Role.LEADER)
        .select_related("department", "position")
        .order_by("position__rank", "id")
        .distinct()
    )
    chain: list[Person] = []
    if outgoing.drafting_department_id:
        head = next(
            (
                p
                for p in leaders
                if p.department_id == outgoing.drafting_department_id
                and p.pk not in (outgoing.created_by_id, outgoing.signer_id)
            ),
            None,
        )
        if head:
            chain.append(head)
    office = next(
        (
            p
            for p in leaders
            if p.department_id
            and fold(p.department.name).startswith("van phong")
            and p.pk != outgoing.signer_id
            and p not in chain
            and p.pk != outgoing.created_by_id
        ),
        None,
    )
    if office:
        chain.append(office)
    if outgoing.signer is not None:
        chain.append(outgoing.signer)
    return chain


def outgoing_submit(
    *, actor: Person, outgoing: OutgoingDocument, chain: list | None = None, note: str = ""
) -> OutgoingDocument:
    """Trình duyệt along a chain chosen now (default: department head, office leader, signer).
    The signer is always the last step."""
    with transaction.atomic():
        outgoing = _locked(outgoing)
        _member(actor, outgoing.agency_id)
        _refuse_if_frozen(outgoing)
        if outgoing.created_by_id != actor.pk:
            raise PermissionDenied("Chỉ người soạn thảo được trình dự thảo.")
        if outgoing.state != OutgoingState.DRAFT:
            raise Conflict("Dự thảo đã được trình.")
        errors: dict[str, list[str]] = {}
        if outgoing.signer_id is None:
            errors["signer"] = ["Chưa chọn người ký."]
        if not any(
            f.kind == VersionFileKind.MAIN for f in version_files(current_version(outgoing))
        ):
            errors["files"] = ["Chưa có tệp văn bản chính."]
        if errors:
            raise ValidationFailed("Chưa trình được dự thảo.", errors=errors)
        if chain is None:
            people = default_chain(outgoing)
        else:
            people = []
            for index, value in enumerate(chain):
                person = _person(
                    value, outgoing.agency_id, field=f"chain.{index}", label="Người duyệt"
                )
                if person is None or not person.has_role(Role.LEADER):
                    raise ValidationFailed(
                        "Người duyệt phải là lãnh đạo của cơ quan.",
                        errors={f"chain.{index}": ["Người duyệt phải là lãnh đạo."]},
                    )
                people.append(person)
        # Each person once, the signer last.
        unique: list[Person] = []
        for person in people:
            if person.pk != outgoing.signer_id and all(p.pk != person.pk for p in unique):
                unique.append(person)
        unique.append(outgoing.signer)
        round_ = (outgoing.review_steps.aggregate(m=Max("round"))["m"] or 0) + 1
        version = current_version(outgoing)
        steps = [
            ReviewStep(
                outgoing=outgoing,
                round=round_,
                position=i + 1,
                reviewer=person,
                label="Người ký" if person.pk == outgoing.signer_id else _label_of(person),
                state=StepState.PENDING if i == 0 else StepState.WAITING,
                version=version if i == 0 else None,
            )
            for i, person in enumerate(unique)
        ]
        ReviewStep.objects.bulk_create(steps)
        outgoing.state = OutgoingState.IN_REVIEW
        outgoing.save(update_fields=["state", "updated_at"])
        chain_names = [f"{s.reviewer.full_name} ({s.label})" for s in steps]
        _event(outgoing, actor=actor, kind="submitted", text=note, chain=chain_names, round=round_)
        audit_record(
            actor=actor,
            action="outgoing.submit",
            obj=outgoing,
            details={"chain": [p.pk for p in unique], "round": round_},
        )
    return outgoing


def _label_of(person: Person) -> str:
    parts = [person.position.name if person.position_id else "Lãnh đạo"]
    if person.department_id:
        parts.append(person.department.name)
    return " – ".join(parts)[:100]


def outgoing_approve(*, actor: Person, outgoing: OutgoingDocument, comment: str = "") -> ReviewStep:
    """Duyệt: the reviewer whose turn it is approves; the next one's turn comes, or, after the
    signer, the draft is approved and waits for the signature."""
    with transaction.atomic():
        outgoing = _locked(outgoing)
        _member(actor, outgoing.agency_id)
        _refuse_if_frozen(outgoing)
        if outgoing.state != OutgoingState.IN_REVIEW:
            raise Conflict("Dự thảo không ở trạng thái chờ duyệt.")
        step = _pending_step(outgoing)
        if step is None or step.reviewer_id != actor.pk:
            raise PermissionDenied("Chưa đến lượt bạn duyệt dự thảo này.")
        now = timezone.now()
        step.state = StepState.APPROVED
        step.comment = (comment or "").strip()
        step.decided_at = now
        step.version = current_version(outgoing)
        step.save(update_fields=["state", "comment", "decided_at", "version"])
        following = (
            outgoing.review_steps.filter(round=step.round, state=StepState.WAITING)
            .order_by("position")
            .first()
        )
        if following is not None:
            following.state = StepState.PENDING
            following.save(update_fields=["state"])
        else:
            outgoing.state = OutgoingState.APPROVED
            outgoing.save(update_fields=["state", "updated_at"])
        _event(
            outgoing,
            actor=actor,
            kind="approved",
            text=step.comment,
            step=step.position,
            version=step.version.number if step.version else None,
        )
        audit_record(
            actor=actor, action="outgoing.approve", obj=outgoing, details={"step": step.pk}
        )
    return step


def outgoing_return(*, actor: Person, outgoing: OutgoingDocument, comment: str) -> ReviewStep:
    """Trả lại with comments: the draft goes back to its drafter; the rest of the chain lapses."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(
            "Phải nêu ý kiến khi trả lại.", errors={"comment": ["Ý kiến là bắt buộc."]}
        )
    with transaction.atomic():
        outgoing = _locked(outgoing)
        _member(actor, outgoing.agency_id)
        _refuse_if_frozen(outgoing)
        if outgoing.state != OutgoingState.IN_REVIEW:
            raise Conflict("Dự thảo không ở trạng thái chờ duyệt.")
        step = _pending_step(outgoing)
        if step is None or step.reviewer_id != actor.pk:
            raise PermissionDenied("Chưa đến lượt bạn duyệt dự thảo này.")
        step.state = StepState.RETURNED
        step.comment = comment
        step.decided_at = timezone.now()
        step.version = current_version(outgoing)
        step.save(update_fields=["state", "comment", "decided_at", "version"])
        outgoing.review_steps.filter(round=step.round, state=StepState.WAITING).update(
            state=StepState.CANCELLED
        )
        outgoing.state = OutgoingState.DRAFT
        outgoing.save(update_fields=["state", "updated_at"])
        Comment.objects.create(outgoing=outgoing, author=actor, text=comment, version=step.version)
        _event(outgoing, actor=actor, kind="returned", text=comment, step=step.position)
        audit_record(
            actor=actor, action="outgoing.return", obj=outgoing, details={"comment": comment}
        )
    return step


def outgoing_sign(
    *, actor: Person, outgoing: OutgoingDocument, method: str = "approval"
) -> OutgoingDocument:
    """Ký: the signing step (who, when, which version). `approval` records the signer's
    decision alone; qlvb.signing calls it with `server_key`/`external` after it has stored
    the digitally signed PDF as the current version."""
    with transaction.atomic():
        outgoing = _locked(outgoing)
        _member(actor, outgoing.agency_id)
        _refuse_if_frozen(outgoing)
        if outgoing.state != OutgoingState.APPROVED:
            raise Conflict("Dự thảo chưa được duyệt xong, chưa ký được.")
        if outgoing.signer_id != actor.pk:
            raise PermissionDenied("Chỉ người ký được chọn mới ký được văn bản này.")
        now = timezone.now()
        outgoing.state = OutgoingState.SIGNED
        outgoing.signed_by = actor
        outgoing.signed_at = now
        outgoing.save(update_fields=["state", "signed_by", "signed_at", "updated_at"])
        document = outgoing.document
        document.signer_full_name = actor.full_name[:50]
        document.signer_position = (actor.position.name if actor.position_id else "")[:100]
        document.save(update_fields=["signer_full_name", "signer_position", "updated_at"])
        version = current_version(outgoing)
        _event(
            outgoing,
            actor=actor,
            kind="signed",
            version=version.number if version else None,
            method=method,
        )
        audit_record(
            actor=actor,
            action="outgoing.sign",
            obj=outgoing,
            details={"version": version.number if version else None},
        )
    return outgoing


# --- issuing -----------------------------------------------------------------------------------


def notation_for(outgoing: OutgoingDocument) -> str:
    """Ký hiệu (ND30 Phụ lục I II.3): `QĐ-UBND`; for a Công văn, `UBND-KGVX` (issuer and
    drafting unit)."""
    agency = outgoing.agency
    issuer = agency.short_name or agency.code
    document = outgoing.document
    abbreviation = document.document_type.abbreviation if document.document_type_id else ""
    if abbreviation:
        return f"{abbreviation}-{issuer}"[:30]
    unit = outgoing.drafting_department.short_name if outgoing.drafting_department_id else ""
    return (f"{issuer}-{unit}" if unit else issuer)[:30]


def _book_for(outgoing: OutgoingDocument, year: int):
    config = settings_for(outgoing.agency)
    document = outgoing.document
    confidential = document.is_confidential and config.separate_confidential
    kind = RegisterKind.OUTGOING_CONFIDENTIAL if confidential else RegisterKind.OUTGOING
    series = ""
    if config.series_per_type and document.document_type_id:
        series = f"type-{document.document_type_id}"
    return register_book_for(agency=outgoing.agency, year=year, kind=kind, series=series)


def outgoing_issue(*, actor: Person, outgoing: OutgoingDocument) -> OutgoingDocument:
    """Phát hành: number and notation from the outgoing register of the year, the issue date,
    and, in the same transaction, one delivery per recipient agency (enqueued on commit)."""
    with transaction.atomic():
        outgoing = _locked(outgoing)
        if actor.agency_id != outgoing.agency_id or not actor.has_role(Role.CLERK):
            raise PermissionDenied("Chỉ văn thư của cơ quan được phát hành văn bản.")
        if outgoing.state == OutgoingState.ISSUED:
            raise Conflict(
                "Văn bản đã được phát hành (số "
                f"{outgoing.document.number_and_notation}), không phát hành lần nữa.",
                code="already_issued",
            )
        if outgoing.state == OutgoingState.RECALLED:
            raise Conflict("Văn bản đã bị thu hồi.", code="recalled")
        if outgoing.state != OutgoingState.SIGNED:
            raise Conflict(
                "Văn bản chưa được duyệt và ký, chưa phát hành được.", code="not_approved"
            )
        files = version_files(current_version(outgoing), for_delivery=True)
        if not any(f.kind == VersionFileKind.MAIN for f in files):
            raise ValidationFailed(
                "Văn bản chưa có tệp văn bản chính, chưa phát hành được.",
                code="no_main_file",
                errors={"files": ["Chưa có tệp văn bản chính."]},
            )
        recipients = list(outgoing.recipients.select_related("agency"))
        if not recipients:
            raise ValidationFailed(
                "Văn bản chưa có nơi nhận.", errors={"recipients": ["Chưa có nơi nhận."]}
            )
        inactive = [r.agency.name for r in recipients if r.agency_id and not r.agency.is_active]
        if inactive:
            raise ValidationFailed(
                "Không phát hành được: cơ quan nhận đã ngừng hoạt động: "
                + ", ".join(inactive)
                + ".",
                code="inactive_recipient",
                errors={"recipients": [f"{name} đã ngừng hoạt động." for name in inactive]},
            )
        _check_media(outgoing)
        now = timezone.now()
        today = timezone.localtime(now).date()
        book = _book_for(outgoing, today.year)
        number = take_number(book=book)
        document = outgoing.document
        document.code_number = f"{number:02d}"
        document.code_notation = notation_for(outgoing)
        document.issued_date = today
        document.organ = outgoing.agency
        document.organ_name = outgoing.agency.name
        document.save()
        outgoing.register_book = book
        outgoing.number = number
        outgoing.issued_at = now
        outgoing.issued_by = actor
        outgoing.state = OutgoingState.ISSUED
        outgoing.save()
        sealed = _apply_agency_seal(actor=actor, outgoing=outgoing)
        deliveries = _create_deliveries(outgoing, recipients, now=now)
        signals.deliveries_created.send(
            sender=OutgoingDocument, outgoing=outgoing, deliveries=deliveries
        )
        _event(
            outgoing,
            actor=actor,
            kind="issued",
            text=document.number_and_notation,
            deliveries=len(deliveries),
            sealed=sealed,
        )
        audit_record(
            actor=actor,
            action="outgoing.issue",
            obj=outgoing,
            details={
                "number": document.number_and_notation,
                "book": book.pk,
                "deliveries": len(deliveries),
            },
        )
        enqueue_many(d for d in deliveries if d.state == DeliveryWorkState.PENDING)
    return outgoing


def _apply_agency_seal(*, actor: Person, outgoing: OutgoingDocument) -> bool:
    """The agency's digital signature (seal) once number and date are set; nothing when the
    agency has no credential configured (qlvb.signing)."""
    from qlvb.signing.services import seal_at_issue

    return seal_at_issue(actor=actor, outgoing=outgoing)


def _create_deliveries(outgoing, recipients: list[Recipient], *, now) -> list[Delivery]:
    rank = outgoing.urgency_rank
    # Earlier next_attempt_at sorts first in every sweep: hỏa tốc before khẩn before thường.
    first_at = now - dt.timedelta(minutes=rank)
    rows = []
    for line in recipients:
        if line.agency_id is None or line.medium == Medium.PAPER:
            continue
        on_installation = line.agency.on_installation
        rows.append(
            Delivery(
                agency_id=outgoing.agency_id,
                outgoing=outgoing,
                recipient=line,
                recipient_agency_id=line.agency_id,
                urgency_rank=rank,
                next_attempt_at=first_at,
                created_at=now,
                state=DeliveryWorkState.PENDING
                if on_installation
                else DeliveryWorkState.WAITING_EXCHANGE,
                status=DeliveryStatus.QUEUED
                if on_installation
                else DeliveryStatus.WAITING_EXCHANGE,
                due_date=outgoing.document.due_date,
            )
        )
    Delivery.objects.bulk_create(rows)
    if rows and rows[0].pk is None:  # backends that do not return keys from bulk inserts
        rows = list(Delivery.objects.filter(outgoing=outgoing))
    return rows


# --- recall, reminders ---------------------------------------------------------------------------


def outgoing_recall(*, actor: Person, outgoing: OutgoingDocument, reason: str) -> OutgoingDocument:
    """Thu hồi: the document is frozen; recipients that have not accepted it lose it at once,
    those that have receive a recall order and answer it (15 agree / 16 refuse)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Phải nêu lý do thu hồi.", errors={"reason": ["Bắt buộc."]})
    if len(reason) > 1000:
        raise ValidationFailed("Lý do thu hồi quá dài.", errors={"reason": ["Tối đa 1000 ký tự."]})
    with transaction.atomic():
        outgoing = _locked(outgoing)
        if actor.agency_id != outgoing.agency_id or not (
            actor.has_role(Role.CLERK) or actor.has_role(Role.LEADER)
        ):
            raise PermissionDenied("Chỉ văn thư hoặc lãnh đạo cơ quan được thu hồi văn bản.")
        if outgoing.state == OutgoingState.RECALLED:
            raise Conflict("Văn bản đã bị thu hồi trước đó.", code="recalled")
        if outgoing.state != OutgoingState.ISSUED:
            raise Conflict("Chỉ thu hồi được văn bản đã phát hành.")
        now = timezone.now()
        outgoing.state = OutgoingState.RECALLED
        outgoing.recalled_at = now
        outgoing.recalled_by = actor
        outgoing.recall_reason = reason
        outgoing.save()
        counts = {"withdrawn": 0, "requested": 0, "none": 0}
        # Locked: the delivery job's status update waits for this decision (see tasks.py).
        for delivery in Delivery.objects.select_for_update().filter(outgoing=outgoing):
            if delivery.incoming_id is None:
                delivery.status = DeliveryStatus.WITHDRAWN
                delivery.withdrawn_at = now
                if delivery.state in (
                    DeliveryWorkState.PENDING,
                    DeliveryWorkState.WAITING_EXCHANGE,
                ):
                    delivery.state = DeliveryWorkState.DONE
                    delivery.finished_at = now
                delivery.save(update_fields=["status", "withdrawn_at", "state", "finished_at"])
                counts["withdrawn"] += 1
                continue
            outcome = incoming_services.incoming_recall(
                incoming=delivery.incoming, reason=reason, actor=actor
            )
            counts[outcome] += 1
            if outcome == "withdrawn":
                delivery.status = DeliveryStatus.WITHDRAWN
                delivery.withdrawn_at = now
            elif outcome == "requested":
                delivery.status = DeliveryStatus.RECALL_REQUESTED
            delivery.status_changed_at = now
            delivery.save(update_fields=["status", "withdrawn_at", "status_changed_at"])
        signals.recalled.send(
            sender=OutgoingDocument, outgoing=outgoing, reason=reason, actor=actor
        )
        _event(outgoing, actor=actor, kind="recalled", text=reason, **counts)
        audit_record(
            actor=actor,
            action="outgoing.recall",
            obj=outgoing,
            details={"reason": reason, **counts},
        )
    return outgoing


def late_deliveries(outgoing: OutgoingDocument, *, today: dt.date | None = None):
    """Recipients past the deadline fixed on issue that have not finished."""
    today = today or timezone.localdate()
    return Delivery.objects.filter(
        outgoing=outgoing,
        due_date__lt=today,
        status__in=[*NOT_ACCEPTED, *IN_HAND],
    )


def outgoing_remind(*, actor: Person, outgoing: OutgoingDocument, text: str = "") -> list[Reminder]:
    """Nhắc nhở, in one action, every recipient that has not accepted, or has not finished by
    the deadline fixed on issue. The reminder lands on the recipient's timeline."""
    with transaction.atomic():
        outgoing = _locked(outgoing)
        if actor.agency_id != outgoing.agency_id or not (
            actor.has_role(Role.CLERK)
            or actor.has_role(Role.LEADER)
            or actor.has_role(Role.TRACKING)
            or actor.pk == outgoing.created_by_id
        ):
            raise PermissionDenied("Bạn không được nhắc nhở nơi nhận của văn bản này.")
        if outgoing.state != OutgoingState.ISSUED:
            raise Conflict("Chỉ nhắc nhở được với văn bản đang phát hành.")
        today = timezone.localdate()
        now = timezone.now()
        document = outgoing.document
        targets = []
        for delivery in (
            Delivery.objects.select_for_update(of=("self",))
            .filter(outgoing=outgoing, incoming__isnull=False)
            .select_related("incoming")
        ):
            if delivery.status == DeliveryStatus.DELIVERED:
                targets.append((delivery, ReminderReason.NOT_ACCEPTED))
            elif delivery.status in IN_HAND and delivery.due_date and delivery.due_date < today:
                targets.append((delivery, ReminderReason.NOT_DONE))
        if not targets:
            raise Conflict("Không có nơi nhận nào cần nhắc nhở.", code="nothing_to_remind")
        extra = (text or "").strip()[:500]
        reminders = []
        for delivery, reason in targets:
            if reason == ReminderReason.NOT_ACCEPTED:
                message = (
                    f"{outgoing.agency.name} nhắc tiếp nhận văn bản "
                    f"số {document.number_and_notation}."
                )
            else:
                message = (
                    f"{outgoing.agency.name} nhắc hoàn thành xử lý văn bản số "
                    f"{document.number_and_notation}, hạn {delivery.due_date:%d/%m/%Y}."
                )
            if extra:
                message = f"{message} {extra}"
            incoming_services.incoming_remind(incoming=delivery.incoming, text=message, actor=actor)
            reminders.append(
                Reminder(
                    outgoing=outgoing,
                    delivery=delivery,
                    reason=reason,
                    text=message,
                    created_by=actor,
                )
            )
            delivery.reminded_at = now
        Reminder.objects.bulk_create(reminders)
        Delivery.objects.bulk_update([d for d, _ in targets], ["reminded_at"])
        _event(outgoing, actor=actor, kind="reminded", text=extra, count=len(reminders))
        audit_record(
            actor=actor, action="outgoing.remind", obj=outgoing, details={"count": len(reminders)}
        )
    return reminders


def recall_answer(*, actor: Person, incoming_pk: int, agree: bool, text: str = ""):
    """The recipient's answer to a recall order (the incoming side records it and tells us)."""
    from qlvb.incoming.selectors import incoming_visible

    incoming = incoming_visible(viewer=actor).filter(pk=incoming_pk).first()
    if incoming is None:
        raise NotFound("Không tìm thấy văn bản đến.")
    return incoming_services.incoming_recall_answer(
        actor=actor, incoming=incoming, agree=agree, text=text
    )
