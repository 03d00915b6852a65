"""Search benchmarks (issue 10, "Measured"): the search a page or the API runs
(`search_page` plus the text states of the page's rows, with the viewer's permission scope) for
the busiest agency's clerk and one of its specialists, over a realistic mix of queries; and
indexing throughput through the real job path (text extraction, then the index job).

The dataset is the shared one `qlvb generate` makes (incoming/bench.py: 1 000 000 documents on
PostgreSQL, the SQLite size per vendor there), with about 270 words of file text per document
(scale/bodies.py). A dataset generated before the generator wrote file text is completed here
once, with the same text the generator would have written (an UPDATE of the index rows).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import time

from django.db import connection, transaction

from qlvb.agencies.models import Person
from qlvb.core.bench import REGISTRY, Benchmark, register, timed
from qlvb.incoming.bench import _size, _words, ensure_dataset, use_database

VIEWERS = {"clerk": "vanthu.vpubnd", "specialist": "chuyenvien.vpubnd"}
TARGETS = {"postgresql": 0.200, "sqlite": 0.500}
PAGE_SIZE = 50  # the page's (search/views.py PAGE_SIZE)


# --- the dataset's file text --------------------------------------------------------------------


def _complete_file_text(log=print) -> None:
    """Give the index rows without file text the text the generator now writes (older datasets):
    one UPDATE from the pooled paragraphs, picked in SQL as bodies.picks() picks them."""
    from qlvb.scale import bodies

    # A whole dataset (not inside someone's transaction, e.g. a test's): rebuild the indexes.
    bulk = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM search_entry WHERE body_text = ''")
        missing = cursor.fetchone()[0]
        if not missing:
            return
        log(f"   adding generated file text to {missing:,} index rows (once) ...")
        start = time.perf_counter()
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_paragraph "
            "(id integer PRIMARY KEY, exact text NOT NULL, folded text NOT NULL)"
        )
        cursor.executemany(
            "INSERT INTO bench_paragraph (id, exact, folded) VALUES (%s, %s, %s)",
            [(i, p[1], p[2]) for i, p in enumerate(bodies.paragraphs())],
        )
        dropped = _drop_secondary_indexes() if bulk else []
        n = bodies.PARAGRAPHS
        h = f"((search_entry.document_id * {bodies._MULTIPLIER}) % 4294967296)"
        picks = [f"(({h} / {n**k}) % {n})" for k in range(bodies.PER_DOCUMENT)]
        joins = " || ' ' || ".join(
            f"(SELECT {{col}} FROM bench_paragraph WHERE id = {p})"  # noqa: S608 (constants)
            for p in picks
        )
        cursor.execute(
            f"UPDATE search_entry SET body_text = {joins.format(col='exact')}, "  # noqa: S608
            f"body_folded = {joins.format(col='folded')} WHERE body_text = ''"
        )
        cursor.execute("DROP TABLE bench_paragraph")
        if dropped:
            _restore(dropped)
        log(f"   done in {time.perf_counter() - start:.0f} s")
    if bulk:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE search_entry")


def _drop_secondary_indexes() -> list[str]:
    """PostgreSQL: building the GIN indexes once is far cheaper than updating them row by row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c "
            "ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE i.schemaname = current_schema() AND i.tablename = 'search_entry' "
            "AND NOT x.indisunique AND NOT x.indisprimary"
        )
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [definition for _, definition in found]


def _restore(definitions: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for definition in definitions:
            cursor.execute(definition)


# --- the queries --------------------------------------------------------------------------------


def _notation(agency_id: int) -> str:
    """A real number/notation of the agency, typed the way people type it (lower case)."""
    from qlvb.search.models import SearchEntry

    value = (
        SearchEntry.objects.filter(agency_id=agency_id, notation__contains="/")
        .order_by("-doc_date", "-document_id")
        .values_list("notation", flat=True)[200:201]
    )
    return value[0] if value else "2999/ubnd-kgvx"


def queries(agency_id: int, today: dt.date) -> list[tuple[str, dict]]:
    """(label, search_page arguments): what people type, with and without filters, by
    relevance and by date."""
    from qlvb.search.selectors import SearchFilters as F

    recent = today - dt.timedelta(days=90)
    return [
        ("no diacritics", {"q": "quyet dinh"}),
        ("diacritics", {"q": "chuyển đổi số"}),
        ("a rare name", {"q": "krong jing"}),
        ("prefix as typed 1", {"q": "ke h"}),
        ("prefix as typed 2", {"q": "ke hoach to"}),
        ("prefix as typed 3", {"q": "phong chay ch"}),
        ("quoted phrase", {"q": '"phòng cháy, chữa cháy rừng"'}),
        ("number/notation", {"q": _notation(agency_id)}),
        ("common words, date sort", {"q": "tiem chung", "sort": "date_desc"}),
        ("words + incoming, 90 days", {"q": "bao cao", "filters": F("incoming", recent)}),
        ("words + organ", {"q": "kinh phi", "filters": F(organ="Sở Tài chính")}),
        ("words + type, oldest first", {"q": "ngan sach", "sort": "date_asc",
                                        "filters": F(type_name="Công văn")}),
        ("filters only, urgent", {"q": "", "filters": F(urgency="khan")}),
        ("nothing typed (newest)", {"q": ""}),
    ]  # fmt: skip


def _run_query(viewer, args: dict):
    from qlvb.search.selectors import search_page, text_states_for

    rows, total = search_page(viewer=viewer, page=1, size=PAGE_SIZE, **args)
    text_states_for([e.document_id for e in rows])
    return rows, total


# --- the context --------------------------------------------------------------------------------


@functools.cache
def _context(quick: bool) -> dict:
    name = ensure_dataset(quick)
    out = {"db": name, "viewers": {}}
    with use_database(name):
        _complete_file_text()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        for role, username in VIEWERS.items():
            out["viewers"][role] = Person.objects.get(username=username).pk
        clerk = Person.objects.get(pk=out["viewers"]["clerk"])
        from qlvb.search.models import SearchEntry

        out["agency_id"] = clerk.agency_id
        out["agency_entries"] = SearchEntry.objects.filter(agency_id=clerk.agency_id).count()
        from django.utils import timezone

        out["queries"] = queries(clerk.agency_id, timezone.localdate())
    documents, _ = _size(quick)
    for bench in REGISTRY.values():
        if bench.name.startswith("search_"):
            bench.size = f"{_words(documents)}; busiest agency {_words(out['agency_entries'])}"
            if bench.name.startswith("search_query"):
                bench.target_seconds = TARGETS.get(connection.vendor, 0.5)
    return out


def _reps(quick: bool) -> int:
    return 2 if quick else 8


def _query_setup(role: str):
    def setup(quick: bool):
        ctx = _context(quick)
        return {"ctx": ctx, "pk": ctx["viewers"][role]}

    return setup


def _query_run(state, quick: bool) -> list[float]:
    samples = []
    slowest: dict[str, float] = {}
    with use_database(state["ctx"]["db"]):
        for rep in range(_reps(quick) + 1):
            for label, args in state["ctx"]["queries"]:
                viewer = Person.objects.get(pk=state["pk"])  # a request loads its user
                took = timed(lambda v=viewer, a=args: _run_query(v, a))
                if rep:  # the first pass warms the caches
                    samples.append(took)
                    slowest[label] = max(took, slowest.get(label, 0.0))
    worst = sorted(slowest.items(), key=lambda kv: -kv[1])[:3]
    print("   slowest: " + "; ".join(f"{k} {v * 1000:.0f} ms" for k, v in worst), flush=True)
    return samples


def _query_floor(state, quick: bool) -> list[float]:
    """The SQL search_page and text_states_for send, recorded once per query and run bare."""
    recorded: list[list[tuple[str, tuple]]] = []

    def record(execute, sql, params, many, context):
        recorded[-1].append((sql, params))
        return execute(sql, params, many, context)

    samples = []
    with use_database(state["ctx"]["db"]):
        viewer = Person.objects.get(pk=state["pk"])
        for _, args in state["ctx"]["queries"]:
            recorded.append([])
            with connection.execute_wrapper(record):
                _run_query(viewer, args)
        with connection.cursor() as raw:
            for rep in range(_reps(quick) + 1):
                for statements in recorded:
                    start = time.perf_counter()
                    with transaction.atomic():  # as search_page (SET LOCAL jit)
                        for sql, params in statements:
                            raw.execute(sql, params)
                            if not sql.startswith("SET"):
                                raw.fetchall()
                    if rep:
                        samples.append(time.perf_counter() - start)
    return samples


for _role, _username in VIEWERS.items():
    register(
        Benchmark(
            name=f"search_query_{_role}",
            title=f"search as the busiest agency's {_role} ({_username}) sees it: search_page "
            "(50 rows and the count) and the rows' text states, over a mix of 14 queries (no "
            "diacritics, diacritics, a rare name, prefixes as typed, a quoted phrase, a "
            "number/notation, date sort, filters with and without words, nothing typed), "
            "server time",
            size="",
            target_seconds=0.2,  # PostgreSQL; SQLite's 0.5 s is set once the database is known
            metric="p95",
            setup=_query_setup(_role),
            run=_query_run,
            floor=_query_floor,
            notes="Floor: the same SQL statements, recorded from one run of each query and "
            "sent bare on the cursor (no parsing, no query building, no model instances).",
        )
    )


# --- indexing throughput --------------------------------------------------------------------------

INDEX_BATCH = 20
INDEX_TARGET_PER_DOCUMENT = 0.1  # 10 documents/s


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A minimal DOCX of these paragraphs (also the tests')."""
    import zipfile
    from xml.sax.saxutils import escape

    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"/>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body>' + body + "</w:body>"
            "</w:document>",
        )
    return out.getvalue()


def _text_pdf(paragraphs: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setFont("DejaVu", 11)
    y = 800
    for paragraph in paragraphs:
        words = paragraph.split()
        while words:
            line = []
            while words and len(" ".join([*line, words[0]])) < 90:
                line.append(words.pop(0))
            page.drawString(60, y, " ".join(line or [words.pop(0)]))
            y -= 15
            if y < 60:
                page.showPage()
                page.setFont("DejaVu", 11)
                y = 800
    page.save()
    return out.getvalue()


def _index_setup(quick: bool):
    """Documents registered with an OCR-free text file each (a DOCX or a text PDF, about a page
    of the generated prose), their extraction and index rows left pending for the run."""
    from django.conf import settings
    from django.utils import timezone

    from qlvb.core import context
    from qlvb.documents.services import Upload
    from qlvb.incoming.services import incoming_register
    from qlvb.scale import bodies
    from qlvb.search.models import IndexJob, TextExtraction

    ctx = _context(quick)
    batches = 2 if quick else 5
    pool = [p[0] for p in bodies.paragraphs()]
    stamp = int(time.time()) % 1_000_000
    created = []
    settings.QLVB_OCR = False  # OCR-free files: the figure is extraction and indexing
    token = context.set_current(context.ActingContext(channel="web"))
    try:
        with use_database(ctx["db"]):
            clerk = Person.objects.get(pk=ctx["viewers"]["clerk"])
            for n in range(batches * INDEX_BATCH):
                text = pool[(stamp + n * 7) % len(pool) : (stamp + n * 7) % len(pool) + 3]
                if n % 2:
                    upload = Upload(io.BytesIO(docx_bytes(text)), f"Nội dung {n}.docx")
                else:
                    upload = Upload(io.BytesIO(_text_pdf(text)), f"Nội dung {n}.pdf")
                incoming = incoming_register(
                    actor=clerk,
                    metadata={
                        "type_name": "Công văn",
                        "code_number": str(stamp * 1000 + n),
                        "code_notation": "STC-NS",
                        "issued_date": timezone.localdate(),
                        "organ_name": "Sở Tài chính",
                        "subject": f"V/v đo tốc độ lập chỉ mục {stamp}-{n}",
                    },
                    uploads=[upload],
                )
                created.append(incoming.document_id)
            work = []
            for doc_id in created:
                extractions = list(
                    TextExtraction.objects.filter(document_id_value=doc_id).values_list(
                        "pk", flat=True
                    )
                )
                jobs = list(
                    IndexJob.objects.filter(document_id_value=doc_id, state="pending").values_list(
                        "pk", flat=True
                    )
                )
                work.append((doc_id, extractions, jobs))
    finally:
        context.reset(token)
    return {"ctx": ctx, "work": work, "batches": batches}


def _index_run(state, quick: bool) -> list[float]:
    """Each batch: the worker's handlers for every pending row of the batch's documents, the
    text extraction (which indexes the document with its text) then the index job; a sample is
    the batch's time divided by its documents (seconds per document)."""
    from qlvb.jobs.runner import run_item
    from qlvb.search.models import SearchEntry

    samples = []
    with use_database(state["ctx"]["db"]):
        for b in range(state["batches"]):
            batch = state["work"][b * INDEX_BATCH : (b + 1) * INDEX_BATCH]
            start = time.perf_counter()
            for _doc_id, extractions, jobs in batch:
                for pk in extractions:
                    run_item("search.textextraction", pk)
                for pk in jobs:
                    run_item("search.indexjob", pk)
            samples.append((time.perf_counter() - start) / len(batch))
            for doc_id, _, _ in batch:  # the text really is in the index
                entry = SearchEntry.objects.get(pk=doc_id)
                assert len(entry.body_folded) > 200, entry.body_folded
    rate = 1 / (sum(samples) / len(samples))
    print(f"   {rate:.1f} documents/s", flush=True)
    return samples


register(
    Benchmark(
        name="search_index_throughput",
        title=f"indexing OCR-free text files (half DOCX, half text PDF, ~270 words each) through "
        f"the worker's handlers: text extraction then the index job, in batches of "
        f"{INDEX_BATCH} documents of the busiest agency; figure = seconds per document "
        f"(target ≥ 10 documents/s)",
        size="",
        target_seconds=INDEX_TARGET_PER_DOCUMENT,
        metric="total",
        setup=_index_setup,
        run=_index_run,
        notes="One worker process; documents/s = 1 / the figure.",
    )
)
