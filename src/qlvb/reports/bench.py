"""Benchmarks of the reports app (`qlvb bench reports_`).

- `reports_import_incoming`: a legacy incoming register of N lines imported (checked, written,
  counters advanced) in one file; the figure is the whole import, the target N / 5,000 s
  (5,000 rows/s).
- `reports_import_outgoing`: a legacy outgoing register of N lines (one line per document and
  recipient, three recipients a document) imported the same way; target 5,000 lines/s.
- `reports_<name>`: each report of docs/reports.md over the incoming benchmark's dataset
  (`qlvb generate`: 1,000,000 incoming documents on PostgreSQL) plus outgoing documents with
  three recipients each brought in by the legacy import, for the busiest agency (the province
  office) over the dataset's whole period. Target 1 s.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import random
import time

from django.db import connection
from django.db.models import Max, Min

from qlvb.core.bench import Benchmark, register
from qlvb.incoming.bench import _size, _words, ensure_dataset, use_database

OFFICE = "000.00.01.H15"
IMPORT_ROWS = {("postgresql", False): 100_000, ("postgresql", True): 10_000}
OUTGOING_DOCS = {("postgresql", False): 100_000, ("postgresql", True): 5_000}


def _key(quick: bool):
    vendor = connection.vendor if connection.vendor == "postgresql" else "postgresql"
    return (vendor, quick)


def incoming_register(rows: int, agency_codes: list[str], *, start_number: int = 1) -> bytes:
    from qlvb.reports.importer import INCOMING_COLUMNS

    rng = random.Random(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(INCOMING_COLUMNS)
    day0 = dt.date(2015, 1, 1)
    per_day = max(1, rows // 360)
    for i in range(rows):
        day = day0 + dt.timedelta(days=i // per_day)
        e = rng.random() < 0.7
        at = f"{day.isoformat()}T08:{rng.randint(0, 59):02d}:00+07:00"
        paper = f"{day.isoformat()}T09:00:00+07:00" if (not e or rng.random() < 0.5) else ""
        writer.writerow(
            [OFFICE, start_number + i, day.isoformat(), rng.choice(agency_codes), "",
             "Công văn", i + 1, "UBND-TH", day.isoformat(), f"Văn bản cũ số {i + 1}",
             rng.choice(["", "khan", "hoa_toc"]), at if e else "", paper, ""]
        )  # fmt: skip
    return out.getvalue().encode("utf-8")


def outgoing_register(
    documents: int, agency_codes: list[str], day0: dt.date, *, start_number: int = 1
) -> bytes:
    from qlvb.reports.importer import OUTGOING_COLUMNS

    rng = random.Random(documents)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(OUTGOING_COLUMNS)
    per_day = max(1, documents // 360)
    for n in range(1, documents + 1):
        day = (day0 + dt.timedelta(days=(n - 1) // per_day)).isoformat()
        kind = rng.choice(["Công văn", "Giấy mời", "Quyết định"])
        urgency = rng.choice(["", "", "hoa_toc"])
        for code in rng.sample(agency_codes, 3):
            e = rng.random() < 0.8
            p = (not e) or rng.random() < 0.4
            writer.writerow(
                [OFFICE, start_number + n - 1, "UBND-TH", day, kind, f"Văn bản đi số {n}",
                 "Nguyễn Văn A", "Chủ tịch", urgency, code, "", int(e), int(p)]
            )  # fmt: skip
    return out.getvalue().encode("utf-8")


# --- import ------------------------------------------------------------------------------------


def _import_setup(quick: bool):
    from qlvb.agencies.models import Agency, AgencyLevel

    rows = IMPORT_ROWS[_key(quick)]
    for bench in IMPORT_BENCHES:  # 5,000 rows/s for the file actually imported (quick too)
        bench.target_seconds = rows / 5000
    if not Agency.objects.filter(code=OFFICE).exists():
        Agency.objects.create(code=OFFICE, name="Văn phòng UBND tỉnh", level=AgencyLevel.DEPARTMENT)
    codes = []
    for i in range(30):
        code = f"000.00.{40 + i:02d}.H15"
        Agency.objects.get_or_create(
            code=code, defaults={"name": f"Sở {i}", "level": AgencyLevel.DEPARTMENT}
        )
        codes.append(code)
    return {"rows": rows, "codes": codes}


def _import_run(state, quick: bool) -> list[float]:
    from qlvb.incoming.models import IncomingDocument
    from qlvb.reports.importer import import_register

    samples = []
    for rep in range(2):
        raw = incoming_register(state["rows"], state["codes"], start_number=1 + rep * 10_000_000)
        start = time.perf_counter()
        result = import_register(actor=None, kind="incoming", raw=raw, filename="bench.csv")
        took = time.perf_counter() - start
        assert result.created == state["rows"], result
        samples.append(took)
        print(f"   imported {state['rows']:,} rows in {took:.2f} s: "
              f"{state['rows'] / took:,.0f} rows/s", flush=True)  # fmt: skip
    assert IncomingDocument.objects.count() >= 2 * state["rows"]
    return samples


def _import_outgoing_run(state, quick: bool) -> list[float]:
    from qlvb.outgoing.models import Recipient
    from qlvb.reports.importer import import_register

    samples = []
    documents = state["rows"] // 3
    for rep in range(2):
        # Another year each time: new register positions, nothing skipped.
        raw = outgoing_register(documents, state["codes"], dt.date(2010 + 2 * rep, 1, 1))
        lines = 3 * documents
        start = time.perf_counter()
        result = import_register(actor=None, kind="outgoing", raw=raw, filename="bench-di.csv")
        took = time.perf_counter() - start
        assert result.created == documents, result
        samples.append(took)
        print(f"   imported {lines:,} lines ({documents:,} documents) in {took:.2f} s: "
              f"{lines / took:,.0f} rows/s", flush=True)  # fmt: skip
    assert Recipient.objects.count() >= 6 * documents
    return samples


IMPORT_BENCHES: list[Benchmark] = []


def _register_import() -> None:
    rows = IMPORT_ROWS[("postgresql", False)]
    quick_rows = IMPORT_ROWS[("postgresql", True)]
    IMPORT_BENCHES.append(
        register(
            Benchmark(
                name="reports_import_incoming",
                title="legacy incoming register import (CSV, all lines checked, bulk insert, "
                "counters advanced), one file",
                size=f"{rows:,} rows (quick: {quick_rows:,})",
                target_seconds=rows / 5000,
                metric="total",
                setup=_import_setup,
                run=_import_run,
                notes="Target: 5,000 rows/s. Quick runs use the smaller file with the same target "
                "per row.",
            )
        )
    )
    IMPORT_BENCHES.append(
        register(
            Benchmark(
                name="reports_import_outgoing",
                title="legacy outgoing register import (CSV, one line per document and recipient, "
                "all lines checked, documents + recipients + deliveries by bulk insert), one file",
                size=f"{rows // 3 * 3:,} lines, {rows // 3:,} documents "
                f"(quick: {quick_rows // 3 * 3:,})",
                target_seconds=rows / 5000,
                metric="total",
                setup=_import_setup,
                run=_import_outgoing_run,
                notes="Target: 5,000 lines/s.",
            )
        )
    )


# --- reports -----------------------------------------------------------------------------------


@functools.cache
def _dataset(quick: bool) -> dict:
    from qlvb.agencies.models import Agency
    from qlvb.incoming.models import IncomingDocument
    from qlvb.outgoing.models import OutgoingDocument
    from qlvb.reports.importer import import_register
    from qlvb.reports.models import ImportedRecord, ImportKind

    name = ensure_dataset(quick)
    with use_database(name):
        office = Agency.objects.get(code=OFFICE)
        span = IncomingDocument.objects.filter(agency=office).aggregate(
            a=Min("arrival_date"), b=Max("arrival_date")
        )
        wanted = OUTGOING_DOCS[_key(quick)]
        # The generated dataset has outgoing documents of its own (numbers from 1 in each
        # year's book): the legacy ones are numbered from 1,000,000 so they never collide.
        if not ImportedRecord.objects.filter(kind=ImportKind.OUTGOING).exists():
            codes = list(
                Agency.objects.exclude(pk=office.pk)
                .order_by("code")
                .values_list("code", flat=True)[:60]
            )
            raw = outgoing_register(wanted, codes, span["a"], start_number=1_000_000)
            start = time.perf_counter()
            import_register(actor=None, kind="outgoing", raw=raw, filename="bench-di.csv")
            took = time.perf_counter() - start
            print(f"   outgoing register: {wanted:,} documents x 3 recipients imported in "
                  f"{took:.1f} s ({3 * wanted / took:,.0f} rows/s)", flush=True)  # fmt: skip
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")  # as autovacuum would: index-only scans
        incoming = IncomingDocument.objects.filter(agency=office).count()
        outgoing = OutgoingDocument.objects.filter(agency=office).count()
    documents, _ = _size(quick)
    return {
        "db": name,
        "start": span["a"],
        "end": span["b"] + dt.timedelta(days=400),
        "size": f"{_words(documents)} incoming + {_words(wanted)} outgoing; office: "
        f"{_words(incoming)} incoming, {_words(outgoing)} outgoing",
    }


def _report_setup(name: str):
    def setup(quick: bool):
        state = _dataset(quick)
        REGISTRY_SIZES[name].size = state["size"]
        return state

    return setup


def _report_run(name: str):
    def run(state, quick: bool) -> list[float]:
        from qlvb.reports.selectors import report_rows

        samples = []
        with use_database(state["db"]):
            for i in range(5):
                start = time.perf_counter()
                _, _, rows = report_rows(
                    viewer=None, name=name, agency_code=OFFICE, start=state["start"],
                    end=state["end"],
                )  # fmt: skip
                took = time.perf_counter() - start
                if i >= 1:
                    samples.append(took)
            print(f"   {name}: {len(rows)} rows", flush=True)
        return samples

    return run


REGISTRY_SIZES: dict[str, Benchmark] = {}


def _register_reports() -> None:
    from qlvb.reports.selectors import REPORTS

    for name in REPORTS:
        REGISTRY_SIZES[name] = register(
            Benchmark(
                name=f"reports_{name.replace('-', '_')}",
                title=f"report {name} (docs/reports.md) of the province office over the "
                "whole dataset period, computed in SQL",
                size="",
                target_seconds=1.0,
                metric="total",
                setup=_report_setup(name),
                run=_report_run(name),
            )
        )


_register_import()
_register_reports()
