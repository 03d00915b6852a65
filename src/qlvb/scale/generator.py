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
  people to inform, due dates), the timeline, and optionally one tiny text attachment each.

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
from django.db import connection, connections, transaction
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
from qlvb.core.errors import Conflict
from qlvb.core.text import fold
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
from qlvb.scale import phrases as P
from qlvb.scale.models import GeneratedDataset

TARGET_AGENCIES = 220
CHUNK_DOCUMENTS = 20_000
UNUSABLE_PASSWORD = "!generated"  # noqa: S105 (not a password: Django's "no usable password" mark)

# Share of all incoming documents per kind of agency (the province office handles most).
SHARE = {"office": 0.20, "province": 0.06, "dept": 0.42, "district": 0.17, "commune": 0.15}
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
TABLES = [
    (Document, DOC_COLUMNS),
    (IncomingDocument, INCOMING_COLUMNS),
    (Assignment, ASSIGNMENT_COLUMNS),
    (TimelineEvent, EVENT_COLUMNS),
    (Attachment, ATTACHMENT_COLUMNS),
]


def extra_columns(model, columns) -> tuple[list[str], tuple]:
    """Columns the generator does not set (fields other apps add later) and their defaults;
    a NOT NULL field without a default fails here, loudly, not half-way through a million rows."""
    names, values = [], []
    with connection.cursor() as cursor:
        present = {
            c.name
            for c in connection.introspection.get_table_description(cursor, model._meta.db_table)
        }
    for f in model._meta.concrete_fields:
        if f.column in columns or f.column not in present:  # not migrated yet: nothing to fill
            continue
        if f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        elif f.empty_strings_allowed:
            value = ""
        else:
            raise RuntimeError(
                f"qlvb generate does not know how to fill {model._meta.db_table}.{f.column}"
            )
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        names.append(f.column)
        values.append(value)
    return names, tuple(values)


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
        ops = connection.ops
        convert = []
        for row in rows:
            out = []
            for value in row:
                if isinstance(value, dt.datetime):
                    value = ops.adapt_datetimefield_value(value)
                elif isinstance(value, dt.date):
                    value = value.isoformat()
                elif isinstance(value, bool):
                    value = int(value)
                out.append(value)
            convert.append(out)
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.executemany(sql, convert)

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


class Ids:
    def __init__(self):
        self.next = {}
        for model, _ in TABLES:
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


def generate(
    *,
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
    counts = [int(documents * w / total_w) for w in weights]
    for i in range(documents - sum(counts)):
        counts[i % len(counts)] += 1
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
            for kind in (RegisterKind.INCOMING, RegisterKind.INCOMING_CONFIDENTIAL):
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
    # SQLite: one transaction for everything; PostgreSQL: the writer commits each COPY.
    whole = contextlib.nullcontext() if connection.vendor == "postgresql" else transaction.atomic()
    with whole:
        for s, n_docs in zip(staff, counts, strict=True):
            if n_docs == 0:
                continue
            agency_id = s.agency.pk
            silent = agency_id in silent_ids
            clerks = s.clerks or [None]
            leaders = s.leaders or list(s.heads.values()) or [None]
            specialists = s.all_specialists
            departments = [d for d in s.departments if s.specialists.get(d)]
            picks = sorted(bisect.bisect_left(day_cum, rng.random() * total) for _ in range(n_docs))
            for pick in picks:
                day = days[min(pick, len(days) - 1)]
                local = dt.datetime.combine(day, dt.time(7, 30)) + dt.timedelta(
                    seconds=rng.randint(0, 9 * 3600)
                )
                ts = (local - local_tz_offset).replace(tzinfo=dt.UTC)
                if ts > now:
                    ts = now - dt.timedelta(minutes=rng.randint(1, 600))
                age = (today - day).days
                x = rng.random()
                source = "electronic" if x < 0.70 else ("paper" if x < 0.95 else "email")
                electronic = source == "electronic"
                state = _state_for(rng, age, electronic, silent)

                sender = senders[bisect.bisect_left(sender_cum, rng.random() * sender_cum[-1])]
                type_id, type_name, abbr = types[
                    bisect.bisect_left(type_cum, rng.random() * type_cum[-1])
                ]
                urgency = urg_values[bisect.bisect_left(urg_cum, rng.random())]
                conf = conf_values[bisect.bisect_left(conf_cum, rng.random())]
                year = day.year
                scope = rng.choice(P.SCOPES).format(
                    year=year, quarter=(day.month - 1) // 3 + 1, month=day.month
                )
                subject = f"{rng.choice(P.ACTIONS)} {rng.choice(P.TOPICS)} {scope}".strip()
                issued = day - dt.timedelta(days=rng.randint(0, 4))
                due_date = day + dt.timedelta(days=rng.randint(5, 30)) if x < 0.2 else None
                doc_id = ids.take(Document)
                inc_id = ids.take(IncomingDocument)
                short = sender[2] or "UBND"
                notation = f"{abbr}-{short}" if abbr else f"{short}-VP"
                buffers[Document].append(
                    (
                        doc_id,
                        ts,
                        ts,
                        agency_id,
                        type_id,
                        type_name,
                        str(rng.randint(1, 4000)),
                        notation[:30],
                        issued,
                        sender[1],
                        sender[0],
                        subject[:500],
                        "Tiếng Việt",
                        rng.randint(1, 12),
                        "",
                        "TM. UBND" if sender[3] == "province" else "",
                        "Chủ tịch" if sender[3] == "province" else "Giám đốc",
                        D.demo_full_name(rng.randint(0, 999)),
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
                        f"sinh:{inc_id}" if electronic else "",
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
        loader.finish()

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
    log(f"Xong: {documents:,} văn bản đến trong {seconds:.0f} s.")
    return dataset


def _finish_database() -> None:
    """Sequences past the ids given here; fresh statistics and visibility maps (index-only
    scans) for the planner."""
    tables = [model._meta.db_table for model, _ in TABLES]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
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
