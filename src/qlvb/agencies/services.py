"""Every change to the agency directory, its departments, positions, people, roles and recipient
groups goes through here: one transaction, a permission check, an audit event.

Permission model (quyền quản trị danh bạ):
- the installation administrator (`Person.is_superuser`) may change anything;
- an agency administrator (role `admin` in their own agency) may change the contact fields of
  their own agency, its departments, positions, people and roles;
- `actor=None` is the system itself (management commands run by the operator, the demo loader).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from qlvb.agencies.models import (
    Agency,
    AgencyLevel,
    Department,
    Person,
    Position,
    RecipientGroup,
    Role,
    RoleAssignment,
    is_valid_agency_code,
)
from qlvb.audit.services import Entry, audit_record, audit_record_many
from qlvb.core.errors import NotFound, PermissionDenied, ValidationFailed

CSV_HEADER = [
    "code",
    "name",
    "short_name",
    "level",
    "parent_code",
    "organization_in_charge",
    "address",
    "email",
    "telephone",
    "fax",
    "website",
    "on_installation",
]
AGENCY_TEXT_FIELDS = [
    "name",
    "short_name",
    "organization_in_charge",
    "address",
    "email",
    "telephone",
    "fax",
    "website",
]
# What an agency administrator may change about their own agency.
AGENCY_CONTACT_FIELDS = {
    "organization_in_charge",
    "address",
    "email",
    "telephone",
    "fax",
    "website",
}
AGENCY_FIELDS = ["code", *AGENCY_TEXT_FIELDS, "level", "parent", "on_installation", "is_active"]
LEVEL_VALUES = {choice.value for choice in AgencyLevel}
FIELD_LABELS = {
    "code": "Mã định danh",
    "name": "Tên cơ quan",
    "short_name": "Tên viết tắt",
    "level": "Cấp",
    "parent": "Cơ quan cấp trên",
    "organization_in_charge": "Cơ quan chủ quản",
    "address": "Địa chỉ",
    "email": "Thư điện tử",
    "telephone": "Điện thoại",
    "fax": "Fax",
    "website": "Trang thông tin",
}


# --- permission helpers ----------------------------------------------------------------------


def is_installation_admin(actor) -> bool:
    """None is the system (CLI, demo loader); otherwise the installation's superuser."""
    return actor is None or bool(getattr(actor, "is_superuser", False))


def is_agency_admin(actor, agency_id: int | None) -> bool:
    if is_installation_admin(actor):
        return True
    if agency_id is None or not getattr(actor, "is_authenticated", False):
        return False
    return actor.agency_id == agency_id and actor.has_role(Role.ADMIN, agency_id)


def _require_installation_admin(actor) -> None:
    if not is_installation_admin(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống mới được thực hiện thao tác này.")


def _require_agency_admin(actor, agency: Agency) -> None:
    if not is_agency_admin(actor, agency.pk):
        raise PermissionDenied(
            f"Bạn không có quyền quản trị cơ quan {agency.name}.",
        )


# --- small value helpers -----------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _bool(value: Any, *, field_name: str, errors: dict) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in {"1", "true", "yes", "có", "co"}:
        return True
    if text in {"0", "false", "no", "không", "khong", ""}:
        return False
    errors.setdefault(field_name, []).append("Giá trị phải là 1 (có) hoặc 0 (không).")
    return False


def _max_length(model, field_name: str) -> int | None:
    return model._meta.get_field(field_name).max_length


def _check_length(model, field_name: str, value: str, errors: dict, label: str) -> None:
    limit = _max_length(model, field_name)
    if limit and len(value) > limit:
        errors.setdefault(field_name, []).append(
            f"{label} dài quá {limit} ký tự (hiện có {len(value)})."
        )


def _raise_if(errors: dict, message: str = "Dữ liệu không hợp lệ, chưa lưu thay đổi nào.") -> None:
    if errors:
        raise ValidationFailed(message, errors=errors)


def _resolve_agency(value, *, field_name: str, errors: dict) -> Agency | None:
    if value is None or value == "":
        return None
    if isinstance(value, Agency):
        return value
    code = _text(value)
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        errors.setdefault(field_name, []).append(f"Không tìm thấy cơ quan có mã định danh {code}.")
    return agency


def _diff(instance, values: dict) -> dict:
    """{field: [old, new]} for the fields whose value changes."""
    changed = {}
    for name, new in values.items():
        old = getattr(instance, name)
        if old != new:
            changed[name] = [_plain(old), _plain(new)]
    return changed


def _save_changes(*, actor, instance, values: dict, action: str, agency_id: int):
    """Set the changed values, save and audit them ({field: [old, new]}); nothing when nothing
    changes. The agency and department edits end the same way."""
    changed = _diff(instance, values)
    if not changed:
        return instance
    for name, value in values.items():
        setattr(instance, name, value)
    instance.save()
    audit_record(
        actor=actor, action=action, obj=instance, agency_id=agency_id, details={"changed": changed}
    )
    return instance


def _plain(value):
    if hasattr(value, "pk"):
        return getattr(value, "code", None) or value.pk
    return value


# --- agencies ------------------------------------------------------------------------------------


def _ancestor_creates_cycle(agency: Agency, parent: Agency | None) -> bool:
    """True when `parent` is `agency` itself or one of its descendants."""
    seen: set[int] = set()
    node = parent
    while node is not None:
        if node.pk == agency.pk:
            return True
        if node.pk in seen:  # an existing cycle in bad data: stop rather than loop forever
            return True
        seen.add(node.pk)
        node = node.parent
    return False


def _clean_agency(data: dict, *, instance: Agency | None) -> tuple[dict, dict]:
    """Return (values, errors) for the keys present in `data` (all required ones on create)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    creating = instance is None

    if "code" in data or creating:
        code = _text(data.get("code")).upper()
        if not code:
            errors["code"] = ["Mã định danh là bắt buộc."]
        elif not is_valid_agency_code(code):
            errors["code"] = [
                f"Mã định danh “{code}” không đúng định dạng 000.00.00.H15 "
                "(13 ký tự, theo Quyết định 20/2020/QĐ-TTg)."
            ]
        else:
            clash = Agency.objects.filter(code=code)
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors["code"] = [f"Mã định danh {code} đã được dùng cho cơ quan khác."]
            values["code"] = code

    if "name" in data or creating:
        name = _text(data.get("name"))
        if not name:
            errors.setdefault("name", []).append("Tên cơ quan là bắt buộc.")
        values["name"] = name

    for name in AGENCY_TEXT_FIELDS:
        if name == "name" or name not in data:
            continue
        values[name] = _text(data.get(name))

    for name in AGENCY_TEXT_FIELDS:
        if name in values:
            _check_length(Agency, name, values[name], errors, FIELD_LABELS[name])

    if values.get("email"):
        try:
            validate_email(values["email"])
        except DjangoValidationError:
            errors.setdefault("email", []).append("Địa chỉ thư điện tử không hợp lệ.")

    if "level" in data or creating:
        level = _text(data.get("level"))
        if level not in LEVEL_VALUES:
            errors["level"] = [
                f"Cấp “{level}” không hợp lệ; dùng một trong: {', '.join(sorted(LEVEL_VALUES))}."
            ]
        values["level"] = level

    if "parent" in data or "parent_code" in data:
        raw = data.get("parent", data.get("parent_code"))
        parent = _resolve_agency(raw, field_name="parent", errors=errors)
        if (
            parent is not None
            and instance is not None
            and _ancestor_creates_cycle(instance, parent)
        ):
            errors.setdefault("parent", []).append(
                f"Không thể đặt {parent.name} làm cơ quan cấp trên: "
                "một cơ quan không thể là cấp trên của chính nó (vòng lặp trong cây cơ quan)."
            )
        values["parent"] = parent

    for name in ("on_installation", "is_active"):
        if name in data:
            values[name] = _bool(data[name], field_name=name, errors=errors)

    unknown = set(data) - {*AGENCY_FIELDS, "parent_code"}
    if unknown:
        errors["__all__"] = [f"Trường không được hỗ trợ: {', '.join(sorted(unknown))}."]
    return values, errors


@transaction.atomic
def agency_create(*, actor, data: dict) -> Agency:
    """Thêm cơ quan vào danh bạ (quản trị hệ thống)."""
    _require_installation_admin(actor)
    values, errors = _clean_agency(data, instance=None)
    _raise_if(errors)
    agency = Agency(**values)
    agency.save()
    audit_record(
        actor=actor,
        action="agency.create",
        obj=agency,
        agency_id=agency.pk,
        details={"code": agency.code, "name": agency.name, "level": agency.level},
    )
    return agency


@transaction.atomic
def agency_update(*, actor, agency: Agency, data: dict) -> Agency:
    """Sửa thông tin cơ quan. An agency administrator may change only the contact fields of
    their own agency."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if not is_installation_admin(actor):
        if not is_agency_admin(actor, agency.pk):
            raise PermissionDenied(f"Bạn không có quyền sửa thông tin cơ quan {agency.name}.")
        forbidden = set(data) - AGENCY_CONTACT_FIELDS
        if forbidden:
            raise PermissionDenied(
                "Quản trị cơ quan chỉ được sửa thông tin liên hệ của cơ quan mình; "
                "không được sửa: " + ", ".join(FIELD_LABELS.get(f, f) for f in sorted(forbidden)),
            )
    values, errors = _clean_agency(data, instance=agency)
    _raise_if(errors)
    return _save_changes(
        actor=actor, instance=agency, values=values, action="agency.update", agency_id=agency.pk
    )


# --- departments and positions ----------------------------------------------------------------


def _resolve_department(value, *, agency: Agency, errors: dict, field_name: str = "department"):
    if value in (None, ""):
        return None
    if isinstance(value, Department):
        department = value
    else:
        department = Department.objects.filter(pk=value).first() if str(value).isdigit() else None
        if department is None:
            department = Department.objects.filter(agency=agency, short_name=_text(value)).first()
        if department is None:
            department = Department.objects.filter(agency=agency, name=_text(value)).first()
        if department is None:
            errors.setdefault(field_name, []).append(f"Không tìm thấy phòng, ban “{value}”.")
            return None
    if department.agency_id != agency.pk:
        errors.setdefault(field_name, []).append(
            f"Phòng, ban {department.name} không thuộc cơ quan {agency.name}."
        )
        return None
    return department


def _resolve_position(value, *, agency: Agency, errors: dict):
    if value in (None, ""):
        return None
    if isinstance(value, Position):
        position = value
    else:
        position = Position.objects.filter(pk=value).first() if str(value).isdigit() else None
        if position is None:
            position = Position.objects.filter(agency=agency, name=_text(value)).first()
        if position is None:
            errors.setdefault("position", []).append(f"Không tìm thấy chức vụ “{value}”.")
            return None
    if position.agency_id != agency.pk:
        errors.setdefault("position", []).append(
            f"Chức vụ {position.name} không thuộc cơ quan {agency.name}."
        )
        return None
    return position


def _clean_department(data: dict, *, agency: Agency, instance: Department | None):
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if "name" in data or instance is None:
        name = _text(data.get("name"))
        if not name:
            errors["name"] = ["Tên phòng, ban là bắt buộc."]
        else:
            _check_length(Department, "name", name, errors, "Tên phòng, ban")
            clash = Department.objects.filter(agency=agency, name=name)
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors["name"] = [f"Cơ quan {agency.name} đã có phòng, ban “{name}”."]
        values["name"] = name
    if "short_name" in data:
        values["short_name"] = _text(data.get("short_name"))
        _check_length(Department, "short_name", values["short_name"], errors, "Tên viết tắt")
    if "parent" in data:
        parent = _resolve_department(
            data.get("parent"), agency=agency, errors=errors, field_name="parent"
        )
        if parent is not None and instance is not None:
            node, seen = parent, set()
            while node is not None and node.pk not in seen:
                if node.pk == instance.pk:
                    errors.setdefault("parent", []).append(
                        "Một phòng, ban không thể trực thuộc chính nó (vòng lặp trong cây)."
                    )
                    break
                seen.add(node.pk)
                node = node.parent
        values["parent"] = parent
    if "is_active" in data:
        values["is_active"] = _bool(data["is_active"], field_name="is_active", errors=errors)
    return values, errors


@transaction.atomic
def department_create(*, actor, agency: Agency, data: dict) -> Department:
    """Thêm phòng, ban (đơn vị) trong cơ quan."""
    _require_agency_admin(actor, agency)
    values, errors = _clean_department(data, agency=agency, instance=None)
    _raise_if(errors)
    department = Department.objects.create(agency=agency, **values)
    audit_record(
        actor=actor,
        action="department.create",
        obj=department,
        agency_id=agency.pk,
        details={"name": department.name, "short_name": department.short_name},
    )
    return department


@transaction.atomic
def department_update(*, actor, department: Department, data: dict) -> Department:
    department = (
        Department.objects.select_for_update().select_related("agency").get(pk=department.pk)
    )
    agency = department.agency
    _require_agency_admin(actor, agency)
    values, errors = _clean_department(data, agency=agency, instance=department)
    _raise_if(errors)
    return _save_changes(
        actor=actor,
        instance=department,
        values=values,
        action="department.update",
        agency_id=agency.pk,
    )


@transaction.atomic
def position_create(*, actor, agency: Agency, data: dict) -> Position:
    """Thêm chức vụ trong cơ quan."""
    _require_agency_admin(actor, agency)
    errors: dict[str, list[str]] = {}
    name = _text(data.get("name"))
    if not name:
        errors["name"] = ["Tên chức vụ là bắt buộc."]
    else:
        _check_length(Position, "name", name, errors, "Tên chức vụ")
        if Position.objects.filter(agency=agency, name=name).exists():
            errors["name"] = [f"Cơ quan {agency.name} đã có chức vụ “{name}”."]
    rank = data.get("rank", 100)
    try:
        rank = int(rank)
        if rank < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["rank"] = ["Thứ bậc phải là số nguyên không âm."]
    _raise_if(errors)
    position = Position.objects.create(agency=agency, name=name, rank=rank)
    audit_record(
        actor=actor,
        action="position.create",
        obj=position,
        agency_id=agency.pk,
        details={"name": name, "rank": rank},
    )
    return position


# --- people and roles --------------------------------------------------------------------------

PERSON_FIELDS = {
    "username",
    "full_name",
    "email",
    "phone",
    "agency",
    "department",
    "position",
    "password",
    "is_active",
    "is_superuser",
    "roles",
}


def _clean_person(data: dict, *, actor, instance: Person | None):
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    creating = instance is None

    unknown = set(data) - PERSON_FIELDS
    if unknown:
        errors["__all__"] = [f"Trường không được hỗ trợ: {', '.join(sorted(unknown))}."]

    if "username" in data or creating:
        username = _text(data.get("username")).lower()
        if not username:
            errors["username"] = ["Tên đăng nhập là bắt buộc."]
        elif not all(ch.isascii() and (ch.isalnum() or ch in "._-@") for ch in username):
            errors["username"] = [
                "Tên đăng nhập chỉ gồm chữ không dấu, chữ số và các ký tự . _ - @."
            ]
        else:
            _check_length(Person, "username", username, errors, "Tên đăng nhập")
            clash = Person.objects.filter(username=username)
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors["username"] = [f"Tên đăng nhập {username} đã có người dùng."]
        values["username"] = username

    if "full_name" in data or creating:
        full_name = _text(data.get("full_name"))
        if not full_name:
            errors["full_name"] = ["Họ và tên là bắt buộc."]
        _check_length(Person, "full_name", full_name, errors, "Họ và tên")
        values["full_name"] = full_name

    if "email" in data:
        email = _text(data.get("email"))
        if email:
            try:
                validate_email(email)
            except DjangoValidationError:
                errors.setdefault("email", []).append("Địa chỉ thư điện tử không hợp lệ.")
        values["email"] = email
    if "phone" in data:
        values["phone"] = _text(data.get("phone"))
        _check_length(Person, "phone", values["phone"], errors, "Điện thoại")

    agency = instance.agency if instance is not None else None
    if "agency" in data or creating:
        agency = _resolve_agency(data.get("agency"), field_name="agency", errors=errors)
        if agency is None and "agency" not in errors:
            errors["agency"] = ["Cán bộ phải thuộc một cơ quan."]
        values["agency"] = agency

    if agency is not None:
        if "department" in data:
            values["department"] = _resolve_department(
                data.get("department"), agency=agency, errors=errors
            )
        elif instance is not None and "agency" in values and instance.department_id:
            # Moving to another agency: the old department does not follow.
            values["department"] = None
        if "position" in data:
            values["position"] = _resolve_position(
                data.get("position"), agency=agency, errors=errors
            )
        elif instance is not None and "agency" in values and instance.position_id:
            values["position"] = None

    for name in ("is_active", "is_superuser"):
        if name in data:
            values[name] = _bool(data[name], field_name=name, errors=errors)
    if values.get("is_superuser") and not is_installation_admin(actor):
        errors.setdefault("is_superuser", []).append(
            "Chỉ quản trị hệ thống mới được cấp quyền quản trị hệ thống."
        )

    roles = data.get("roles") or []
    for role in roles:
        if role not in Role.values:
            errors.setdefault("roles", []).append(f"Vai trò “{role}” không hợp lệ.")
    return values, errors, agency


def _check_password(password: str, person: Person, errors: dict) -> None:
    try:
        validate_password(password, user=person)
    except DjangoValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)


@transaction.atomic
def person_create(*, actor, data: dict) -> Person:
    """Thêm cán bộ. `data`: username, full_name, email, phone, agency (Agency or code),
    department, position (object, id or name), password (optional), roles (optional list)."""
    values, errors, agency = _clean_person(data, actor=actor, instance=None)
    if agency is not None:
        _require_agency_admin(actor, agency)
    _raise_if(errors)
    person = Person(**values)
    password = data.get("password")
    if password:
        _check_password(password, person, errors)
        _raise_if(errors)
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.save()
    granted = []
    for role in dict.fromkeys(data.get("roles") or []):
        RoleAssignment.objects.create(person=person, agency=agency, role=role)
        granted.append(role)
    audit_record(
        actor=actor,
        action="person.create",
        obj=person,
        agency_id=agency.pk if agency else None,
        details={
            "username": person.username,
            "agency": agency.code if agency else None,
            "roles": granted,
            "is_superuser": person.is_superuser,
        },
    )
    return person


@transaction.atomic
def person_update(*, actor, person: Person, data: dict) -> Person:
    """Sửa thông tin cán bộ; chuyển cơ quan bỏ các vai trò ở cơ quan cũ."""
    person = Person.objects.select_for_update().select_related("agency").get(pk=person.pk)
    if person.agency is not None:
        _require_agency_admin(actor, person.agency)
    else:
        _require_installation_admin(actor)
    if "roles" in data:
        raise ValidationFailed(
            "Dùng cấp/thu hồi vai trò để thay đổi vai trò.",
            errors={"roles": ["Không sửa vai trò qua biểu mẫu này."]},
        )
    if person.is_superuser and not is_installation_admin(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống mới được sửa tài khoản quản trị hệ thống.")
    values, errors, agency = _clean_person(data, actor=actor, instance=person)
    if "agency" in values and agency is not None and agency.pk != person.agency_id:
        # Moving someone needs rights over both agencies.
        _require_agency_admin(actor, agency)
    password = data.get("password")
    if password:
        _check_password(password, person, errors)
    _raise_if(errors)
    changed = _diff(person, values)
    if password:
        person.set_password(password)
        changed["password"] = ["***", "***"]
    if not changed:
        return person
    old_agency_id = person.agency_id
    for name, value in values.items():
        setattr(person, name, value)
    person.save()
    if person.agency_id != old_agency_id:
        dropped = list(
            RoleAssignment.objects.filter(person=person)
            .exclude(agency_id=person.agency_id)
            .values_list("role", flat=True)
        )
        RoleAssignment.objects.filter(person=person).exclude(agency_id=person.agency_id).delete()
        if dropped:
            changed["roles_removed"] = dropped
    person._role_cache = None
    audit_record(
        actor=actor,
        action="person.update",
        obj=person,
        agency_id=person.agency_id,
        details={"changed": changed},
    )
    return person


def _check_role_target(*, actor, person: Person, agency: Agency, role: str) -> None:
    if role not in Role.values:
        raise ValidationFailed(
            f"Vai trò “{role}” không hợp lệ.",
            errors={"role": [f"Dùng một trong: {', '.join(Role.values)}."]},
        )
    _require_agency_admin(actor, agency)
    if person.agency_id != agency.pk:
        raise ValidationFailed(
            f"Cán bộ {person.full_name or person.username} không thuộc cơ quan {agency.name}; "
            "chỉ được giao vai trò trong cơ quan của mình.",
            errors={"agency": [f"Cán bộ không thuộc cơ quan {agency.name}."]},
        )


@transaction.atomic
def role_grant(*, actor, person: Person, agency: Agency, role: str) -> RoleAssignment:
    """Giao vai trò; giao lại vai trò đã có thì không đổi gì."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    _check_role_target(actor=actor, person=person, agency=agency, role=role)
    assignment, created = RoleAssignment.objects.get_or_create(
        person=person, agency=agency, role=role
    )
    if created:
        audit_record(
            actor=actor,
            action="role.grant",
            obj=person,
            agency_id=agency.pk,
            details={"role": role, "agency": agency.code},
        )
    return assignment


@transaction.atomic
def role_revoke(*, actor, person: Person, agency: Agency, role: str) -> bool:
    """Thu hồi vai trò; returns False when the person did not hold it."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if role not in Role.values:
        raise ValidationFailed(f"Vai trò “{role}” không hợp lệ.", errors={"role": ["Không hợp lệ"]})
    _require_agency_admin(actor, agency)
    deleted, _ = RoleAssignment.objects.filter(person=person, agency=agency, role=role).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="role.revoke",
            obj=person,
            agency_id=agency.pk,
            details={"role": role, "agency": agency.code},
        )
    return bool(deleted)


# --- recipient groups ----------------------------------------------------------------------------


@transaction.atomic
def recipient_group_save(
    *,
    actor,
    owner: Agency | None,
    name: str,
    member_codes: list[str],
    group: RecipientGroup | None = None,
) -> RecipientGroup:
    """Tạo hoặc sửa nhóm nơi nhận. `owner=None`: a group for the whole installation (only the
    installation administrator); otherwise the owner agency's clerks and administrators."""
    if owner is None:
        _require_installation_admin(actor)
    elif not (
        is_agency_admin(actor, owner.pk)
        or (actor is not None and actor.agency_id == owner.pk and actor.has_role(Role.CLERK))
    ):
        raise PermissionDenied(f"Bạn không có quyền quản lý nhóm nơi nhận của {owner.name}.")
    if group is not None:
        group = RecipientGroup.objects.select_for_update().get(pk=group.pk)
        if group.owner_id != (owner.pk if owner else None):
            raise PermissionDenied("Nhóm nơi nhận này thuộc cơ quan khác.")
    errors: dict[str, list[str]] = {}
    name = _text(name)
    if not name:
        errors["name"] = ["Tên nhóm là bắt buộc."]
    else:
        _check_length(RecipientGroup, "name", name, errors, "Tên nhóm")
        clash = RecipientGroup.objects.filter(owner=owner, name=name)
        if group is not None:
            clash = clash.exclude(pk=group.pk)
        if clash.exists():
            errors["name"] = [f"Đã có nhóm nơi nhận “{name}”."]
    codes = list(dict.fromkeys(_text(c).upper() for c in member_codes if _text(c)))
    found = dict(Agency.objects.filter(code__in=codes).values_list("code", "pk"))
    missing = [c for c in codes if c not in found]
    if missing:
        errors["member_codes"] = [f"Không tìm thấy cơ quan có mã {c}." for c in missing]
    _raise_if(errors)
    creating = group is None
    if creating:
        group = RecipientGroup.objects.create(owner=owner, name=name)
        before: set[str] = set()
        renamed = False
    else:
        before = set(group.members.values_list("code", flat=True))
        renamed = group.name != name
        if renamed:
            group.name = name
            group.save(update_fields=["name", "updated_at"])
    after = set(codes)
    if creating or renamed or before != after:
        group.members.set([found[c] for c in codes])
        audit_record(
            actor=actor,
            action="recipient_group.create" if creating else "recipient_group.update",
            obj=group,
            agency_id=owner.pk if owner else None,
            details={
                "name": name,
                "added": sorted(after - before),
                "removed": sorted(before - after),
            },
        )
    return group


# --- directory import / export -------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    errors: list[dict] = field(default_factory=list)
    sha256: str = ""

    def summary_vi(self) -> str:
        return (
            f"{self.rows} dòng: thêm mới {self.created}, cập nhật {self.updated}, "
            f"không đổi {self.unchanged}."
        )


# The fields an import compares and writes, in CSV order (parent handled apart).
_IMPORT_FIELDS = [
    "name",
    "short_name",
    "level",
    "organization_in_charge",
    "address",
    "email",
    "telephone",
    "fax",
    "website",
    "on_installation",
]


def _read_bytes(stream_or_path) -> bytes:
    if isinstance(stream_or_path, (str, Path)):
        return Path(stream_or_path).read_bytes()
    data = stream_or_path.read()
    return data.encode("utf-8") if isinstance(data, str) else data


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ValidationFailed(
            "Tệp danh bạ không phải mã UTF-8; hãy lưu lại tệp CSV với bảng mã UTF-8.",
            code="bad_encoding",
            errors=[
                {
                    "line": line,
                    "message": f"Byte không hợp lệ trong mã UTF-8 (vị trí {exc.start}).",
                }
            ],
        ) from None


def _parse_rows(text: str) -> tuple[list[tuple[int, dict]], list[dict], set[str]]:
    """Check every line on its own; return ([(line, row)], errors, every well-formed code)."""
    errors: list[dict] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationFailed(
            "Tệp danh bạ trống.", errors=[{"line": 1, "message": "Tệp trống."}]
        ) from None
    except csv.Error as exc:
        raise ValidationFailed(
            "Không đọc được tệp CSV.", errors=[{"line": 1, "message": str(exc)}]
        ) from None
    if [h.strip() for h in header] != CSV_HEADER:
        raise ValidationFailed(
            "Dòng tiêu đề của tệp danh bạ không đúng.",
            code="bad_header",
            errors=[
                {
                    "line": 1,
                    "message": "Dòng tiêu đề phải đúng là: " + ",".join(CSV_HEADER),
                }
            ],
        )
    rows: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    limits = {name: _max_length(Agency, name) for name in AGENCY_TEXT_FIELDS}
    width = len(CSV_HEADER)
    line = reader.line_num
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append({"line": start, "message": f"Dòng CSV hỏng: {exc}."})
            break
        line = start
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != width:
            errors.append(
                {
                    "line": line,
                    "message": f"Dòng có {len(cells)} cột, cần đúng {width} cột.",
                }
            )
            continue
        row = dict(zip(CSV_HEADER, (c.strip() for c in cells), strict=True))
        problems = []
        code = row["code"]
        if not is_valid_agency_code(code):
            problems.append(f"mã định danh “{code}” không đúng định dạng 000.00.00.H15")
        elif code in seen:
            problems.append(f"mã định danh {code} trùng với dòng {seen[code]}")
        else:
            seen[code] = line
        if not row["name"]:
            problems.append("thiếu tên cơ quan")
        if row["level"] not in LEVEL_VALUES:
            problems.append(
                f"cấp “{row['level']}” không hợp lệ (dùng: {', '.join(sorted(LEVEL_VALUES))})"
            )
        parent_code = row["parent_code"]
        if parent_code and not is_valid_agency_code(parent_code):
            problems.append(f"mã cơ quan cấp trên “{parent_code}” không đúng định dạng")
        elif parent_code and parent_code == code:
            problems.append("cơ quan không thể là cấp trên của chính nó")
        flag = row["on_installation"]
        if flag not in {"0", "1", ""}:
            problems.append(f"on_installation phải là 1 hoặc 0, không phải “{flag}”")
        for name, limit in limits.items():
            if limit and len(row[name]) > limit:
                problems.append(f"{FIELD_LABELS[name].lower()} dài quá {limit} ký tự")
        if problems:
            message = "; ".join(problems)
            errors.append({"line": line, "message": message[0].upper() + message[1:] + "."})
        else:
            rows.append((line, row))
    return rows, errors, set(seen)


def _find_cycles(parent_of: dict[str, str | None], start_codes: Iterable[str]) -> set[str]:
    """Codes among `start_codes` that sit on a cycle of the final parent relation."""
    state: dict[str, int] = {}  # 1: on the current path, 2: known to reach a root
    in_cycle: set[str] = set()
    for start in start_codes:
        if state.get(start) == 2:
            continue
        path: list[str] = []
        node: str | None = start
        while node is not None and state.get(node) != 2:
            if state.get(node) == 1:
                in_cycle.update(path[path.index(node) :])
                break
            state[node] = 1
            path.append(node)
            node = parent_of.get(node)
        for item in path:
            state[item] = 2
    return in_cycle


def directory_import(
    *, actor, stream_or_path: str | Path | IO, batch_size: int = 2000, filename: str = ""
) -> ImportResult:
    """Nhập danh bạ cơ quan từ CSV: creates or updates by code, all or nothing.

    Every bad line is reported (ValidationFailed.errors = [{"line": n, "message": ...}]) and
    nothing is saved. Parents may come later in the file or already be in the database; new
    agencies are inserted level by level (parents first) so every insert already knows its
    parent's id. Rows identical to the database are left alone and not audited, so importing
    the same file twice changes nothing.
    """
    _require_installation_admin(actor)
    raw = _read_bytes(stream_or_path)
    digest = hashlib.sha256(raw).hexdigest()
    text = _decode(raw)
    rows, errors, file_codes = _parse_rows(text)

    # code -> (id, parent_id, values tuple) for the whole directory: one pass, no per-row query.
    existing: dict[str, tuple] = {}
    code_of_id: dict[int, str] = {}
    for pk, code, parent_id, *vals in Agency.objects.values_list(
        "pk", "code", "parent_id", *_IMPORT_FIELDS
    ).iterator(chunk_size=10000):
        existing[code] = (pk, parent_id, tuple(vals))
        code_of_id[pk] = code

    for line, row in rows:
        parent_code = row["parent_code"]
        if parent_code and parent_code not in file_codes and parent_code not in existing:
            errors.append(
                {
                    "line": line,
                    "message": f"Không tìm thấy cơ quan cấp trên có mã {parent_code} "
                    "(không có trong tệp và trong danh bạ).",
                }
            )

    parent_of: dict[str, str | None] = {
        code: code_of_id.get(parent_id) if parent_id else None
        for code, (_, parent_id, _) in existing.items()
    }
    for _, row in rows:
        parent_of[row["code"]] = row["parent_code"] or None
    cyclic = _find_cycles(parent_of, (row["code"] for _, row in rows))
    for line, row in rows:
        if row["code"] in cyclic:
            errors.append(
                {
                    "line": line,
                    "message": f"Vòng lặp trong cây cơ quan: {row['code']} là cấp trên "
                    "gián tiếp của chính nó qua parent_code.",
                }
            )
    if errors:
        errors.sort(key=lambda e: e["line"])
        raise ValidationFailed(
            f"Tệp danh bạ có {len(errors)} lỗi; chưa lưu thay đổi nào.",
            code="import_failed",
            errors=errors,
        )

    result = ImportResult(rows=len(rows), sha256=digest)
    to_create: list[dict] = []
    to_update: list[tuple[dict, tuple]] = []
    for _, row in rows:
        values = tuple(
            row[name] == "1" if name == "on_installation" else row[name] for name in _IMPORT_FIELDS
        )
        row["_values"] = values
        current = existing.get(row["code"])
        if current is None:
            to_create.append(row)
            continue
        _, parent_id, old_values = current
        old_parent_code = code_of_id.get(parent_id) if parent_id else None
        if old_values == values and old_parent_code == (row["parent_code"] or None):
            result.unchanged += 1
        else:
            to_update.append((row, current))

    if not to_create and not to_update:
        return result

    with transaction.atomic():
        entries: list[Entry] = []
        ids: dict[str, int] = {code: v[0] for code, v in existing.items()}
        # Insert new agencies parents-first: depth among the new rows only.
        new_by_code = {row["code"]: row for row in to_create}
        depth: dict[str, int] = {}

        def depth_of(code: str) -> int:
            chain = []
            node = code
            while node in new_by_code and node not in depth:
                chain.append(node)
                node = new_by_code[node]["parent_code"] or None
            base = depth.get(node, -1) if node in new_by_code else -1
            for item in reversed(chain):
                base += 1
                depth[item] = base
            return depth[code]

        levels: dict[int, list[dict]] = {}
        for row in to_create:
            levels.setdefault(depth_of(row["code"]), []).append(row)
        for level in sorted(levels):
            batch = []
            for row in levels[level]:
                agency = Agency(
                    code=row["code"],
                    parent_id=ids.get(row["parent_code"]) if row["parent_code"] else None,
                    **dict(zip(_IMPORT_FIELDS, row["_values"], strict=True)),
                )
                agency.search_text = agency.build_search_text()
                batch.append(agency)
            for i in range(0, len(batch), batch_size):
                chunk = batch[i : i + batch_size]
                Agency.objects.bulk_create(chunk)
                for agency in chunk:
                    ids[agency.code] = agency.pk
                    entries.append(
                        Entry(
                            action="agency.create",
                            object_type="agencies.agency",
                            object_id=str(agency.pk),
                            object_repr=agency.name[:300],
                            agency_id=agency.pk,
                            details={"code": agency.code, "source": "directory_import"},
                        )
                    )
        result.created = len(to_create)

        now = timezone.now()
        changed_fields: set[str] = set()
        updates: list[Agency] = []
        for row, (pk, parent_id, old_values) in to_update:
            new_parent_id = ids.get(row["parent_code"]) if row["parent_code"] else None
            changed = {}
            for name, old, new in zip(_IMPORT_FIELDS, old_values, row["_values"], strict=True):
                if old != new:
                    changed[name] = [old, new]
            if new_parent_id != parent_id:
                changed["parent"] = [
                    code_of_id.get(parent_id) if parent_id else None,
                    row["parent_code"] or None,
                ]
            agency = Agency(
                pk=pk,
                code=row["code"],
                parent_id=new_parent_id,
                updated_at=now,
                **dict(zip(_IMPORT_FIELDS, row["_values"], strict=True)),
            )
            agency.search_text = agency.build_search_text()
            updates.append(agency)
            changed_fields.update("parent_id" if name == "parent" else name for name in changed)
            entries.append(
                Entry(
                    action="agency.update",
                    object_type="agencies.agency",
                    object_id=str(pk),
                    object_repr=agency.name[:300],
                    agency_id=pk,
                    details={"code": agency.code, "source": "directory_import", "changed": changed},
                )
            )
        if updates:
            fields = sorted(changed_fields | {"search_text", "updated_at"})
            Agency.objects.bulk_update(updates, fields, batch_size=500)
        result.updated = len(updates)

        entries.append(
            Entry(
                action="directory.import",
                object_type="agencies.directory",
                object_id=digest[:16],
                object_repr=(filename or "danh bạ")[:300],
                details={
                    "sha256": digest,
                    "rows": result.rows,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
        )
        audit_record_many(actor=actor, entries=entries)
    if result.created + result.updated >= 1000:
        # Fresh statistics after a bulk load: without them PostgreSQL plans searches over the
        # new rows as if the table were empty (seconds instead of milliseconds).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE agencies_agency")
    return result


def directory_export_rows() -> Iterable[list[str]]:
    """The directory as CSV rows (header first), sorted by code, streamed from the database."""
    yield CSV_HEADER
    qs = (
        Agency.objects.order_by("code")
        .values_list("code", "parent__code", *_IMPORT_FIELDS)
        .iterator(chunk_size=5000)
    )
    for code, parent_code, *vals in qs:
        v = dict(zip(_IMPORT_FIELDS, vals, strict=True))
        yield [
            code,
            v["name"],
            v["short_name"],
            v["level"],
            parent_code or "",
            v["organization_in_charge"],
            v["address"],
            v["email"],
            v["telephone"],
            v["fax"],
            v["website"],
            "1" if v["on_installation"] else "0",
        ]


def directory_export(*, out: IO[str]) -> int:
    """Xuất danh bạ cơ quan ra CSV (same format as the import); returns the agency count."""
    writer = csv.writer(out, lineterminator="\n")
    count = -1
    for row in directory_export_rows():
        writer.writerow(row)
        count += 1
    return count


def agency_by_code(code: str) -> Agency:
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise NotFound(f"Không tìm thấy cơ quan có mã định danh {code}.")
    return agency
