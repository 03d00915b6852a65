"""Incoming benchmarks (issue 3, "Measured"): registering a document, and every list of the
busiest agency's clerk, leader and specialist (first page and a deep keyset page) plus the
navigation counts, over a province-sized dataset made by `qlvb generate`.

The dataset lives in a scratch database of its own (`<bench database>_1m` on PostgreSQL, e.g.
`test_qlvb_bench_1m`; `bench-<size>.sqlite3` in the data folder on SQLite), never the demo's.
Generating a million documents takes minutes, so the database is kept between runs and reused
when it holds a finished dataset of the right size and every migration on disk is applied
(pending ones are applied; an unknown applied migration means the database is rebuilt).
"""

from __future__ import annotations

import functools
import io
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from qlvb.agencies.models import Person
from qlvb.core.bench import REGISTRY, Benchmark, register, timed
from qlvb.core.paging import encode_cursor

# (documents, years) per database and mode. The figure is PostgreSQL with 1,000,000;
# SQLite (one writer, development and small installations) is measured at a smaller size.
SIZES = {
    ("postgresql", False): (1_000_000, 1),
    ("postgresql", True): (50_000, 1),
    ("sqlite", False): (200_000, 1),
    ("sqlite", True): (20_000, 1),
}
DEEP_ROWS = 10_000  # a deep keyset page starts this many rows into the list
ROLES = {"clerk": "vanthu.vpubnd", "leader": "lanhdao.vpubnd", "specialist": "chuyenvien.vpubnd"}
BOXES = ("reception", "waiting", "mine", "overdue", "all")
TARGET = 0.050


def _size(quick: bool) -> tuple[int, int]:
    """The dataset's size; QLVB_BENCH_DOCUMENTS sets another (e.g. SQLite at 1,000,000)."""
    documents, years = SIZES[(connection.vendor, quick)]
    return int(os.environ.get("QLVB_BENCH_DOCUMENTS") or documents), years


def _label(documents: int) -> str:
    return f"{documents // 1_000_000}m" if documents % 1_000_000 == 0 else f"{documents // 1000}k"


def _words(documents: int) -> str:
    return f"{documents:,} documents".replace(",", " ")


# --- the dataset's database -------------------------------------------------------------------


@contextmanager
def use_database(name: str):
    """Point the default connection at another database for the block, then back."""
    old = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = old


def dataset_name(quick: bool) -> str:
    documents, _ = _size(quick)
    if connection.vendor == "sqlite":
        return str(Path(settings.DATA_DIR) / f"bench-{_label(documents)}.sqlite3")
    return f"{connection.settings_dict['NAME']}_{_label(documents)}"


def _exists(name: str) -> bool:
    if connection.vendor == "sqlite":
        return Path(name).exists()
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _recreate(name: str) -> None:
    if connection.vendor == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
        return
    quoted = connection.ops.quote_name(name)
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")
        cursor.execute(f"CREATE DATABASE {quoted}")


def _schema_current() -> bool:
    """Apply pending migrations; False when the database has migrations no longer on disk."""
    executor = MigrationExecutor(connection)
    applied = set(executor.loader.applied_migrations)
    if applied - set(executor.loader.disk_migrations):
        return False
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", verbosity=0, interactive=False)
    return True


def _has_dataset(documents: int, years: int) -> bool:
    from qlvb.scale.models import GeneratedDataset

    return GeneratedDataset.objects.filter(
        documents=documents, years=years, finished_at__isnull=False
    ).exists()


@functools.cache
def ensure_dataset(quick: bool) -> str:
    """The dataset database's name, generating it (minutes for a million) only when needed."""
    from qlvb.scale.generator import generate

    documents, years = _size(quick)
    name = dataset_name(quick)
    if _exists(name):
        with use_database(name):
            if _schema_current() and _has_dataset(documents, years):
                print(f"   dataset reused: {name}", flush=True)
                return name
    print(f"   generating {documents:,} documents into {name} ...", flush=True)
    _recreate(name)
    with use_database(name):
        call_command("migrate", verbosity=0, interactive=False)
        generate(
            documents=documents,
            years=years,
            log=lambda line: print("   " + line, flush=True),
        )
    return name


@functools.cache
def _context(quick: bool) -> dict:
    """Viewers, deep cursors and sizes, computed once per run."""
    from qlvb.incoming.selectors import incoming_box

    name = ensure_dataset(quick)
    out = {"db": name, "viewers": {}, "deep": {}, "counts": {}}
    with use_database(name):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        for role, username in ROLES.items():
            person = Person.objects.get(username=username)
            out["viewers"][role] = person.pk
            out["agency_id"] = person.agency_id
            for box in BOXES:
                qs = incoming_box(viewer=person, box=box).order_by("-urgency_rank", "-id")
                count = qs.count()
                out["counts"][(role, box)] = count
                depth = min(DEEP_ROWS, count // 2)
                if depth >= 100:
                    rank, pk = qs.values_list("urgency_rank", "id")[depth - 1]
                    out["deep"][(role, box)] = encode_cursor(rank, pk)
        from qlvb.incoming.models import IncomingDocument

        out["agency_documents"] = IncomingDocument.objects.filter(
            agency_id=out["agency_id"]
        ).count()
    documents, _ = _size(quick)
    for bench in REGISTRY.values():  # the figure's data size, known once the data is there
        if bench.name.startswith("incoming_"):
            bench.size = f"{_words(documents)}; busiest agency {_words(out['agency_documents'])}"
    return out


# --- lists ---------------------------------------------------------------------------------------


def _page_queryset(viewer, box: str, cursor: str | None):
    """The query incoming_page runs, for the floor (same SQL, run bare)."""
    from django.db.models import F
    from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan

    from qlvb.core.paging import decode_cursor
    from qlvb.incoming.selectors import incoming_box

    qs = incoming_box(viewer=viewer, box=box).select_related("document", "register_book")
    if cursor:
        rank, last_id = decode_cursor(cursor, 2)
        qs = qs.filter(TupleLessThan(Tuple(F("urgency_rank"), F("id")), (rank, last_id)))
    return qs.order_by("-urgency_rank", "-id")[:51]


def _reps(quick: bool) -> int:
    return 5 if quick else 30


def _list_setup(role: str, box: str):
    def setup(quick: bool):
        ctx = _context(quick)
        return {
            "ctx": ctx,
            "pk": ctx["viewers"][role],
            "cursors": [None, ctx["deep"].get((role, box))],
        }

    return setup


def _list_run(box: str):
    def run(state, quick: bool) -> list[float]:
        from qlvb.incoming.selectors import incoming_page

        samples = []
        with use_database(state["ctx"]["db"]):
            for cursor in state["cursors"]:
                if cursor is None and samples:
                    continue
                for i in range(_reps(quick) + 2):
                    viewer = Person.objects.get(pk=state["pk"])  # a request loads its user
                    took = timed(
                        lambda v=viewer, c=cursor: incoming_page(viewer=v, box=box, cursor=c)
                    )
                    if i >= 2:  # the first two warm the caches
                        samples.append(took)
        return samples

    return run


def _list_floor(box: str):
    def floor(state, quick: bool) -> list[float]:
        samples = []
        with use_database(state["ctx"]["db"]):
            viewer = Person.objects.get(pk=state["pk"])
            for cursor in state["cursors"]:
                if cursor is None and samples:
                    continue
                try:
                    sql, params = _page_queryset(viewer, box, cursor).query.sql_with_params()
                except EmptyResultSet:  # a list this role does not have: no SQL at all
                    return []
                with connection.cursor() as raw:
                    for i in range(_reps(quick) + 2):
                        start = time.perf_counter()
                        raw.execute(sql, params)
                        raw.fetchall()
                        if i >= 2:
                            samples.append(time.perf_counter() - start)
        return samples

    return floor


for _role in ROLES:
    for _box in BOXES:
        register(
            Benchmark(
                name=f"incoming_list_{_box}_{_role}",
                title=f"incoming list «{_box}» of the busiest agency's {_role} "
                f"({ROLES[_role]}): incoming_page, 50 rows, first page and a keyset page "
                f"{DEEP_ROWS:,} rows deep (or half-way when the list is shorter), server time",
                size="",
                target_seconds=TARGET,
                metric="p95",
                setup=_list_setup(_role, _box),
                run=_list_run(_box),
                floor=_list_floor(_box),
                notes="Floor: the SQL incoming_page sends, run bare on the cursor "
                "(no viewer/role lookup, no query building, no model instances).",
            )
        )


def _counts_setup(role: str):
    def setup(quick: bool):
        ctx = _context(quick)
        return {"ctx": ctx, "pk": ctx["viewers"][role]}

    return setup


def _counts_run(state, quick: bool) -> list[float]:
    from qlvb.incoming.selectors import incoming_box_counts

    samples = []
    with use_database(state["ctx"]["db"]):
        for i in range(_reps(quick) + 2):
            viewer = Person.objects.get(pk=state["pk"])
            took = timed(lambda v=viewer: incoming_box_counts(viewer=v))
            if i >= 2:
                samples.append(took)
    return samples


def _counts_floor(state, quick: bool) -> list[float]:
    from qlvb.incoming.selectors import BOXES as SELECTOR_BOXES
    from qlvb.incoming.selectors import incoming_box

    samples = []
    with use_database(state["ctx"]["db"]):
        viewer = Person.objects.get(pk=state["pk"])
        queries = []
        for box in SELECTOR_BOXES:
            if box == "all":
                continue
            qs = incoming_box(viewer=viewer, box=box).order_by()[:1000]  # COUNT_CAP
            try:
                inner, params = qs.values("id").query.sql_with_params()
            except EmptyResultSet:  # a box this role does not have
                continue
            queries.append((f"SELECT COUNT(*) FROM ({inner}) AS box", params))  # noqa: S608
        with connection.cursor() as raw:
            for i in range(_reps(quick) + 2):
                start = time.perf_counter()
                for sql, params in queries:
                    raw.execute(sql, params)
                    raw.fetchone()
                if i >= 2:
                    samples.append(time.perf_counter() - start)
    return samples


for _role in ROLES:
    register(
        Benchmark(
            name=f"incoming_box_counts_{_role}",
            title=f"navigation counts of the incoming boxes (incoming_box_counts: reception, "
            f"waiting, mine, overdue) for the busiest agency's {_role}, server time",
            size="",
            target_seconds=TARGET,
            metric="p95",
            setup=_counts_setup(_role),
            run=_counts_run,
            floor=_counts_floor,
            notes="Counts stop at 1 000 (shown «999+»). "
            "Floor: the four capped COUNT queries as bare SQL.",
        )
    )


# --- registration --------------------------------------------------------------------------------


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _register_setup(quick: bool):
    ctx = _context(quick)
    return {"ctx": ctx, "pk": ctx["viewers"]["clerk"], "pdf": _pdf()}


def _metadata(n: int) -> dict:
    return {
        "type_name": "Công văn",
        "code_number": str(100_000 + n),
        "code_notation": "STC-NS",
        "issued_date": timezone.localdate(),
        "organ_name": "Sở Tài chính",
        "subject": f"V/v đề nghị bổ sung kinh phí (đo hiệu năng {n})",
    }


def _register_run(state, quick: bool) -> list[float]:
    from qlvb.core import context
    from qlvb.documents.services import Upload
    from qlvb.incoming.services import incoming_register

    samples = []
    stamp = int(time.time() * 1000) % 10_000_000
    token = context.set_current(context.ActingContext(channel="web"))
    try:
        with use_database(state["ctx"]["db"]):
            for i in range((10 if quick else 100) + 2):
                clerk = Person.objects.get(pk=state["pk"])
                upload = Upload(io.BytesIO(state["pdf"]), "Công văn scan.pdf")
                took = timed(
                    lambda c=clerk, u=upload, i=i: incoming_register(
                        actor=c, metadata=_metadata(stamp * 1000 + i), uploads=[u]
                    )
                )
                if i >= 2:
                    samples.append(took)
    finally:
        context.reset(token)
    return samples


def _register_floor(state, quick: bool) -> list[float]:
    """The rows a registration writes, as bare INSERTs in one transaction: the book's counter,
    the document, the incoming row, the attachment (blob already stored), the timeline event."""
    from qlvb.documents.models import Attachment, Blob, RegisterBook
    from qlvb.incoming.models import IncomingDocument

    samples = []
    with use_database(state["ctx"]["db"]):
        clerk = Person.objects.get(pk=state["pk"])
        today = timezone.localdate()
        book = RegisterBook.objects.get(agency_id=clerk.agency_id, year=today.year, kind="incoming")
        blob_id = Blob.objects.order_by("-id").values_list("id", flat=True).first()
        doc_cols = (
            "created_at, updated_at, agency_id, type_name, code_number, code_notation, "
            "issued_date, organ_name, subject, language, description, signer_competence, "
            "signer_position, signer_full_name, urgency, confidentiality, to_places"
        )
        extra_doc = _defaults_sql("documents_document", doc_cols)
        inc_cols = (
            "document_id, agency_id, state, source, register_book_id, arrival_number, "
            "arrival_date, paper_received_at, registered_at, registered_by_id, "
            "rejected_reason, origin_reference, direction, urgency_rank, created_at"
        )
        extra_inc = _defaults_sql("incoming_incomingdocument", inc_cols)
        for i in range((10 if quick else 100) + 2):
            now = timezone.now()
            start = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    "UPDATE documents_registerbook SET last_number = last_number + 1 "
                    "WHERE id = %s RETURNING last_number",
                    [book.pk],
                )
                number = cur.fetchone()[0]
                cur.execute(
                    f"INSERT INTO documents_document ({doc_cols}{extra_doc[0]}) VALUES "  # noqa: S608
                    f"(%s, %s, %s, 'Công văn', %s, 'STC-NS', %s, 'Sở Tài chính', %s, "
                    f"'Tiếng Việt', '', '', '', '', 'thuong', 'thuong', '[]'{extra_doc[1]}) "
                    "RETURNING id",
                    [now, now, clerk.agency_id, str(i), today, f"Đo sàn {i}"],
                )
                doc_id = cur.fetchone()[0]
                cur.execute(
                    f"INSERT INTO incoming_incomingdocument ({inc_cols}{extra_inc[0]}) VALUES "  # noqa: S608
                    f"(%s, %s, 'registered', 'paper', %s, %s, %s, %s, %s, %s, '', '', '', 0, "
                    f"%s{extra_inc[1]}) RETURNING id",
                    [doc_id, clerk.agency_id, book.pk, number, today, now, now, clerk.pk, now],
                )
                inc_id = cur.fetchone()[0]
                cur.execute(
                    f"INSERT INTO {Attachment._meta.db_table} (document_id, blob_id, "  # noqa: S608
                    "original_name, content_type, size, page_count, role, position, "
                    "created_by_id, created_at) VALUES (%s, %s, 'scan.pdf', 'application/pdf', "
                    "%s, 1, 'main', 0, %s, %s)",
                    [doc_id, blob_id, len(state["pdf"]), clerk.pk, now],
                )
                cur.execute(
                    "INSERT INTO incoming_timelineevent (incoming_id, occurred_at, actor_id, "
                    "kind, status_code, text, details) VALUES (%s, %s, %s, 'registered', '', '', "
                    "'{}')",
                    [inc_id, now, clerk.pk],
                )
            if i >= 2:
                samples.append(time.perf_counter() - start)
        assert IncomingDocument.objects.filter(register_book=book, arrival_number=number).exists()
    return samples


def _defaults_sql(table: str, columns: str) -> tuple[str, str]:
    """Columns other apps added later (NOT NULL with a default in the model, not in SQL)."""
    from django.apps import apps

    given = {c.strip() for c in columns.split(",")}
    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    names, values = [], []
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key or f.null:
            continue
        value = f.get_default() if f.has_default() else ""
        names.append(f.column)
        values.append(_literal(value))
    if not names:
        return "", ""
    return ", " + ", ".join(names), ", " + ", ".join(values)


def _literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    return "'" + str(value).replace("'", "''") + "'"


register(
    Benchmark(
        name="incoming_register",
        title="registering a paper document with a one-page PDF scan (incoming_register: "
        "validation, duplicate check, staging and storing the file, gapless number, timeline, "
        "audit), server time, in the busiest agency",
        size="",
        target_seconds=TARGET,
        metric="p95",
        setup=_register_setup,
        run=_register_run,
        floor=_register_floor,
        notes="Floor: the same rows as bare SQL in one transaction (counter UPDATE, document, "
        "incoming row, attachment of an already stored blob, timeline event; no audit, no file).",
    )
)
