import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qlvb.agencies import demo_data
from qlvb.agencies.demo_loader import demo_load
from qlvb.agencies.models import Agency, Department, Person, RecipientGroup, Role, RoleAssignment
from qlvb.agencies.selectors import agency_search, person_get, person_list, recipient_group_list
from qlvb.agencies.services import (
    CSV_HEADER,
    agency_create,
    agency_update,
    department_create,
    department_update,
    directory_export,
    directory_import,
    person_create,
    role_grant,
    role_revoke,
)
from qlvb.audit.models import AuditEvent
from qlvb.audit.selectors import audit_chain_verify
from qlvb.core.errors import NotFound, PermissionDenied, ValidationFailed

HEADER = ",".join(CSV_HEADER) + "\n"


def _agency(code, name, level="department", parent=None, short=""):
    data = {"code": code, "name": name, "level": level, "short_name": short}
    if parent:
        data["parent_code"] = parent
    return agency_create(actor=None, data=data)


@pytest.fixture
def province(db):
    root = _agency("000.00.00.H15", "UBND tỉnh Đắk Lắk", "province", short="UBND")
    office = _agency("000.00.01.H15", "Văn phòng UBND tỉnh", parent=root.code, short="VPUBND")
    sotc = _agency("000.00.05.H15", "Sở Tài chính", parent=root.code, short="STC")
    return root, office, sotc


@pytest.fixture
def superuser(province):
    return person_create(
        actor=None,
        data={
            "username": "root",
            "full_name": "Quản trị",
            "agency": province[1],
            "is_superuser": True,
        },
    )


@pytest.fixture
def office_admin(province):
    return person_create(
        actor=None,
        data={
            "username": "qt.vp",
            "full_name": "Võ Minh Tuấn",
            "agency": province[1].code,
            "roles": ["admin"],
        },
    )


# --- services --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_agency_create_rejects_bad_and_duplicate_codes(province):
    before = Agency.objects.count()
    with pytest.raises(ValidationFailed) as bad:
        _agency("000.00.5.H15", "Sở X")
    assert "không đúng định dạng" in bad.value.errors["code"][0]
    with pytest.raises(ValidationFailed) as dup:
        _agency("000.00.05.H15", "Sở Tài chính 2")
    assert "đã được dùng" in dup.value.errors["code"][0]
    with pytest.raises(ValidationFailed) as empty:
        agency_create(actor=None, data={"code": "000.00.09.H15", "name": " ", "level": "nope"})
    assert set(empty.value.errors) == {"name", "level"}
    assert Agency.objects.count() == before


@pytest.mark.django_db
def test_agency_cycle_is_refused_and_nothing_saved(province):
    root, office, _ = province
    child = _agency("000.00.02.H15", "Phòng con", parent=office.code)
    with pytest.raises(ValidationFailed) as exc:
        agency_update(actor=None, agency=root, data={"parent_code": child.code})
    assert "vòng lặp" in exc.value.errors["parent"][0]
    with pytest.raises(ValidationFailed):
        agency_update(actor=None, agency=office, data={"parent": office, "name": "Đổi tên"})
    office.refresh_from_db()
    root.refresh_from_db()
    assert root.parent_id is None and office.name == "Văn phòng UBND tỉnh"


@pytest.mark.django_db
def test_agency_permissions(province, office_admin):
    _, office, sotc = province
    with pytest.raises(PermissionDenied):
        agency_create(
            actor=office_admin,
            data={"code": "000.00.30.H15", "name": "Sở mới", "level": "department"},
        )
    # Own agency's contact fields: allowed and audited with the change.
    agency_update(actor=office_admin, agency=office, data={"telephone": "0262 3852 631"})
    event = AuditEvent.objects.filter(action="agency.update").last()
    assert event.details["changed"]["telephone"] == ["", "0262 3852 631"]
    with pytest.raises(PermissionDenied):
        agency_update(actor=office_admin, agency=office, data={"name": "Tên khác"})
    with pytest.raises(PermissionDenied):
        agency_update(actor=office_admin, agency=sotc, data={"telephone": "1"})


@pytest.mark.django_db
def test_role_in_another_agency_is_refused(province, superuser):
    _, office, sotc = province
    person = person_create(
        actor=superuser,
        data={"username": "cv.stc", "full_name": "Lê Thị Hà", "agency": sotc},
    )
    with pytest.raises(ValidationFailed) as exc:
        role_grant(actor=superuser, person=person, agency=office, role=Role.CLERK)
    assert "không thuộc cơ quan Văn phòng UBND tỉnh" in exc.value.message
    assert not RoleAssignment.objects.filter(person=person).exists()
    role_grant(actor=superuser, person=person, agency=sotc, role=Role.CLERK)
    role_grant(actor=superuser, person=person, agency=sotc, role=Role.CLERK)  # no duplicate
    assert RoleAssignment.objects.filter(person=person).count() == 1
    assert role_revoke(actor=superuser, person=person, agency=sotc, role=Role.CLERK)
    assert not role_revoke(actor=superuser, person=person, agency=sotc, role=Role.CLERK)


@pytest.mark.django_db
def test_agency_admin_manages_only_own_people(province, office_admin):
    _, office, sotc = province
    with pytest.raises(PermissionDenied):
        person_create(
            actor=office_admin, data={"username": "x.stc", "full_name": "X", "agency": sotc}
        )
    dept_other = department_create(actor=None, agency=sotc, data={"name": "Văn phòng Sở"})
    with pytest.raises(ValidationFailed) as exc:
        person_create(
            actor=office_admin,
            data={
                "username": "y.vp",
                "full_name": "Y",
                "agency": office,
                "department": dept_other,
            },
        )
    assert "không thuộc cơ quan" in exc.value.errors["department"][0]
    with pytest.raises(ValidationFailed) as exc:
        person_create(
            actor=office_admin,
            data={"username": "z.vp", "full_name": "Z", "agency": office, "is_superuser": True},
        )
    assert "is_superuser" in exc.value.errors
    person = person_create(
        actor=office_admin, data={"username": "y.vp", "full_name": "Y", "agency": office}
    )
    assert [p.pk for p in person_list(viewer=person)] == sorted(
        [person.pk, office_admin.pk], key=lambda pk: Person.objects.get(pk=pk).search_text
    )
    outsider = person_create(
        actor=None, data={"username": "o.stc", "full_name": "O", "agency": sotc}
    )
    with pytest.raises(NotFound):
        person_get(viewer=outsider, pk=person.pk)


@pytest.mark.django_db
def test_department_tree_has_no_cycle(province):
    _, office, sotc = province
    a = department_create(actor=None, agency=office, data={"name": "Phòng A", "short_name": "A"})
    b = department_create(actor=None, agency=office, data={"name": "Phòng B", "parent": a.pk})
    with pytest.raises(ValidationFailed):
        department_update(actor=None, department=a, data={"parent": b.pk})
    other = department_create(actor=None, agency=sotc, data={"name": "Phòng C"})
    with pytest.raises(ValidationFailed):
        department_update(actor=None, department=b, data={"parent": other.pk})


# --- import / export ---------------------------------------------------------------------------


def _csv(*lines: str) -> io.BytesIO:
    return io.BytesIO((HEADER + "\n".join(lines) + "\n").encode())


GOOD = [
    # children before parents on purpose
    "000.01.01.H15,UBND phường Tân Lợi,UBND,commune,000.01.00.H15,,,,,,,1",
    "000.01.00.H15,UBND thành phố Buôn Ma Thuột,UBND,district,000.00.00.H15,,,,,,,1",
    "000.00.00.H15,UBND tỉnh Đắk Lắk,UBND,province,,,09 Lê Duẩn,ubnd@daklak.gov.vn,,,,1",
    '000.00.00.G22,"Văn phòng Chính phủ, Hà Nội",VPCP,central,,,,,,,,0',
]


@pytest.mark.django_db
def test_import_good_file_then_reimport_changes_nothing():
    result = directory_import(actor=None, stream_or_path=_csv(*GOOD))
    assert (result.created, result.updated) == (4, 0)
    ward = Agency.objects.get(code="000.01.01.H15")
    assert ward.parent.code == "000.01.00.H15" and ward.parent.parent.code == "000.00.00.H15"
    assert Agency.objects.get(code="000.00.00.G22").name == "Văn phòng Chính phủ, Hà Nội"
    assert AuditEvent.objects.filter(action="agency.create").count() == 4
    events = AuditEvent.objects.count()
    again = directory_import(actor=None, stream_or_path=_csv(*GOOD))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert AuditEvent.objects.count() == events
    changed = [*GOOD[:3], '000.00.00.G22,"Văn phòng Chính phủ",VPCP,central,,,,,,,,0']
    third = directory_import(actor=None, stream_or_path=_csv(*changed))
    assert (third.created, third.updated) == (0, 1)
    event = AuditEvent.objects.filter(action="agency.update").last()
    assert event.details["changed"]["name"][1] == "Văn phòng Chính phủ"
    assert audit_chain_verify().ok


@pytest.mark.django_db
def test_import_reports_every_bad_line_and_saves_nothing():
    _agency("000.00.00.H15", "UBND tỉnh Đắk Lắk", "province")
    data = _csv(
        "000.00.01.H15,Văn phòng,VPUBND,department,000.00.00.H15,,,,,,,1",  # 2 ok
        "00.00.01.H15,Sai mã,,department,,,,,,,,1",  # 3 bad code
        "000.00.01.H15,Trùng,,department,,,,,,,,1",  # 4 duplicate
        "000.00.02.H15,Không cha,,department,000.00.99.H15,,,,,,,1",  # 5 unknown parent
        "000.00.03.H15,Vòng A,,department,000.00.04.H15,,,,,,,1",  # 6 cycle
        "000.00.04.H15,Vòng B,,department,000.00.03.H15,,,,,,,1",  # 7 cycle
        "000.00.05.H15,Sai cấp,,ministry,,,,,,,,1",  # 8 bad level
        "000.00.06.H15,,,department,,,,,,,,1",  # 9 empty name
        "000.00.07.H15,Thiếu cột,,department",  # 10 columns
        "000.00.00.H15,Tự làm cha,,province,000.00.00.H15,,,,,,,1",  # 11 self parent
    )
    with pytest.raises(ValidationFailed) as exc:
        directory_import(actor=None, stream_or_path=data)
    lines = {e["line"]: e["message"] for e in exc.value.errors}
    assert set(lines) == {3, 4, 5, 6, 7, 8, 9, 10, 11}
    assert "định dạng" in lines[3]
    assert "trùng với dòng 2" in lines[4]
    assert "000.00.99.H15" in lines[5]
    assert "Vòng lặp" in lines[6] and "Vòng lặp" in lines[7]
    assert "ministry" in lines[8]
    assert "Thiếu tên" in lines[9]
    assert "cột" in lines[10]
    assert "chính nó" in lines[11]
    assert list(Agency.objects.values_list("code", flat=True)) == ["000.00.00.H15"]


@pytest.mark.django_db
def test_import_cycle_through_existing_agencies():
    root = _agency("000.00.00.H15", "UBND tỉnh", "province")
    _agency("000.00.01.H15", "Văn phòng", parent=root.code)
    # Making the root a child of its own child, by file:
    with pytest.raises(ValidationFailed) as exc:
        directory_import(
            actor=None,
            stream_or_path=_csv("000.00.00.H15,UBND tỉnh,,province,000.00.01.H15,,,,,,,1"),
        )
    assert exc.value.errors[0]["line"] == 2 and "Vòng lặp" in exc.value.errors[0]["message"]


@pytest.mark.django_db
def test_import_rejects_wrong_header_and_non_utf8():
    with pytest.raises(ValidationFailed) as exc:
        directory_import(actor=None, stream_or_path=io.BytesIO(b"ma,ten\n1,2\n"))
    assert exc.value.errors[0]["line"] == 1
    # Saved by an old spreadsheet in a single-byte code page: "à" is one byte, not UTF-8.
    latin = (HEADER + "000.00.00.H15,UBND tỉnh Cà Mau,,province,,,,,,,,1\n").encode(
        "latin-1", "replace"
    )
    with pytest.raises(ValidationFailed) as exc:
        directory_import(actor=None, stream_or_path=io.BytesIO(latin))
    assert "UTF-8" in exc.value.message and exc.value.errors[0]["line"] == 2
    assert not Agency.objects.exists()


@pytest.mark.django_db
def test_export_round_trip(tmp_path):
    directory_import(actor=None, stream_or_path=_csv(*GOOD))
    out = io.StringIO()
    assert directory_export(out=out) == 4
    text = out.getvalue()
    lines = text.splitlines()
    assert lines[0] == ",".join(CSV_HEADER)
    assert [line.split(",")[0] for line in lines[1:]] == sorted(
        line.split(",")[0] for line in lines[1:]
    )
    result = directory_import(actor=None, stream_or_path=io.BytesIO(text.encode()))
    assert result.unchanged == 4 and result.created == result.updated == 0


@pytest.mark.django_db
def test_directory_command_exits_non_zero_and_lists_lines(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "xx,Sai,,department,,,,,,,,1\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("directory", "import", str(bad))
    assert "Dòng 2" in capsys.readouterr().err
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "\n".join(GOOD) + "\n", encoding="utf-8")
    call_command("directory", "import", str(good))
    target = tmp_path / "out.csv"
    call_command("directory", "export", "-o", str(target))
    assert target.read_text(encoding="utf-8").count("\n") == 5


# --- search ----------------------------------------------------------------------------------


class _Viewer:
    is_authenticated = True
    is_superuser = False
    agency_id = None


@pytest.mark.django_db
def test_search_folds_diacritics_and_matches_word_prefixes():
    directory_import(actor=None, stream_or_path=_csv(*GOOD))
    _agency("000.00.00.H16", "UBND tỉnh Đắk Nông", "other_province")
    v = _Viewer()
    names = [a.name for a in agency_search(viewer=v, query="dak lak")]
    assert names == ["UBND tỉnh Đắk Lắk"]
    assert [a.name for a in agency_search(viewer=v, query="Đắk")] == [
        "UBND tỉnh Đắk Lắk",  # on this installation: first
        "UBND tỉnh Đắk Nông",
    ]
    assert [a.code for a in agency_search(viewer=v, query="buon ma")] == ["000.01.00.H15"]
    assert [a.code for a in agency_search(viewer=v, query="tân l")] == ["000.01.01.H15"]
    assert agency_search(viewer=v, query="an loi") == []  # prefix of words, not inside them
    assert [a.code for a in agency_search(viewer=v, query="000.00.00.g")] == ["000.00.00.G22"]
    assert [a.code for a in agency_search(viewer=v, query="vpcp")] == ["000.00.00.G22"]
    # The index follows updates.
    agency_update(
        actor=None, agency=Agency.objects.get(code="000.00.00.G22"), data={"name": "VP CP"}
    )
    assert agency_search(viewer=v, query="chinh phu") == []
    assert [a.code for a in agency_search(viewer=v, query="vp cp")] == ["000.00.00.G22"]


# --- demo ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_is_idempotent_and_audited():
    first = demo_load()
    assert first["people"] == len(demo_data.demo_accounts())
    counts = (
        Agency.objects.count(),
        Department.objects.count(),
        Person.objects.count(),
        RoleAssignment.objects.count(),
        RecipientGroup.objects.count(),
        AuditEvent.objects.count(),
    )
    second = demo_load()
    assert not any(second.values())
    assert counts == (
        Agency.objects.count(),
        Department.objects.count(),
        Person.objects.count(),
        RoleAssignment.objects.count(),
        RecipientGroup.objects.count(),
        AuditEvent.objects.count(),
    )
    assert audit_chain_verify().ok
    clerk = Person.objects.get(username="vanthu.vpubnd")
    assert clerk.check_password(demo_data.DEMO_PASSWORD)
    assert clerk.agency.code == "000.00.01.H15" and clerk.role_names() == {"clerk"}
    assert Person.objects.get(username="admin").is_superuser
    assert Person.objects.get(username="theodoi.vpubnd").role_names() == {"tracking"}
    assert Department.objects.filter(agency=clerk.agency, short_name="KGVX").exists()
    groups = {g.name: g for g in recipient_group_list(viewer=clerk)}
    assert groups["UBND các huyện, thị xã, thành phố"].members.count() == 15
    assert Agency.objects.get(code="000.00.00.H15").short_name == "UBND"
    assert Agency.objects.get(code="000.01.03.H15").parent.code == "000.01.00.H15"
