"""A province-sized dataset (`qlvb generate`): ~220 agencies of Đắk Lắk with their people and
years of incoming documents, loaded in bulk.

What is generated:
- the demo province (`qlvb demo`, through the ordinary audited services) as the core, plus
  generated communes (xã, phường) under its 15 districts up to ~220 agencies on the installation;
- people in every role of every agency (văn thư, lãnh đạo, trưởng phòng, chuyên viên, quản trị),
  with departments and positions; generated accounts have no usable password;
- incoming documents (Document + IncomingDocument) spread over the years with working-day
  arrival times, skewed as a province is (Văn phòng UBND tỉnh receives a fifth of everything,
  communes little; a few agencies never act on what they receive), register books with gapless
  arrival numbers per agency, year and book, states by age (old documents done, recent ones in
  every state, some overdue), assignments (department or person, delegation chain, co-handlers,
  people to inform, due dates), the timeline, and optionally one tiny text attachment each;
- their search index rows, with about 270 words of generated file text each (scale/bodies.py).

Bulk loading: PostgreSQL gets `COPY ... FROM STDIN` (psycopg 3) from a writer thread with its own
connection, so generating the next chunk in Python overlaps the database ingesting the previous
one; SQLite gets `executemany` in one transaction. Ids are assigned here (sequences are moved past
them afterwards), which is what lets the rows reference each other without round trips.

Audit: the core province is audited by its services as `qlvb demo` is; the bulk rows are not
audited one by one (they never happened), and one `scale.generate` event, chained as every event
is, records that the dataset was generated and what it holds, so `qlvb audit verify` stays valid.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import hashlib
import json
import queue
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import connection, connections, models, transaction
from django.utils import timezone

from qlvb.agencies import demo_data as D
from qlvb.agencies.demo_loader import demo_load
from qlvb.agencies.models import (
    Agency,
    AgencyLevel,
    Department,
    Person,
    Position,
    Role,
    RoleAssignment,
)
from qlvb.audit.services import audit_record
from qlvb.core import bulk
from qlvb.core.errors import Conflict
from qlvb.core.text import fold
from qlvb.directives.models import (
    Completion,
    ExtensionRequest,
    ProgressReport,
    Task,
    TaskCooperation,
    TaskPeriod,
)
from qlvb.documents import storage
from qlvb.documents.models import (
    URGENCY_RANK,
    Attachment,
    Blob,
    Confidentiality,
    Document,
    DocumentType,
    RegisterBook,
    RegisterKind,
    Urgency,
)
from qlvb.incoming.models import (
    Assignment,
    IncomingDocument,
    TimelineEvent,
)
from qlvb.outgoing.models import Delivery, OutgoingDocument, OutgoingEvent, Recipient
from qlvb.scale import bodies
from qlvb.scale import phrases as P
from qlvb.scale.models import GeneratedDataset
from qlvb.search.models import SearchEntry
from qlvb.search.text import exact_text, folded_text, normalize_notation

TARGET_AGENCIES = 220
CHUNK_DOCUMENTS = 20_000
UNUSABLE_PASSWORD = "!generated"  # noqa: S105 (not a password: Django's "no usable password" mark)

# Share of all incoming documents per kind of agency (the province office handles most).
SHARE = {"office": 0.20, "province": 0.06, "dept": 0.42, "district": 0.17, "commune": 0.15}
# Share of the outgoing documents per kind of agency, and how much each agency of a kind
# weighs when a recipient is picked (the province office receives reports from everyone).
OUT_SHARE = {"office": 0.25, "province": 0.04, "dept": 0.38, "district": 0.20, "commune": 0.13}
RECEIVE_WEIGHT = {"office": 40, "province": 8, "dept": 4, "district": 4, "commune": 1}
# The sender's view (edXML status) of what became of its copy at the recipient.
DELIVERY_STATUS = {
    "received": "01",
    "rejected": "02",
    "registered": "03",
    "submitted": "03",
    "assigned": "04",
    "in_progress": "05",
    "done": "06",
}
# How many extra people each kind of agency gets on top of the demo accounts.
STAFF = {
    # kind: (clerks, top leaders, specialists per department)
    "office": (3, 3, 12),
    "province": (1, 3, 2),
    "dept": (1, 2, 4),
    "district": (1, 2, 3),
    "commune": (1, 2, 2),
}

DOC_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "agency_id",
    "document_type_id",
    "type_name",
    "code_number",
    "code_notation",
    "issued_date",
    "organ_name",
    "organ_id",
    "subject",
    "language",
    "page_amount",
    "description",
    "signer_competence",
    "signer_position",
    "signer_full_name",
    "urgency",
    "urgency_deadline",
    "confidentiality",
    "due_date",
    "to_places",
]
INCOMING_COLUMNS = [
    "id",
    "document_id",
    "agency_id",
    "state",
    "source",
    "register_book_id",
    "arrival_number",
    "arrival_date",
    "electronic_received_at",
    "paper_received_at",
    "registered_at",
    "registered_by_id",
    "rejected_reason",
    "origin_reference",
    "merged_into_id",
    "routed_to_id",
    "direction",
    "directed_by_id",
    "directed_at",
    "due_at",
    "done_at",
    "urgency_rank",
    "created_at",
]
ASSIGNMENT_COLUMNS = [
    "id",
    "incoming_id",
    "parent_id",
    "kind",
    "person_id",
    "department_id",
    "due_at",
    "assigned_by_id",
    "assigned_at",
    "state",
    "result",
    "completed_at",
]
EVENT_COLUMNS = [
    "id",
    "incoming_id",
    "occurred_at",
    "actor_id",
    "kind",
    "status_code",
    "text",
    "details",
]
ATTACHMENT_COLUMNS = [
    "id",
    "document_id",
    "blob_id",
    "original_name",
    "content_type",
    "size",
    "page_count",
    "role",
    "position",
    "created_by_id",
    "created_at",
]
OUTGOING_COLUMNS = [
    "id",
    "document_id",
    "agency_id",
    "state",
    "drafting_department_id",
    "created_by_id",
    "signer_id",
    "signed_by_id",
    "signed_at",
    "register_book_id",
    "number",
    "issued_at",
    "issued_by_id",
    "copies",
    "file_keeper",
    "recalled_at",
    "recalled_by_id",
    "recall_reason",
    "urgency_rank",
    "created_at",
    "updated_at",
]
RECIPIENT_COLUMNS = ["id", "outgoing_id", "kind", "agency_id", "name", "medium", "position"]
OUTGOING_EVENT_COLUMNS = ["id", "outgoing_id", "occurred_at", "actor_id", "kind", "text", "details"]
DELIVERY_COLUMNS = [
    "id",
    "state",
    "attempts",
    "next_attempt_at",
    "created_at",
    "finished_at",
    "agency_id",
    "outgoing_id",
    "recipient_id",
    "recipient_agency_id",
    "urgency_rank",
    "status",
    "incoming_id",
    "delivered_at",
    "accepted_at",
    "rejected_at",
    "rejected_reason",
    "assigned_at",
    "in_progress_at",
    "done_at",
    "status_changed_at",
    "acted_by_id",
    "acted_by_name",
    "last_text",
    "due_date",
]
SEARCH_COLUMNS = [
    "document_id",
    "agency_id",
    "direction",
    "state",
    "type_name",
    "urgency",
    "confidentiality",
    "organ_folded",
    "signer_folded",
    "notation",
    "issued_date",
    "doc_date",
    "meta_text",
    "meta_folded",
    "body_text",
    "body_folded",
    "indexed_at",
]
TASK_COLUMNS = [
    "id",
    "title",
    "content",
    "source_kind",
    "source_document_id",
    "source_outgoing_id",
    "source_incoming_id",
    "source_text",
    "assigning_agency_id",
    "assigned_by_id",
    "assigned_at",
    "lead_agency_id",
    "lead_department_id",
    "due_at",
    "recurrence",
    "recurrence_until",
    "priority",
    "parent_id",
    "received_at",
    "received_by_id",
    "created_by_id",
    "created_at",
]
PERIOD_COLUMNS = [
    "id",
    "task_id",
    "number",
    "starts_at",
    "due_at",
    "effective_due_at",
    "completed_at",
    "confirmed_at",
    "lead_agency_id",
    "assigning_agency_id",
    "is_top",
]
COOPERATION_COLUMNS = ["id", "task_id", "agency_id", "part"]
PROGRESS_COLUMNS = [
    "id",
    "task_id",
    "period_id",
    "agency_id",
    "text",
    "percent",
    "created_by_id",
    "created_at",
]
EXTENSION_COLUMNS = [
    "id",
    "period_id",
    "reason",
    "new_due_at",
    "requested_by_id",
    "requested_at",
    "decision",
    "decided_by_id",
    "decided_at",
    "note",
]
COMPLETION_COLUMNS = [
    "id",
    "period_id",
    "result",
    "evidence",
    "completed_by_id",
    "completed_at",
    "decision",
    "decided_by_id",
    "decided_at",
    "note",
]
# In the order a chunk is loaded: each COPY commits alone, so what a row references is loaded
# by an earlier COPY (deliveries and tasks come after the incoming documents they point to).
TABLES = [
    (Document, DOC_COLUMNS),
    (OutgoingDocument, OUTGOING_COLUMNS),
    (Recipient, RECIPIENT_COLUMNS),
    (OutgoingEvent, OUTGOING_EVENT_COLUMNS),
    (IncomingDocument, INCOMING_COLUMNS),
    (Assignment, ASSIGNMENT_COLUMNS),
    (TimelineEvent, EVENT_COLUMNS),
    (Attachment, ATTACHMENT_COLUMNS),
    (SearchEntry, SEARCH_COLUMNS),
    (Delivery, DELIVERY_COLUMNS),
    (Task, TASK_COLUMNS),
    (TaskPeriod, PERIOD_COLUMNS),
    (TaskCooperation, COOPERATION_COLUMNS),
    (ProgressReport, PROGRESS_COLUMNS),
    (ExtensionRequest, EXTENSION_COLUMNS),
    (Completion, COMPLETION_COLUMNS),
]


def extra_columns(model, columns) -> tuple[list[str], tuple]:
    """Columns the generator does not set (fields other apps add later) and their values, as the
    loaders take them (JSON as text); one the table does not have yet is left out."""
    with connection.cursor() as cursor:
        present = {
            c.name
            for c in connection.introspection.get_table_description(cursor, model._meta.db_table)
        }
    fields, values = bulk.other_fields(model, columns, strict=True)
    names, out = [], []
    for f, value in zip(fields, values, strict=True):
        if f.column in columns or f.column not in present:  # not migrated yet: nothing to fill
            continue
        if isinstance(f, models.JSONField):
            value = json.dumps(value)
        names.append(f.column)
        out.append(value)
    return names, tuple(out)


def check_columns() -> None:
    for model, columns in TABLES:
        actual = {f.column for f in model._meta.concrete_fields}
        if set(columns) - actual:
            raise RuntimeError(
                f"generator columns of {model._meta.db_table} are out of date: "
                f"{sorted(set(columns) - actual)} no longer exist"
            )
        extra_columns(model, columns)


# --- loaders ----------------------------------------------------------------------------------

_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPE)
    return str(value)  # int, date, aware datetime ("2025-03-04 02:30:00+00:00")


class PostgresLoader:
    """COPY from a writer thread with its own connection: Python builds chunk k+1 while
    PostgreSQL ingests chunk k. Each COPY commits on its own (bounded deferred-FK queues)."""

    def __init__(self):
        self.jobs: queue.Queue = queue.Queue(maxsize=3)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._work, name="qlvb-generate-copy", daemon=True)
        self.thread.start()

    def _work(self):
        conn = connections["default"]  # a new connection: connections are per thread
        try:
            conn.ensure_connection()
            raw = conn.connection
            raw.autocommit = True
            with raw.cursor() as cur:
                cur.execute("SET synchronous_commit = off")
                while True:
                    job = self.jobs.get()
                    if job is None:
                        break
                    if self.error is None:
                        table, columns, lines = job
                        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                            for i in range(0, len(lines), 5000):
                                copy.write("".join(lines[i : i + 5000]))
        except BaseException as exc:  # reported by the main thread
            self.error = exc
            while self.jobs.get() is not None:  # drain so the producer never blocks
                pass
        finally:
            conn.close()

    def load(self, model, columns, rows) -> None:
        if self.error is not None:
            raise self.error
        if rows:
            lines = ["\t".join(map(_copy_value, row)) + "\n" for row in rows]
            self.jobs.put((model._meta.db_table, columns, lines))

    def finish(self) -> None:
        self.jobs.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


class SqliteLoader:
    """executemany inside the caller's transaction (SQLite has one writer anyway)."""

    def load(self, model, columns, rows) -> None:
        if not rows:
            return
        by_column = {f.column: f for f in model._meta.concrete_fields}
        params = bulk.sqlite_params([by_column[c] for c in columns], rows, json_as_text=True)
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)

    def finish(self) -> None:
        pass


# --- the province -----------------------------------------------------------------------------


@dataclass
class Staff:
    agency: Agency
    kind: str
    clerks: list[int] = field(default_factory=list)
    leaders: list[int] = field(default_factory=list)  # top leaders (Chủ tịch, Giám đốc...)
    heads: dict[int, int] = field(default_factory=dict)  # department id -> its head
    specialists: dict[int, list[int]] = field(default_factory=dict)  # department -> people
    departments: list[int] = field(default_factory=list)
    dept_short: dict[int, str] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    @property
    def all_specialists(self) -> list[int]:
        return [p for people in self.specialists.values() for p in people]


def _kind_of(agency: Agency) -> str:
    if agency.code == D.VPUBND_CODE:
        return "office"
    return {
        AgencyLevel.PROVINCE: "province",
        AgencyLevel.DISTRICT: "district",
        AgencyLevel.COMMUNE: "commune",
    }.get(agency.level, "dept")


def _add_communes(rng: random.Random, log) -> int:
    """Communes under the 15 districts until the installation holds ~TARGET_AGENCIES."""
    local = Agency.objects.filter(on_installation=True).count()
    districts = list(Agency.objects.filter(level=AgencyLevel.DISTRICT, on_installation=True))
    codes = set(Agency.objects.values_list("code", flat=True))
    missing = TARGET_AGENCIES - local
    if missing <= 0 or not districts:
        return 0
    new = []
    used_names = set(Agency.objects.values_list("name", flat=True))
    i = 0
    while len(new) < missing:
        district = districts[i % len(districts)]
        i += 1
        dd = district.code.split(".")[1]
        cc = next(
            n for n in range(1, 100) if f"000.{dd}.{n:02d}.H15" not in codes
        )  # first free commune number of the district
        code = f"000.{dd}.{cc:02d}.H15"
        codes.add(code)
        kind = rng.choice(["xã", "xã", "xã", "phường", "thị trấn"])
        name = f"UBND {kind} {rng.choice(P.PLACES)}"
        while name in used_names:
            name = f"UBND {kind} {rng.choice(P.PLACES)} {rng.choice(P.PLACES)}"
        used_names.add(name)
        agency = Agency(
            code=code,
            name=name,
            short_name="UBND",
            level=AgencyLevel.COMMUNE,
            parent=district,
            organization_in_charge=district.name,
            on_installation=True,
        )
        agency.search_text = agency.build_search_text()
        new.append(agency)
    Agency.objects.bulk_create(new, batch_size=500)
    log(f"  {len(new)} xã, phường sinh thêm")
    return len(new)


def _build_staff(rng: random.Random, log) -> list[Staff]:
    """Departments, positions and people for every agency of the installation."""
    agencies = list(Agency.objects.filter(on_installation=True).order_by("id"))
    have_depts = defaultdict(list)
    for d in Department.objects.filter(agency__in=agencies):
        have_depts[d.agency_id].append(d)
    have_pos = defaultdict(dict)
    for p in Position.objects.filter(agency__in=agencies):
        have_pos[p.agency_id][p.name] = p

    new_depts, new_pos = [], []
    for agency in agencies:
        template = D.TEMPLATES[_kind_of(agency)]
        if not have_depts[agency.pk]:
            new_depts += [
                Department(agency=agency, name=n, short_name=s) for n, s in template.departments
            ]
        if not have_pos[agency.pk]:
            new_pos += [Position(agency=agency, name=n, rank=r) for n, r in template.positions]
    Department.objects.bulk_create(new_depts, batch_size=1000)
    Position.objects.bulk_create(new_pos, batch_size=1000)
    depts = defaultdict(list)
    for d in Department.objects.filter(agency__in=agencies).order_by("id"):
        depts[d.agency_id].append(d)
    positions = defaultdict(dict)
    for p in Position.objects.filter(agency__in=agencies).order_by("rank", "id"):
        positions[p.agency_id][p.name] = p

    staff = {a.pk: Staff(agency=a, kind=_kind_of(a)) for a in agencies}
    for a in agencies:
        staff[a.pk].departments = [d.pk for d in depts[a.pk]]
        staff[a.pk].dept_short = {d.pk: d.short_name or "VP" for d in depts[a.pk]}
    # Existing people (the demo accounts) take part in the work.
    roles = defaultdict(set)
    for person_id, role in RoleAssignment.objects.values_list("person_id", "role"):
        roles[person_id].add(role)
    for person in Person.objects.filter(agency__in=agencies).order_by("id"):
        s = staff[person.agency_id]
        s.names[person.pk] = person.full_name
        r = roles[person.pk]
        if Role.CLERK in r:
            s.clerks.append(person.pk)
        if Role.LEADER in r:
            s.leaders.append(person.pk)
        if Role.SPECIALIST in r and person.department_id:
            s.specialists.setdefault(person.department_id, []).append(person.pk)

    people: list[tuple[Person, str, str]] = []  # person, role, what for
    index = 10_000
    for a in agencies:
        s = staff[a.pk]
        clerks, tops, per_dept = STAFF[s.kind]
        pos = positions[a.pk]
        names = list(pos)
        top_pos = [pos[n] for n in names[:2]]
        clerk_pos = pos.get("Văn thư") or pos.get("Công chức")
        spec_pos = pos.get("Chuyên viên") or pos.get("Công chức")
        head_pos = pos.get("Trưởng phòng") or pos.get("Phó Chủ tịch")
        first = depts[a.pk][0] if depts[a.pk] else None

        def person(role, department, position, what, a=a):
            nonlocal index
            index += 1
            username = f"sinh.{a.code.lower()}.{role}.{index}"
            full_name = D.demo_full_name(index)
            p = Person(
                username=username,
                full_name=full_name,
                email=f"{username}@sinh.qlvb.vn",
                agency=a,
                department=department,
                position=position,
                password=UNUSABLE_PASSWORD,
            )
            p.search_text = fold(f"{full_name} {username} {p.email}")[:500]
            people.append((p, role, what))

        for _ in range(clerks):
            person(Role.CLERK, first, clerk_pos, "clerk")
        for i in range(tops):
            person(Role.LEADER, None, top_pos[min(i, len(top_pos) - 1)], "leader")
        for d in depts[a.pk]:
            person(Role.LEADER, d, head_pos, f"head:{d.pk}")
            for _ in range(per_dept):
                person(Role.SPECIALIST, d, spec_pos, f"spec:{d.pk}")
        if s.kind == "commune" and not Person.objects.filter(agency=a).exists():
            person(Role.ADMIN, first, spec_pos, "admin")
        if s.kind == "office":
            person(Role.TRACKING, first, spec_pos, "tracking")
    Person.objects.bulk_create([p for p, _, _ in people], batch_size=1000)
    # bulk_create sets primary keys on PostgreSQL and SQLite ≥ 3.35 (RETURNING).
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(person=p, agency_id=p.agency_id, role=role) for p, role, _ in people],
        batch_size=1000,
    )
    for p, _role, what in people:
        s = staff[p.agency_id]
        s.names[p.pk] = p.full_name
        if what == "clerk":
            s.clerks.append(p.pk)
        elif what == "leader":
            s.leaders.append(p.pk)
        elif what.startswith("head:"):
            s.heads[int(what[5:])] = p.pk
        elif what.startswith("spec:"):
            s.specialists.setdefault(int(what[5:]), []).append(p.pk)
    log(
        f"  {len(agencies)} cơ quan trên hệ thống, {len(new_depts)} phòng ban và "
        f"{len(people)} cán bộ sinh thêm"
    )
    return [staff[a.pk] for a in agencies]


# --- documents ----------------------------------------------------------------------------------


def _working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


URGENCIES = [
    (Urgency.NORMAL, 0.85),
    (Urgency.URGENT, 0.10),
    (Urgency.VERY_URGENT, 0.035),
    (Urgency.FLASH, 0.013),
    (Urgency.FLASH_TIMED, 0.002),
]
CONFIDENTIALITIES = [
    (Confidentiality.NORMAL, 0.98),
    (Confidentiality.CONFIDENTIAL, 0.015),
    (Confidentiality.SECRET, 0.004),
    (Confidentiality.TOP_SECRET, 0.001),
]


def _cum(pairs):
    total, out = 0.0, []
    for _, w in pairs:
        total += w
        out.append(total)
    return [v for v, _ in pairs], out


def _state_for(rng: random.Random, age_days: int, electronic: bool, silent: bool) -> str:
    if silent:  # an agency that never acts: deliveries wait forever, paper stays unrouted
        return "received" if electronic else "registered"
    x = rng.random()
    if age_days > 60:
        table = [
            ("done", 0.955),
            ("rejected", 0.965),
            ("in_progress", 0.98),
            ("assigned", 0.99),
            ("submitted", 0.995),
            ("registered", 1.0),
        ]
    elif age_days > 14:
        table = [
            ("done", 0.70),
            ("in_progress", 0.85),
            ("assigned", 0.93),
            ("submitted", 0.96),
            ("registered", 0.98),
            ("rejected", 0.99),
            ("received", 1.0),
        ]
    else:
        table = [
            ("received", 0.10),
            ("registered", 0.25),
            ("submitted", 0.40),
            ("assigned", 0.65),
            ("in_progress", 0.85),
            ("done", 0.99),
            ("rejected", 1.0),
        ]
    state = next(name for name, edge in table if x < edge)
    if not electronic and state in ("received", "rejected"):
        state = "registered"
    return state


class _EntryText:
    """The search index's words of the generated metadata, memoised per phrase (the same
    subjects, organs and signers recur across a million documents)."""

    def __init__(self):
        self._exact: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        self._fold: dict[str, str] = {}

    def _part(self, cache, fn, text):
        value = cache.get(text)
        if value is None:
            value = fn(text)
            if len(cache) < 500_000:
                cache[text] = value
        return value

    def exact(self, parts) -> str:
        return " ".join(
            w for p in parts if p for w in [self._part(self._exact, exact_text, p)] if w
        )

    def folded(self, parts) -> str:
        return " ".join(
            w for p in parts if p for w in [self._part(self._folded, folded_text, p)] if w
        )

    def fold(self, text) -> str:
        return self._part(self._fold, fold, text or "")

    def notation(self, text) -> str:
        return normalize_notation(text)


class Ids:
    def __init__(self):
        self.next = {}
        for model, _ in TABLES:
            if model._meta.pk.column != "id":  # the search entry: the document's id
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608
                self.next[model] = cursor.fetchone()[0] + 1

    def take(self, model) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


def _blob_pool(size: int) -> list[tuple[int, int]]:
    """A few tiny text files, content-addressed like every upload: (blob id, size)."""
    pool = []
    st = storage.storage()
    for k in range(size):
        data = (
            f"Văn bản mẫu số {k + 1}. Tệp đính kèm nhỏ do lệnh qlvb generate sinh ra để đo "
            "hiệu năng; nội dung không có giá trị pháp lý.\n"
        ).encode()
        sha = hashlib.sha256(data).hexdigest()
        name = storage.blob_path(sha)
        if not st.exists(name):
            st.save(name, ContentFile(data))
        blob, _ = Blob.objects.get_or_create(
            sha256=sha, defaults={"size": len(data), "storage_name": name}
        )
        pool.append((blob.pk, len(data)))
    return pool


def generate(**kwargs) -> GeneratedDataset:
    """`qlvb generate`: see the module's docstring. On PostgreSQL the secondary indexes of the
    loaded tables are dropped for the load and built again afterwards (also when it fails):
    building an index once is cheaper than maintaining it row by row."""
    dropped: list[tuple[str, str]] = []
    try:
        return _generate(dropped=dropped, **kwargs)
    finally:
        if dropped:
            _restore_indexes(dropped, kwargs.get("log", print))


def _secondary_indexes() -> list[tuple[str, str]]:
    """(name, CREATE INDEX ...) of the loaded tables' indexes that back no constraint."""
    tables = [model._meta.db_table for model, _ in TABLES]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            JOIN pg_class c ON c.relname = i.indexname
            JOIN pg_index x ON x.indexrelid = c.oid
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT x.indisunique AND NOT x.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
            """,
            [tables],
        )
        return list(cursor.fetchall())


def _drop_indexes(log) -> list[tuple[str, str]]:
    indexes = _secondary_indexes()
    with connection.cursor() as cursor:
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    log(f"  {len(indexes)} chỉ mục phụ tạm bỏ trong lúc nạp")
    return indexes


def _restore_indexes(indexes: list[tuple[str, str]], log) -> None:
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
    log(f"  {len(indexes)} chỉ mục phụ dựng lại trong {time.monotonic() - started:.0f} s")


def _generate(
    *,
    dropped: list,
    documents: int,
    years: int,
    seed: int = 2026,
    attachments: bool = True,
    log: Callable[[str], None] = print,
    now: dt.datetime | None = None,
) -> GeneratedDataset:
    if documents < 1 or years < 1:
        raise ValueError("documents and years must be positive")
    check_columns()
    if IncomingDocument.objects.exists():
        raise Conflict(
            "Cơ sở dữ liệu đã có văn bản đến; lệnh sinh dữ liệu chỉ chạy trên cơ sở dữ liệu "
            "chưa có văn bản (hãy dùng một cơ sở dữ liệu riêng)."
        )
    started = time.monotonic()
    rng = random.Random(seed)
    now = now or timezone.now()
    log("Nạp tỉnh mẫu (qlvb demo) ...")
    demo_load(actor=None)
    dataset = GeneratedDataset.objects.create(
        documents=documents, years=years, seed=seed, attachments=attachments
    )
    with transaction.atomic():
        _add_communes(rng, log)
        staff = _build_staff(rng, log)

    senders = list(
        Agency.objects.filter(is_active=True)
        .exclude(level=AgencyLevel.COMMUNE)
        .values_list("id", "name", "short_name", "level")
    )
    sender_weights = [
        {"province": 30, "central": 12, "other_province": 3, "department": 4, "district": 3}.get(
            level, 2
        )
        for _, _, _, level in senders
    ]
    sender_cum = list(_cum(list(zip(senders, sender_weights, strict=True)))[1])
    types = list(
        DocumentType.objects.filter(is_active=True).values_list("id", "name", "abbreviation")
    )
    if not types:  # a database whose type list was emptied: names only, no type rows
        types = [(None, "Công văn", ""), (None, "Kế hoạch", "KH"), (None, "Báo cáo", "BC")]
    type_weights = {"Công văn": 50, "Kế hoạch": 8, "Báo cáo": 8, "Quyết định": 8, "Giấy mời": 8}
    type_cum = list(_cum([(t, type_weights.get(t[1], 1)) for t in types])[1])  # Công văn dominates
    urg_values, urg_cum = _cum(URGENCIES)
    conf_values, conf_cum = _cum(CONFIDENTIALITIES)

    # Documents per agency, by the share of its kind.
    by_kind = defaultdict(list)
    for s in staff:
        by_kind[s.kind].append(s)
    weights = []
    for s in staff:
        weights.append(SHARE[s.kind] / len(by_kind[s.kind]))
    total_w = sum(weights)

    def split(amount: int, shares: list[float], total: float) -> list[int]:
        out = [int(amount * w / total) for w in shares]
        for i in range(amount - sum(out)):
            out[i % len(out)] += 1
        return out

    # A few agencies never answer (one department, one district, four communes).
    silent_ids = set()
    for kind, n in (("dept", 1), ("district", 1), ("commune", 4)):
        for s in rng.sample(by_kind[kind], min(n, len(by_kind[kind]))):
            silent_ids.add(s.agency.pk)

    local_tz_offset = timezone.localtime(now).utcoffset()
    today = timezone.localtime(now).date()
    first_day = today.replace(year=today.year - years + 1, month=1, day=1)
    days = _working_days(first_day, today)
    # Slow growth: each year ~8% more documents than the one before.
    day_cum, total = [], 0.0
    for day in days:
        total += 1.08 ** (day.year - first_day.year)
        day_cum.append(total)

    # Register books of every agency and year (unused ones are removed at the end).
    book_rows = []
    for s in staff:
        for year in range(first_day.year, today.year + 1):
            for kind in RegisterKind.values:
                book_rows.append(
                    RegisterBook(
                        agency=s.agency,
                        year=year,
                        kind=kind,
                        name=f"{RegisterKind(kind).label} năm {year}",
                    )
                )
    RegisterBook.objects.bulk_create(book_rows, batch_size=1000, ignore_conflicts=True)
    books = {
        (b.agency_id, b.year, b.kind): b.pk
        for b in RegisterBook.objects.filter(agency__in=[s.agency for s in staff])
    }
    book_numbers: Counter = Counter()

    blob_pool = _blob_pool(64) if attachments else []
    ids = Ids()
    loader = PostgresLoader() if connection.vendor == "postgresql" else SqliteLoader()
    stats: Counter = Counter()
    buffers: dict = {model: [] for model, _ in TABLES}

    extras = {model: extra_columns(model, columns) for model, columns in TABLES}

    def flush():
        for model, columns in TABLES:
            names, defaults = extras[model]
            rows = buffers[model]
            if names:
                rows = [row + defaults for row in rows]
            loader.load(model, columns + names, rows)
            stats[model._meta.db_table] += len(buffers[model])
            buffers[model] = []

    hour = dt.timedelta(hours=1)
    dayd = dt.timedelta(days=1)
    empty_json = "{}"
    done_docs = 0
    last_report = time.monotonic()

    def moment(day: dt.date, start: dt.time, seconds: int) -> dt.datetime:
        local = dt.datetime.combine(day, start) + dt.timedelta(seconds=rng.randint(0, seconds))
        ts = (local - local_tz_offset).replace(tzinfo=dt.UTC)
        return min(ts, now - dt.timedelta(minutes=rng.randint(1, 600))) if ts > now else ts

    def pick_days(n: int) -> list[dt.date]:
        picks = sorted(bisect.bisect_left(day_cum, rng.random() * total) for _ in range(n))
        return [days[min(p, len(days) - 1)] for p in picks]

    entry_folds = _EntryText()

    def search_entry(doc_id, agency_id, direction, state, meta, doc_date, issued, urgency, conf):
        """The index row `search.services.index_document` would write, with generated file
        text (scale/bodies.py; the attachments themselves stay a sentence each, so
        `qlvb search reindex` would replace it with that sentence)."""
        (type_name, notation_full, subject, organ, competence, position, signer, extra) = meta
        parts = [type_name, notation_full, subject, organ, competence, position, signer, *extra]
        buffers[SearchEntry].append(
            (
                doc_id,
                agency_id,
                direction,
                state,
                type_name[:100],
                urgency,
                conf,
                entry_folds.fold(organ)[:200],
                entry_folds.fold(signer)[:100],
                entry_folds.notation(notation_full)[:60],
                issued,
                doc_date,
                entry_folds.exact(parts),
                entry_folds.folded(parts),
                *bodies.body(doc_id),
                now,
            )
        )

    if connection.vendor == "postgresql":
        dropped += _drop_indexes(log)

    # --- outgoing documents (văn bản đi) of the installation's agencies --------------------
    # Budget: a tenth of the documents are issued here; each electronic recipient on the
    # installation receives its own copy (an incoming document), about half of all documents;
    # the rest arrive from outside (ministries, other provinces, paper).
    by_pk = {s.agency.pk: s for s in staff}
    out_total = documents // 10
    copies_budget = documents // 2
    out_counts = split(
        out_total,
        [OUT_SHARE[s.kind] / len(by_kind[s.kind]) for s in staff],
        sum(OUT_SHARE[s.kind] / len(by_kind[s.kind]) for s in staff),
    )
    receivers = [s.agency.pk for s in staff]
    receiver_cum = list(_cum([(a, RECEIVE_WEIGHT[by_pk[a].kind]) for a in receivers])[1])
    broad = [s.agency.pk for s in staff if s.kind in ("dept", "district", "province")]
    arrivals: dict[int, list] = defaultdict(list)  # recipient agency -> (ts, delivery, meta)
    office_outgoing: list[tuple] = []  # (outgoing id, document id, notation, date, leader)
    copies = 0
    sender_of = {s.agency.pk: (s.agency.pk, s.agency.name, s.agency.short_name) for s in staff}
    for s, n_out in zip(staff, out_counts, strict=True):
        if n_out == 0 or not s.clerks:
            continue
        agency_id = s.agency.pk
        leaders = s.leaders or list(s.heads.values())
        drafters = [(d, p) for d, people in s.specialists.items() for p in people]
        if not leaders or not drafters:
            continue
        parent = s.agency.parent_id if s.agency.parent_id in by_pk else None
        for day in pick_days(n_out):
            ts = moment(day, dt.time(8, 0), 8 * 3600)
            age = (today - day).days
            dept, drafter = rng.choice(drafters)
            signer = leaders[0] if rng.random() < 0.5 else rng.choice(leaders)
            type_id, type_name, abbr = types[
                bisect.bisect_left(type_cum, rng.random() * type_cum[-1])
            ]
            urgency = urg_values[bisect.bisect_left(urg_cum, rng.random())]
            conf = conf_values[bisect.bisect_left(conf_cum, rng.random())]
            state = "issued"
            if age <= 7 and rng.random() < 0.3:
                state = rng.choice(("draft", "in_review", "approved", "signed"))
            number = book_id = None
            if state == "issued":
                kind = (
                    RegisterKind.OUTGOING
                    if conf == Confidentiality.NORMAL
                    else RegisterKind.OUTGOING_CONFIDENTIAL
                )
                key = (agency_id, day.year, kind)
                book_numbers[key] += 1
                number, book_id = book_numbers[key], books[key]
            short = s.agency.short_name or "UBND"
            dept_short = s.dept_short.get(dept, "VP")
            notation = f"{abbr}-{short}" if abbr else f"{short}-{dept_short}"
            if abbr == "TB" and s.kind == "office":
                topic_action = "Thông báo kết luận của Chủ tịch UBND tỉnh về"
            else:
                topic_action = rng.choice(P.ACTIONS)
            scope = rng.choice(P.SCOPES).format(
                year=day.year, quarter=(day.month - 1) // 3 + 1, month=day.month
            )
            subject = f"{topic_action} {rng.choice(P.TOPICS)} {scope}".strip()[:500]
            due_date = day + dt.timedelta(days=rng.randint(5, 30)) if rng.random() < 0.3 else None
            signer_name = s.names.get(signer, "")
            competence = "TM. UBND" if s.kind in ("office", "district", "commune") else ""
            position = "Chủ tịch" if competence else "Giám đốc"
            # Recipients: mostly one or two, sometimes a group, now and then every department
            # and district (or the whole installation).
            x = rng.random()
            if state != "issued":
                targets = []
            elif x < 0.004:
                targets = list(receivers)
            elif x < 0.02:
                targets = list(broad)
            elif x < 0.10:
                targets = [
                    receivers[bisect.bisect_left(receiver_cum, rng.random() * receiver_cum[-1])]
                    for _ in range(rng.randint(8, 30))
                ]
            else:
                n = rng.randint(1, 2) if x < 0.70 else rng.randint(3, 7)
                targets = [
                    receivers[bisect.bisect_left(receiver_cum, rng.random() * receiver_cum[-1])]
                    for _ in range(n)
                ]
                if parent and rng.random() < 0.8:
                    targets[0] = parent
            targets = list(dict.fromkeys(t for t in targets if t != agency_id))
            if copies + len(targets) > copies_budget:
                targets = targets[: max(0, copies_budget - copies)]
            copies += len(targets)
            doc_id = ids.take(Document)
            out_id = ids.take(OutgoingDocument)
            names = [by_pk[t].agency.name for t in targets]
            to_places = names[:50] + (["..."] if len(names) > 50 else [])
            buffers[Document].append(
                (
                    doc_id,
                    ts,
                    ts,
                    agency_id,
                    type_id,
                    type_name,
                    str(number) if number else "",
                    notation[:30],
                    day if number else None,
                    s.agency.name,
                    agency_id,
                    subject,
                    "Tiếng Việt",
                    rng.randint(1, 6),
                    "",
                    competence,
                    position,
                    signer_name,
                    urgency,
                    None,
                    conf,
                    due_date,
                    json.dumps(to_places, ensure_ascii=False),
                )
            )
            issued = state == "issued"
            signed = state in ("signed", "issued")
            rank = URGENCY_RANK[urgency]
            buffers[OutgoingDocument].append(
                (
                    out_id,
                    doc_id,
                    agency_id,
                    state,
                    dept,
                    drafter,
                    signer,
                    signer if signed else None,
                    ts if signed else None,
                    book_id,
                    number,
                    ts if issued else None,
                    s.clerks[0] if issued else None,
                    1,
                    "Lưu: VT",
                    None,
                    None,
                    "",
                    rank,
                    ts - dt.timedelta(days=2),
                    ts,
                )
            )
            if issued:
                buffers[OutgoingEvent].append(
                    (ids.take(OutgoingEvent), out_id, ts, s.clerks[0], "issued", "", empty_json)
                )
            rec = buffers[Recipient]
            meta = (
                sender_of[agency_id],
                type_id,
                type_name,
                str(number) if number else "",
                notation[:30],
                day,
                subject,
                competence,
                position,
                signer_name,
                urgency,
                conf,
                due_date,
                out_id,
            )
            for position_, target in enumerate(targets):
                rid = ids.take(Recipient)
                medium = "electronic" if rng.random() < 0.88 else "electronic_paper"
                rec.append((rid, out_id, "agency", target, names[position_], medium, position_))
                arrival = min(ts + dt.timedelta(minutes=rng.randint(1, 30)), now)
                arrivals[target].append((arrival, (ids.take(Delivery), rid), meta))
            if issued:
                rec.append(
                    (
                        ids.take(Recipient),
                        out_id,
                        "paper",
                        None,
                        f"Lưu: VT, {dept_short}",
                        "paper",
                        len(targets),
                    )
                )
            number_text = f"{number}/{notation}" if number else notation
            file_names = [f"{type_name} {number_text}.txt"] if blob_pool else []
            search_entry(
                doc_id,
                agency_id,
                "outgoing",
                state,
                (
                    type_name,
                    number_text,
                    subject,
                    s.agency.name,
                    competence,
                    position,
                    signer_name,
                    [*to_places, *file_names],
                ),
                day,
                day if number else None,
                urgency,
                conf,
            )
            if blob_pool:
                blob_id, size = blob_pool[doc_id % len(blob_pool)]
                buffers[Attachment].append(
                    (
                        ids.take(Attachment),
                        doc_id,
                        blob_id,
                        f"{type_name} {number_text}.txt",
                        "text/plain",
                        size,
                        1,
                        "main",
                        0,
                        drafter,
                        ts,
                    )
                )
            if issued and s.kind == "office":
                office_outgoing.append((out_id, doc_id, number_text, day, signer))
            stats["outgoing"] += 1
            if len(buffers[Document]) >= CHUNK_DOCUMENTS:
                flush()
    stats["deliveries"] = copies

    # --- incoming documents: the copies delivered above, and those from outside -----------
    external = max(0, documents - sum(out_counts) - copies)
    counts = split(external, weights, total_w)
    office_incoming: list[tuple] = []  # (incoming id, document id, leader, directed at)
    # SQLite: one transaction for everything; PostgreSQL: the writer commits each COPY.
    whole = contextlib.nullcontext() if connection.vendor == "postgresql" else transaction.atomic()
    with whole:
        for s, n_docs in zip(staff, counts, strict=True):
            agency_id = s.agency.pk
            mine = arrivals.pop(agency_id, [])
            if n_docs == 0 and not mine:
                continue
            silent = agency_id in silent_ids
            clerks = s.clerks or [None]
            leaders = s.leaders or list(s.heads.values()) or [None]
            specialists = s.all_specialists
            departments = [d for d in s.departments if s.specialists.get(d)]
            items = [
                (moment(day, dt.time(7, 30), 9 * 3600), None, None) for day in pick_days(n_docs)
            ]
            items += mine
            items.sort(key=lambda item: item[0])
            for ts, delivery, meta in items:
                local_day = (ts + local_tz_offset).date()
                age = (today - local_day).days
                x = rng.random()
                if delivery is None:
                    source = "electronic" if x < 0.55 else ("paper" if x < 0.95 else "email")
                else:
                    source = "electronic"
                electronic = source == "electronic"
                state = _state_for(rng, age, electronic, silent)
                if meta is None:
                    sender = senders[bisect.bisect_left(sender_cum, rng.random() * sender_cum[-1])]
                    type_id, type_name, abbr = types[
                        bisect.bisect_left(type_cum, rng.random() * type_cum[-1])
                    ]
                    urgency = urg_values[bisect.bisect_left(urg_cum, rng.random())]
                    conf = conf_values[bisect.bisect_left(conf_cum, rng.random())]
                    day = local_day
                    scope = rng.choice(P.SCOPES).format(
                        year=day.year, quarter=(day.month - 1) // 3 + 1, month=day.month
                    )
                    subject = f"{rng.choice(P.ACTIONS)} {rng.choice(P.TOPICS)} {scope}".strip()
                    subject = subject[:500]
                    issued = day - dt.timedelta(days=rng.randint(0, 4))
                    due_date = day + dt.timedelta(days=rng.randint(5, 30)) if x < 0.2 else None
                    short = sender[2] or "UBND"
                    notation = (f"{abbr}-{short}" if abbr else f"{short}-VP")[:30]
                    code_number = str(rng.randint(1, 4000))
                    competence = "TM. UBND" if sender[3] == "province" else ""
                    position = "Chủ tịch" if sender[3] == "province" else "Giám đốc"
                    signer_name = D.demo_full_name(rng.randint(0, 999))
                    organ_id, organ_name = sender[0], sender[1]
                    origin = "sinh:{}" if electronic else ""
                else:
                    (
                        (organ_id, organ_name, _short),
                        type_id,
                        type_name,
                        code_number,
                        notation,
                        issued,
                        subject,
                        competence,
                        position,
                        signer_name,
                        urgency,
                        conf,
                        due_date,
                        out_id,
                    ) = meta
                    origin = f"delivery:{delivery[0]}"
                doc_id = ids.take(Document)
                inc_id = ids.take(IncomingDocument)
                if origin == "sinh:{}":
                    origin = f"sinh:{inc_id}"
                buffers[Document].append(
                    (
                        doc_id,
                        ts,
                        ts,
                        agency_id,
                        type_id,
                        type_name,
                        code_number,
                        notation,
                        issued,
                        organ_name,
                        organ_id,
                        subject,
                        "Tiếng Việt",
                        rng.randint(1, 12),
                        "",
                        competence,
                        position,
                        signer_name,
                        urgency,
                        None,
                        conf,
                        due_date,
                        "[]",
                    )
                )
                rank = URGENCY_RANK[urgency]
                events = buffers[TimelineEvent]
                ev = ids.take
                registered_at = book_id = number = arrival_date = registered_by = None
                routed_to = directed_by = directed_at = due_at = done_at = None
                direction = rejected_reason = ""
                if due_date is not None:
                    due_at = dt.datetime.combine(due_date, dt.time(16, 59, 59), tzinfo=dt.UTC)
                if electronic:
                    events.append(
                        (ev(TimelineEvent), inc_id, ts, None, "arrived", "01", "", empty_json)
                    )
                if state == "rejected":
                    rejected_reason = rng.choice(P.REJECT_REASONS)
                    events.append(
                        (
                            ev(TimelineEvent),
                            inc_id,
                            min(ts + hour, now),
                            clerks[0],
                            "rejected",
                            "02",
                            rejected_reason,
                            empty_json,
                        )
                    )
                elif state != "received":
                    registered_at = min(ts + hour * rng.random() * 3, now) if electronic else ts
                    reg_local = registered_at + local_tz_offset
                    arrival_date = reg_local.date()
                    book_kind = (
                        RegisterKind.INCOMING
                        if conf == Confidentiality.NORMAL
                        else RegisterKind.INCOMING_CONFIDENTIAL
                    )
                    key = (agency_id, arrival_date.year, book_kind)
                    book_numbers[key] += 1
                    number = book_numbers[key]
                    book_id = books[key]
                    registered_by = rng.choice(clerks)
                    events.append(
                        (
                            ev(TimelineEvent),
                            inc_id,
                            registered_at,
                            registered_by,
                            "accepted" if electronic else "registered",
                            "03" if electronic else "",
                            "",
                            json.dumps({"arrival_number": number}),
                        )
                    )
                if state in ("submitted", "assigned", "in_progress", "done"):
                    routed_to = leaders[0] if rng.random() < 0.6 else rng.choice(leaders)
                    submitted_at = min(registered_at + hour * (1 + rng.random() * 3), now)
                    events.append(
                        (
                            ev(TimelineEvent),
                            inc_id,
                            submitted_at,
                            registered_by,
                            "submitted",
                            "",
                            "",
                            empty_json,
                        )
                    )
                if state in ("assigned", "in_progress", "done") and specialists:
                    directed_by = routed_to
                    directed_at = min(submitted_at + dayd * rng.random() * 2, now)
                    direction = rng.choice(P.DIRECTIONS)
                    due_at = directed_at + dayd * rng.choice((3, 5, 7, 10, 14, 15, 20, 30))
                    if state == "done":
                        done_at = directed_at + dayd * (0.2 + rng.expovariate(1 / 6))
                        if done_at > now:
                            state, done_at = "in_progress", None
                    if state in ("assigned", "in_progress") and age > 60:
                        # stragglers of old years: their deadline passed long ago
                        due_at = directed_at + dayd * 10
                    open_or_done = "done" if state == "done" else "open"
                    result = rng.choice(P.RESULTS) if state == "done" else ""
                    a_rows = buffers[Assignment]
                    lead_id = ids.take(Assignment)
                    if departments and rng.random() < 0.55:
                        dept = rng.choice(departments)
                        a_rows.append(
                            (
                                lead_id,
                                inc_id,
                                None,
                                "lead",
                                None,
                                dept,
                                due_at,
                                directed_by,
                                directed_at,
                                open_or_done,
                                result,
                                done_at,
                            )
                        )
                        head = s.heads.get(dept, directed_by)
                        child_at = min(directed_at + hour * 4, now)
                        a_rows.append(
                            (
                                ids.take(Assignment),
                                inc_id,
                                lead_id,
                                "lead",
                                rng.choice(s.specialists[dept]),
                                None,
                                due_at,
                                head,
                                child_at,
                                open_or_done,
                                result,
                                done_at,
                            )
                        )
                        delegated = (head, child_at)
                    else:
                        a_rows.append(
                            (
                                lead_id,
                                inc_id,
                                None,
                                "lead",
                                rng.choice(specialists),
                                None,
                                due_at,
                                directed_by,
                                directed_at,
                                open_or_done,
                                result,
                                done_at,
                            )
                        )
                        delegated = None
                    if len(departments) > 1 and rng.random() < 0.25:
                        a_rows.append(
                            (
                                ids.take(Assignment),
                                inc_id,
                                None,
                                "co",
                                None,
                                rng.choice(departments),
                                due_at,
                                directed_by,
                                directed_at,
                                open_or_done,
                                result,
                                done_at,
                            )
                        )
                    if rng.random() < 0.15:
                        a_rows.append(
                            (
                                ids.take(Assignment),
                                inc_id,
                                None,
                                "info",
                                rng.choice(leaders),
                                None,
                                None,
                                directed_by,
                                directed_at,
                                open_or_done,
                                "",
                                done_at,
                            )
                        )
                    events.append(
                        (
                            ev(TimelineEvent),
                            inc_id,
                            directed_at,
                            directed_by,
                            "directed",
                            "04",
                            direction,
                            empty_json,
                        )
                    )
                    if delegated:
                        events.append(
                            (
                                ev(TimelineEvent),
                                inc_id,
                                delegated[1],
                                delegated[0],
                                "delegated",
                                "",
                                "",
                                empty_json,
                            )
                        )
                    if state in ("in_progress", "done"):
                        events.append(
                            (
                                ev(TimelineEvent),
                                inc_id,
                                min(directed_at + dayd, now),
                                None,
                                "progress",
                                "05",
                                rng.choice(P.PROGRESS_NOTES),
                                empty_json,
                            )
                        )
                    if state == "done":
                        events.append(
                            (
                                ev(TimelineEvent),
                                inc_id,
                                done_at,
                                None,
                                "completed",
                                "06",
                                result,
                                empty_json,
                            )
                        )
                elif state in ("assigned", "in_progress", "done"):
                    state = "submitted"  # nobody to assign to in this agency
                if delivery is not None:
                    status, changed = DELIVERY_STATUS[state], ts
                    accepted_at = registered_at if registered_at and electronic else None
                    assigned_at = (
                        directed_at if state in ("assigned", "in_progress", "done") else None
                    )
                    progress_at = (
                        min(directed_at + dayd, now) if state in ("in_progress", "done") else None
                    )
                    rejected_at = min(ts + hour, now) if state == "rejected" else None
                    changed = (
                        done_at or progress_at or assigned_at or accepted_at or rejected_at or ts
                    )
                    actor = registered_by if state != "rejected" else clerks[0]
                    buffers[Delivery].append(
                        (
                            delivery[0],
                            "done",
                            1,
                            ts,
                            ts,
                            ts,
                            meta[0][0],
                            meta[-1],
                            delivery[1],
                            agency_id,
                            rank,
                            status,
                            inc_id,
                            ts,
                            accepted_at,
                            rejected_at,
                            rejected_reason,
                            assigned_at,
                            progress_at,
                            done_at,
                            changed,
                            actor if state != "received" else None,
                            s.names.get(actor, "") if state != "received" else "",
                            rejected_reason or (result if state == "done" else ""),
                            due_date,
                        )
                    )
                inc_files = [f"{type_name} {notation}.txt"] if blob_pool else []
                if s.kind == "office" and directed_at is not None and len(office_incoming) < 50_000:
                    office_incoming.append((inc_id, doc_id, directed_by, directed_at, subject))
                search_entry(
                    doc_id,
                    agency_id,
                    "incoming",
                    state,
                    (
                        type_name,
                        f"{code_number}/{notation}",
                        subject,
                        organ_name,
                        competence,
                        position,
                        signer_name,
                        [direction, str(number or ""), *inc_files],
                    ),
                    arrival_date or issued,
                    issued,
                    urgency,
                    conf,
                )
                buffers[IncomingDocument].append(
                    (
                        inc_id,
                        doc_id,
                        agency_id,
                        state,
                        source,
                        book_id,
                        number,
                        arrival_date,
                        ts if electronic or source == "email" else None,
                        ts if source == "paper" else None,
                        registered_at,
                        registered_by,
                        rejected_reason,
                        origin,
                        None,
                        routed_to,
                        direction,
                        directed_by,
                        directed_at,
                        due_at,
                        done_at,
                        rank,
                        ts,
                    )
                )
                stats[f"state:{state}"] += 1
                if blob_pool:
                    blob_id, size = blob_pool[doc_id % len(blob_pool)]
                    buffers[Attachment].append(
                        (
                            ids.take(Attachment),
                            doc_id,
                            blob_id,
                            f"{type_name} {notation}.txt",
                            "text/plain",
                            size,
                            1,
                            "main",
                            0,
                            registered_by,
                            ts,
                        )
                    )
                done_docs += 1
                if len(buffers[Document]) >= CHUNK_DOCUMENTS:
                    flush()
                    if time.monotonic() - last_report > 10:
                        last_report = time.monotonic()
                        elapsed = time.monotonic() - started
                        log(f"  {done_docs:,} / {documents:,} văn bản ({elapsed:.0f} s)")
        flush()
        _generate_tasks(
            rng=rng,
            staff=staff,
            count=documents // 10,
            silent_ids=silent_ids,
            office_outgoing=office_outgoing,
            office_incoming=office_incoming,
            pick_days=pick_days,
            moment=moment,
            now=now,
            ids=ids,
            buffers=buffers,
            flush=flush,
            stats=stats,
        )
        flush()
        loader.finish()
    if dropped:
        _restore_indexes(dropped, log)
        dropped.clear()

    log("Hoàn tất sổ đăng ký, chuỗi số, thống kê ...")
    with transaction.atomic():
        for (agency_id, year, kind), last in book_numbers.items():
            RegisterBook.objects.filter(pk=books[(agency_id, year, kind)]).update(last_number=last)
        RegisterBook.objects.filter(
            agency__in=[s.agency for s in staff], last_number=0, pk__in=list(books.values())
        ).delete()
    _finish_database()
    busiest = max(staff, key=lambda s: counts[staff.index(s)])
    summary = {
        "agencies": len(staff),
        "people": Person.objects.count(),
        "documents": documents,
        "years": years,
        "busiest_agency": busiest.agency.code,
        "silent_agencies": sorted(
            Agency.objects.filter(pk__in=silent_ids).values_list("code", flat=True)
        ),
        **{k: v for k, v in sorted(stats.items())},
    }
    seconds = time.monotonic() - started
    with transaction.atomic():
        dataset.stats = summary
        dataset.seconds = seconds
        dataset.finished_at = timezone.now()
        dataset.save()
        audit_record(
            actor=None,
            action="scale.generate",
            object_type="dataset",
            object_id=str(dataset.pk),
            object_repr=str(dataset),
            details={k: v for k, v in summary.items() if not k.startswith("state:")},
        )
    log(
        f"Xong: {documents:,} văn bản ({stats['outgoing']:,} văn bản đi, "
        f"{stats['tasks']:,} nhiệm vụ) trong {seconds:.0f} s."
    )
    return dataset


def _generate_tasks(
    *,
    rng,
    staff,
    count,
    silent_ids,
    office_outgoing,
    office_incoming,
    pick_days,
    moment,
    now,
    ids,
    buffers,
    flush,
    stats,
) -> None:
    """Nhiệm vụ: most given by the province (Văn phòng UBND tỉnh's leaders) to departments and
    districts, some by districts to their communes; from Thông báo kết luận (several agencies
    per notice), directions on incoming documents and meetings; plain, monthly and quarterly;
    with progress, extensions (granted, refused, pending), completions (confirmed, waiting,
    returned) so that every computed status occurs, and a few split into sub-tasks."""
    from qlvb.directives.periods import build_periods

    office = next((s for s in staff if s.kind == "office" and s.leaders), None)
    if office is None or count <= 0:
        return
    leads = [s for s in staff if s.kind in ("dept", "district", "province") and s.leaders]
    rng.shuffle(leads)
    lead_cum = list(_cum([(s, 1 / (i + 1) ** 0.6) for i, s in enumerate(leads)])[1])
    communes: dict[int, list] = defaultdict(list)
    for s in staff:
        if s.kind == "commune" and s.leaders:
            communes[s.agency.parent_id].append(s)
    districts = [s for s in staff if s.kind == "district" and communes[s.agency.pk] and s.leaders]
    hour, dayd = dt.timedelta(hours=1), dt.timedelta(days=1)
    source = None
    remaining_in_notice = 0
    for day in pick_days(count):
        assigned_at = moment(day, dt.time(8, 0), 8 * 3600)
        if districts and rng.random() < 0.15:
            giver = rng.choice(districts)
            lead = rng.choice(communes[giver.agency.pk])
            src = ("meeting", None, None, None, rng.choice(P.MEETINGS))
        else:
            giver = office
            lead = leads[bisect.bisect_left(lead_cum, rng.random() * lead_cum[-1])]
            if remaining_in_notice <= 0:
                x = rng.random()
                if office_outgoing and x < 0.5:
                    out_id, doc_id, number_text, _issued, _ = rng.choice(office_outgoing)
                    source = ("document", doc_id, out_id, None, f"Văn bản số {number_text}")
                    remaining_in_notice = rng.randint(1, 5)
                elif office_incoming and x < 0.8:
                    inc_id, doc_id, _by, _at, subject = rng.choice(office_incoming)
                    source = ("direction", doc_id, None, inc_id, f"Ý kiến chỉ đạo: {subject}")
                    remaining_in_notice = 1
                else:
                    source = ("meeting", None, None, None, rng.choice(P.MEETINGS))
                    remaining_in_notice = 1
            remaining_in_notice -= 1
            src = source
        kind, src_doc, src_out, src_inc, src_text = src
        src_text = src_text.format(day=day.day, month=day.month, year=day.year)[:500]
        assigner = giver.leaders[0] if rng.random() < 0.6 else rng.choice(giver.leaders)
        topic = rng.choice(P.TOPICS)
        title = f"{rng.choice(P.TASK_VERBS)} {topic}"[:500]
        x = rng.random()
        recurrence, until = "", None
        if x < 0.06:
            recurrence, until = "monthly", (assigned_at + dayd * 365).date()
        elif x < 0.09:
            recurrence, until = "quarterly", (assigned_at + dayd * 730).date()
        due = assigned_at + dayd * (rng.choice((10, 15, 20, 30, 45, 60, 90)))
        if recurrence:
            due = assigned_at + dayd * (25 if recurrence == "monthly" else 85)
        priority = "normal" if x < 0.8 else ("high" if x < 0.95 else "urgent")
        lead_dept = rng.choice(lead.departments) if lead.departments else None
        silent = lead.agency.pk in silent_ids
        received = None if silent else min(assigned_at + hour * rng.randint(1, 30), now)
        receiver = lead.clerks[0] if lead.clerks and received else None
        task_id = ids.take(Task)
        top = (
            task_id,
            title,
            f"{title}; báo cáo kết quả về {giver.agency.name}.",
            kind,
            src_doc,
            src_out,
            src_inc,
            src_text,
            giver.agency.pk,
            assigner,
            assigned_at,
            lead.agency.pk,
            lead_dept,
            due,
            recurrence,
            until,
            priority,
            None,
            received,
            receiver,
            assigner,
            assigned_at,
        )
        buffers[Task].append(top)
        stats["tasks"] += 1
        periods = build_periods(
            assigned_at=assigned_at, due_at=due, recurrence=recurrence, until=until
        )
        _task_periods(
            rng, task_id, periods, lead, giver, assigner, silent, True, now, ids, buffers, stats
        )
        if rng.random() < 0.3:
            others = [s for s in leads if s is not lead]
            for agency_s in rng.sample(others, min(len(others), rng.randint(1, 3))):
                buffers[TaskCooperation].append(
                    (
                        ids.take(TaskCooperation),
                        task_id,
                        agency_s.agency.pk,
                        "Phối hợp cung cấp số liệu",
                    )
                )
        if lead.departments and lead.leaders and rng.random() < 0.05:
            for _ in range(rng.randint(1, 2)):
                child = ids.take(Task)
                dept = rng.choice(lead.departments)
                head = lead.heads.get(dept, lead.leaders[0])
                at = received or assigned_at
                buffers[Task].append(
                    (
                        child,
                        f"{title} (phần việc của phòng)"[:500],
                        "",
                        kind,
                        src_doc,
                        src_out,
                        src_inc,
                        src_text,
                        lead.agency.pk,
                        lead.leaders[0],
                        at,
                        lead.agency.pk,
                        dept,
                        periods[0][1],
                        "",
                        None,
                        priority,
                        task_id,
                        at,
                        head,
                        lead.leaders[0],
                        at,
                    )
                )
                _task_periods(
                    rng,
                    child,
                    [(at, periods[0][1])],
                    lead,
                    lead,
                    lead.leaders[0],
                    silent,
                    False,
                    now,
                    ids,
                    buffers,
                    stats,
                )
        if len(buffers[Task]) >= CHUNK_DOCUMENTS // 2:
            flush()


def _task_periods(
    rng, task_id, periods, lead, giver, assigner, silent, is_top, now, ids, buffers, stats
):
    from qlvb.directives.status import compute_status

    dayd = dt.timedelta(days=1)
    reporter = (lead.clerks or lead.leaders or [assigner])[0]
    for number, (starts, due) in enumerate(periods, start=1):
        period_id = ids.take(TaskPeriod)
        effective, completed, confirmed = due, None, None
        if starts <= now:
            if rng.random() < 0.10 and not silent:
                asked = min(due - dayd * rng.randint(1, 5), now)
                asked = max(asked, starts)
                new_due = due + dayd * rng.randint(10, 45)
                y = rng.random()
                decision = "granted" if y < 0.6 else ("refused" if y < 0.85 else "pending")
                decided = min(asked + dayd * 2, now) if decision != "pending" else None
                if decision == "granted":
                    effective = new_due
                buffers[ExtensionRequest].append(
                    (
                        ids.take(ExtensionRequest),
                        period_id,
                        rng.choice(P.EXTENSION_REASONS),
                        new_due,
                        reporter,
                        asked,
                        decision,
                        assigner if decided else None,
                        decided,
                        "" if decision != "refused" else "Đề nghị khẩn trương hoàn thành đúng hạn.",
                    )
                )
            y = rng.random()
            span = (effective - starts).total_seconds()
            if silent:
                pass  # never answers: overdue once the deadline passes
            elif effective < now:
                if y < 0.70:
                    completed = starts + dt.timedelta(seconds=span * rng.uniform(0.3, 1.0))
                    confirmed = completed + dayd * rng.uniform(0.5, 5)
                elif y < 0.85:
                    completed = effective + dayd * rng.uniform(1, 30)
                    confirmed = completed + dayd * rng.uniform(0.5, 5)
                elif y < 0.88:
                    completed = starts + dt.timedelta(seconds=span * rng.uniform(0.5, 1.0))
            elif y < 0.15:
                completed = starts + (now - starts) * rng.uniform(0.2, 1.0)
            elif y < 0.20:
                completed = starts + (now - starts) * rng.uniform(0.2, 0.9)
                confirmed = completed + (now - completed) * rng.uniform(0.1, 0.9)
            if completed is not None and completed > now:
                completed = confirmed = None
            if confirmed is not None and confirmed > now:
                confirmed = None
            if completed is not None:
                buffers[Completion].append(
                    (
                        ids.take(Completion),
                        period_id,
                        rng.choice(P.TASK_RESULTS),
                        "Báo cáo kèm theo.",
                        reporter,
                        completed,
                        "confirmed" if confirmed else "pending",
                        assigner if confirmed else None,
                        confirmed,
                        "",
                    )
                )
            elif not silent and rng.random() < 0.05:  # returned: the clock runs again
                back = starts + (min(now, effective) - starts) * 0.5
                buffers[Completion].append(
                    (
                        ids.take(Completion),
                        period_id,
                        rng.choice(P.TASK_RESULTS),
                        "",
                        reporter,
                        back,
                        "returned",
                        assigner,
                        min(back + dayd, now),
                        "Chưa đạt yêu cầu, đề nghị bổ sung.",
                    )
                )
            if not silent:
                until = min(now, completed or now, effective)
                for k in range(rng.randint(0, 2)):
                    at = starts + (until - starts) * rng.uniform(0.1, 0.9)
                    buffers[ProgressReport].append(
                        (
                            ids.take(ProgressReport),
                            task_id,
                            period_id,
                            lead.agency.pk,
                            rng.choice(P.TASK_PROGRESS),
                            min(90, 30 * (k + 1)),
                            reporter,
                            at,
                        )
                    )
        status = compute_status(
            due_at=effective,
            now=now,
            completed_at=completed,
            confirmed=confirmed is not None,
            starts_at=starts,
        )
        stats[f"task:{status.value}"] += 1
        buffers[TaskPeriod].append(
            (
                period_id,
                task_id,
                number,
                starts,
                due,
                effective,
                completed,
                confirmed,
                lead.agency.pk,
                giver.agency.pk,
                is_top,
            )
        )


def _finish_database() -> None:
    """Sequences past the ids given here; fresh statistics and visibility maps (index-only
    scans) for the planner."""
    tables = [model._meta.db_table for model, _ in TABLES]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in [m._meta.db_table for m, _ in TABLES if m._meta.pk.column == "id"]:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
        if not connection.in_atomic_block:
            with connection.cursor() as cursor:
                for table in [*tables, "documents_registerbook", "agencies_person"]:
                    cursor.execute(f"VACUUM ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
