"""Directory endpoints (danh bạ cơ quan, cán bộ, nhóm nơi nhận) under /api/v1.

Scope:
- Reading the agency directory and recipient groups: any signed-in person and any API token
  (integrations need codes and contacts to address documents).
- People: a person sees their own agency (the installation administrator sees everyone); a token
  sees the people of the agency it acts for.
- Writes (agencies, roles): decided by the services. A token client holds no role, so it cannot
  change the directory: those changes are made by people, and the audit log names them.
- Errors are problem responses (qlvb.core.api). A bad or duplicate identifier code, a cycle in the
  tree, a role in another agency: 422 with `errors.<field>`; no permission: 403.

Paging is keyset: pass `cursor` from the previous page's `next_cursor`; never an offset over the
120,000-agency national directory.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from qlvb.agencies import selectors, services
from qlvb.agencies.models import Agency, AgencyLevel, Person, Role
from qlvb.core.errors import ValidationFailed
from qlvb.core.paging import keyset_page

router = Router(tags=["Danh bạ"])

MAX_LIMIT = 200


# --- schemas -----------------------------------------------------------------------------------


class AgencyRef(Schema):
    code: str = Field(description="Mã định danh điện tử (13 ký tự, ví dụ 000.00.00.H15)")
    name: str = Field(description="Tên cơ quan")
    short_name: str = Field("", description="Tên viết tắt dùng trong ký hiệu văn bản")


class AgencyOut(Schema):
    code: str = Field(description="Mã định danh điện tử (13 ký tự, ví dụ 000.00.00.H15)")
    name: str = Field(description="Tên cơ quan")
    short_name: str = Field(description="Tên viết tắt dùng trong ký hiệu văn bản (VPUBND, STTTT)")
    level: AgencyLevel = Field(description="Cấp cơ quan")
    parent_code: str | None = Field(None, description="Mã định danh cơ quan cấp trên")
    on_installation: bool = Field(description="Cơ quan dùng chính hệ thống này")
    is_active: bool = Field(description="Đang hoạt động")


class AgencyDetail(AgencyOut):
    parent: AgencyRef | None = Field(None, description="Cơ quan cấp trên")
    organization_in_charge: str = Field(description="Cơ quan chủ quản (OrganizationInCharge)")
    address: str = Field(description="Địa chỉ")
    email: str = Field(description="Thư điện tử")
    telephone: str = Field(description="Điện thoại")
    fax: str = Field(description="Fax")
    website: str = Field(description="Trang thông tin điện tử")
    children_count: int = Field(description="Số cơ quan trực thuộc")
    updated_at: datetime = Field(description="Thời điểm cập nhật gần nhất")


class AgencyPage(Schema):
    items: list[AgencyOut] = Field(description="Các cơ quan của trang này")
    next_cursor: str | None = Field(None, description="Con trỏ của trang sau; null khi hết")


class AgencyCreate(Schema):
    code: str = Field(description="Mã định danh điện tử, dạng 000.00.00.H15", max_length=40)
    name: str = Field(description="Tên cơ quan", max_length=250)
    short_name: str = Field("", description="Tên viết tắt", max_length=30)
    level: str = Field(description="Cấp: " + ", ".join(AgencyLevel.values), max_length=20)
    parent_code: str | None = Field(None, description="Mã định danh cơ quan cấp trên")
    organization_in_charge: str = Field("", description="Cơ quan chủ quản", max_length=250)
    address: str = Field("", description="Địa chỉ", max_length=250)
    email: str = Field("", description="Thư điện tử", max_length=254)
    telephone: str = Field("", description="Điện thoại", max_length=50)
    fax: str = Field("", description="Fax", max_length=50)
    website: str = Field("", description="Trang thông tin điện tử", max_length=250)
    on_installation: bool = Field(False, description="Cơ quan dùng chính hệ thống này")


class AgencyPatch(Schema):
    code: str | None = Field(None, description="Mã định danh điện tử mới", max_length=40)
    name: str | None = Field(None, description="Tên cơ quan", max_length=250)
    short_name: str | None = Field(None, description="Tên viết tắt", max_length=30)
    level: str | None = Field(None, description="Cấp cơ quan", max_length=20)
    parent_code: str | None = Field(
        None, description="Mã định danh cơ quan cấp trên (chuỗi rỗng: không có cấp trên)"
    )
    organization_in_charge: str | None = Field(None, description="Cơ quan chủ quản")
    address: str | None = Field(None, description="Địa chỉ")
    email: str | None = Field(None, description="Thư điện tử")
    telephone: str | None = Field(None, description="Điện thoại")
    fax: str | None = Field(None, description="Fax")
    website: str | None = Field(None, description="Trang thông tin điện tử")
    on_installation: bool | None = Field(None, description="Cơ quan dùng chính hệ thống này")
    is_active: bool | None = Field(None, description="Đang hoạt động")


class DepartmentOut(Schema):
    id: int = Field(description="Mã nội bộ của phòng, ban")
    name: str = Field(description="Tên phòng, ban")
    short_name: str = Field(description="Tên viết tắt (dùng trong ký hiệu công văn)")
    parent_id: int | None = Field(None, description="Phòng, ban cấp trên")
    is_active: bool = Field(description="Đang hoạt động")


class RoleOut(Schema):
    role: Role = Field(description="Vai trò")
    label: str = Field(description="Tên vai trò")
    agency_code: str = Field(description="Cơ quan của vai trò")


class PersonOut(Schema):
    id: int = Field(description="Mã nội bộ của cán bộ")
    username: str = Field(description="Tên đăng nhập")
    full_name: str = Field(description="Họ và tên")
    email: str = Field(description="Thư điện tử")
    agency: AgencyRef | None = Field(None, description="Cơ quan")
    department: str | None = Field(None, description="Phòng, ban")
    position: str | None = Field(None, description="Chức vụ")
    is_active: bool = Field(description="Đang hoạt động")
    roles: list[RoleOut] = Field(description="Vai trò trong cơ quan")


class PersonPage(Schema):
    items: list[PersonOut] = Field(description="Các cán bộ của trang này")
    next_cursor: str | None = Field(None, description="Con trỏ của trang sau; null khi hết")


class RoleGrant(Schema):
    role: str = Field(description="Vai trò: " + ", ".join(Role.values), max_length=20)
    agency_code: str | None = Field(
        None, description="Cơ quan của vai trò; mặc định là cơ quan của cán bộ"
    )


class RecipientGroupOut(Schema):
    id: int = Field(description="Mã nội bộ của nhóm")
    name: str = Field(description="Tên nhóm nơi nhận")
    owner_code: str | None = Field(None, description="Cơ quan giữ nhóm; null: dùng chung")
    members: list[AgencyRef] = Field(description="Các cơ quan trong nhóm")


class AgencyFilters(Schema):
    q: str = Field("", description="Tìm theo tên, tên viết tắt hoặc mã (không cần dấu)")
    level: AgencyLevel | None = Field(None, description="Lọc theo cấp")
    active: bool | None = Field(None, description="Lọc theo trạng thái hoạt động")
    cursor: str | None = Field(None, description="Con trỏ trang (next_cursor của trang trước)")
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Số dòng mỗi trang (tối đa 200)")


class PersonFilters(Schema):
    q: str = Field("", description="Tìm theo họ tên, tên đăng nhập, thư điện tử")
    agency: str | None = Field(None, description="Mã định danh cơ quan")
    cursor: str | None = Field(None, description="Con trỏ trang (next_cursor của trang trước)")
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Số dòng mỗi trang (tối đa 200)")


# --- helpers -----------------------------------------------------------------------------------


def _agency_out(agency: Agency, parent_codes: dict[int, str] | None = None) -> dict:
    if parent_codes is not None:
        parent_code = parent_codes.get(agency.parent_id)
    else:
        parent_code = agency.parent.code if agency.parent_id else None
    return {
        "code": agency.code,
        "name": agency.name,
        "short_name": agency.short_name,
        "level": agency.level,
        "parent_code": parent_code,
        "on_installation": agency.on_installation,
        "is_active": agency.is_active,
    }


def _agency_detail(agency: Agency) -> dict:
    parent = agency.parent
    return {
        **_agency_out(agency),
        "parent": (
            {"code": parent.code, "name": parent.name, "short_name": parent.short_name}
            if parent
            else None
        ),
        "organization_in_charge": agency.organization_in_charge,
        "address": agency.address,
        "email": agency.email,
        "telephone": agency.telephone,
        "fax": agency.fax,
        "website": agency.website,
        "children_count": selectors.agency_children(agency=agency).count(),
        "updated_at": agency.updated_at,
    }


def _person_out(person: Person) -> dict:
    labels = dict(Role.choices)
    agency = person.agency
    codes = {agency.pk: agency.code} if agency else {}
    roles = []
    for assignment in person.roles.all():
        code = codes.get(assignment.agency_id) or assignment.agency.code
        roles.append(
            {"role": assignment.role, "label": labels[assignment.role], "agency_code": code}
        )
    return {
        "id": person.pk,
        "username": person.username,
        "full_name": person.full_name,
        "email": person.email,
        "agency": (
            {"code": agency.code, "name": agency.name, "short_name": agency.short_name}
            if agency
            else None
        ),
        "department": person.department.name if person.department_id else None,
        "position": person.position.name if person.position_id else None,
        "is_active": person.is_active,
        "roles": roles,
    }


def _actor(request: HttpRequest):
    """The caller as services see it: a Person, or the ApiClient (which holds no role)."""
    return request.auth


# --- agencies ----------------------------------------------------------------------------------


@router.get("/agencies", response=AgencyPage, summary="Danh sách cơ quan (tìm kiếm, phân trang)")
def list_agencies(request, filters: Query[AgencyFilters]):
    qs = selectors.agency_list(
        viewer=request.auth,
        query=filters.q,
        level=filters.level.value if filters.level else None,
        active=filters.active,
    )
    rows, next_cursor = keyset_page(
        qs, keys=("search_text", "code"), cursor=filters.cursor, limit=filters.limit
    )
    parent_ids = {a.parent_id for a in rows if a.parent_id}
    parent_codes = dict(Agency.objects.filter(pk__in=parent_ids).values_list("pk", "code"))
    return {"items": [_agency_out(a, parent_codes) for a in rows], "next_cursor": next_cursor}


@router.get("/agencies/{code}", response=AgencyDetail, summary="Thông tin một cơ quan")
def get_agency(request, code: str):
    return _agency_detail(selectors.agency_get(viewer=request.auth, code=code))


@router.post("/agencies", response={201: AgencyDetail}, summary="Thêm cơ quan (quản trị hệ thống)")
def create_agency(request, payload: AgencyCreate):
    agency = services.agency_create(actor=_actor(request), data=payload.dict())
    return Status(201, _agency_detail(selectors.agency_get(viewer=request.auth, pk=agency.pk)))


@router.patch("/agencies/{code}", response=AgencyDetail, summary="Sửa thông tin cơ quan")
def update_agency(request, code: str, payload: AgencyPatch):
    agency = selectors.agency_get(viewer=request.auth, code=code)
    data = payload.dict(exclude_unset=True)
    if "parent_code" in data:
        data["parent"] = data.pop("parent_code") or None
    agency = services.agency_update(actor=_actor(request), agency=agency, data=data)
    return _agency_detail(selectors.agency_get(viewer=request.auth, pk=agency.pk))


@router.get(
    "/agencies/{code}/departments",
    response=list[DepartmentOut],
    summary="Các phòng, ban của cơ quan",
)
def list_departments(request, code: str):
    agency = selectors.agency_get(viewer=request.auth, code=code)
    return list(selectors.department_list(agency=agency))


# --- people ------------------------------------------------------------------------------------


@router.get("/people", response=PersonPage, summary="Danh sách cán bộ (trong phạm vi được xem)")
def list_people(request, filters: Query[PersonFilters]):
    agency = (
        selectors.agency_get(viewer=request.auth, code=filters.agency) if filters.agency else None
    )
    qs = selectors.person_list(viewer=request.auth, agency=agency, query=filters.q)
    rows, next_cursor = keyset_page(
        qs.prefetch_related("roles__agency"),
        keys=("search_text", "id"),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": [_person_out(p) for p in rows], "next_cursor": next_cursor}


@router.get("/people/{int:person_id}", response=PersonOut, summary="Thông tin một cán bộ")
def get_person(request, person_id: int):
    return _person_out(selectors.person_get(viewer=request.auth, pk=person_id))


def _role_agency(request, person: Person, agency_code: str | None) -> Agency:
    if agency_code:
        return selectors.agency_get(viewer=request.auth, code=agency_code)
    if person.agency_id is None:
        raise ValidationFailed(
            "Cán bộ chưa thuộc cơ quan nào; hãy chỉ rõ cơ quan của vai trò.",
            errors={"agency_code": ["Cần chỉ rõ cơ quan."]},
        )
    return person.agency


@router.post(
    "/people/{int:person_id}/roles",
    response={201: PersonOut, 200: PersonOut},
    summary="Giao vai trò cho cán bộ",
)
def grant_role(request, person_id: int, payload: RoleGrant):
    person = selectors.person_get(viewer=request.auth, pk=person_id)
    agency = _role_agency(request, person, payload.agency_code)
    had = person.roles.filter(agency=agency, role=payload.role).exists()
    services.role_grant(actor=_actor(request), person=person, agency=agency, role=payload.role)
    body = _person_out(selectors.person_get(viewer=request.auth, pk=person_id))
    return Status(200 if had else 201, body)


@router.delete(
    "/people/{int:person_id}/roles/{role}",
    response={204: None},
    summary="Thu hồi vai trò của cán bộ",
)
def revoke_role(request, person_id: int, role: str, agency: str | None = None):
    person = selectors.person_get(viewer=request.auth, pk=person_id)
    target = _role_agency(request, person, agency)
    services.role_revoke(actor=_actor(request), person=person, agency=target, role=role)
    return HttpResponse(status=204)


# --- recipient groups --------------------------------------------------------------------------


@router.get(
    "/recipient-groups", response=list[RecipientGroupOut], summary="Các nhóm nơi nhận dùng được"
)
def list_recipient_groups(request):
    groups = selectors.recipient_group_list(viewer=request.auth).select_related("owner")
    return [
        {
            "id": g.pk,
            "name": g.name,
            "owner_code": g.owner.code if g.owner_id else None,
            "members": [
                {"code": a.code, "name": a.name, "short_name": a.short_name}
                for a in g.members.all()
            ],
        }
        for g in groups
    ]
