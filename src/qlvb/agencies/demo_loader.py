"""`qlvb demo`: load the demo province through the ordinary services, so every change is
audited, and skip whatever is already there, so a second run changes nothing."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.hashers import make_password
from django.db import transaction

from qlvb.agencies import demo_data as D
from qlvb.agencies.models import Agency, Department, Person, Position, RecipientGroup
from qlvb.agencies.services import (
    CSV_HEADER,
    department_create,
    directory_import,
    person_create,
    position_create,
    recipient_group_save,
    role_grant,
)
from qlvb.audit.services import audit_record


def _directory_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for a in D.AGENCIES:
        writer.writerow(
            [
                a.code,
                a.name,
                a.short_name,
                a.level,
                a.parent or "",
                a.organization_in_charge,
                a.address,
                a.email,
                a.telephone,
                "",
                a.website,
                "1" if a.on_installation else "0",
            ]
        )
    return out.getvalue()


@transaction.atomic
def demo_load(*, actor=None) -> dict:
    """Returns counts of what was created this time (all zero on a second run)."""
    stats = {"agencies": 0, "departments": 0, "positions": 0, "people": 0, "roles": 0}
    result = directory_import(
        actor=actor, stream_or_path=io.BytesIO(_directory_csv().encode()), filename="demo"
    )
    stats["agencies"] = result.created + result.updated

    agencies = {a.code: a for a in Agency.objects.filter(code__in=[x.code for x in D.AGENCIES])}
    by_code = {x.code: x for x in D.AGENCIES}
    for demo in D.AGENCIES:
        template = D.TEMPLATES.get(demo.kind)
        if template is None or not demo.on_installation:
            continue
        agency = agencies[demo.code]
        have = set(Department.objects.filter(agency=agency).values_list("name", flat=True))
        for name, short in template.departments:
            if name not in have:
                department_create(
                    actor=actor, agency=agency, data={"name": name, "short_name": short}
                )
                stats["departments"] += 1
        have = set(Position.objects.filter(agency=agency).values_list("name", flat=True))
        for name, rank in template.positions:
            if name not in have:
                position_create(actor=actor, agency=agency, data={"name": name, "rank": rank})
                stats["positions"] += 1

    # One argon2 hash shared by every demo account: hashing ~200 passwords one by one would
    # take many seconds, and these accounts exist only to be shown.
    password_hash = None
    existing = set(
        Person.objects.filter(username__in=[a["username"] for a in D.demo_accounts()]).values_list(
            "username", flat=True
        )
    )
    for account in D.demo_accounts():
        agency = agencies[account["agency"]]
        role = account["role"]
        template = D.TEMPLATES[by_code[agency.code].kind]
        if account["username"] not in existing:
            dept_short, position_name = template.placement.get(
                role, template.placement.get("admin")
            )
            data = {
                "username": account["username"],
                "full_name": account["full_name"],
                "email": f"{account['username']}@demo.qlvb.vn",
                "agency": agency,
                "department": Department.objects.get(agency=agency, short_name=dept_short),
                "position": Position.objects.get(agency=agency, name=position_name),
            }
            if role == "superuser":
                data["is_superuser"] = True
            person = person_create(actor=actor, data=data)
            if password_hash is None:
                password_hash = make_password(D.DEMO_PASSWORD)
            person.password = password_hash
            person.save(update_fields=["password"])
            stats["people"] += 1
        else:
            person = Person.objects.get(username=account["username"])
        if role != "superuser" and not person.roles.filter(agency=agency, role=role).exists():
            role_grant(actor=actor, person=person, agency=agency, role=role)
            stats["roles"] += 1

    for name, codes in D.RECIPIENT_GROUPS.items():
        group = RecipientGroup.objects.filter(owner=None, name=name).first()
        if group is None or set(group.members.values_list("code", flat=True)) != set(codes):
            recipient_group_save(
                actor=actor, owner=None, name=name, member_codes=codes, group=group
            )

    if any(stats.values()):
        audit_record(
            actor=actor,
            action="demo.load",
            object_type="demo",
            object_id="daklak",
            object_repr="Tỉnh Đắk Lắk (dữ liệu mẫu)",
            details=stats,
        )
    return stats
