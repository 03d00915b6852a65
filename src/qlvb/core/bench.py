"""A small benchmark registry (`qlvb bench`): each benchmark times the qlvb path and a "floor"
(the bare SQL or library call doing the same work), so a figure says both how fast qlvb is and
how much it adds on top of the database.

Benchmarks run in a scratch database created for the run (Django's test-database machinery:
`test_<name>` on PostgreSQL, a separate file in the data folder on SQLite), never in the
database the application or the demo uses.

Apps register benchmarks in `<app>/bench.py`; the command imports those modules.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection


@dataclass
class Benchmark:
    name: str
    title: str  # Vietnamese/English description for the report
    size: str  # data size in words: "120 000 agencies"
    target_seconds: float
    metric: str  # "total" (one whole operation) or "p95" (per call)
    setup: Callable[[bool], Any]  # quick -> state
    run: Callable[[Any, bool], list[float]]  # samples in seconds (qlvb path)
    floor: Callable[[Any, bool], list[float]] | None = None
    notes: str = ""


@dataclass
class Result:
    bench: Benchmark
    samples: list[float]
    floor_samples: list[float] = field(default_factory=list)
    error: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else math.nan

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def figure(self) -> float:
        return self.p95 if self.bench.metric == "p95" else self.median

    @property
    def floor_figure(self) -> float:
        if not self.floor_samples:
            return math.nan
        if self.bench.metric == "p95":
            return percentile(self.floor_samples, 95)
        return statistics.median(self.floor_samples)

    @property
    def ratio(self) -> float:
        floor = self.floor_figure
        return self.figure / floor if floor and not math.isnan(floor) else math.nan

    @property
    def ok(self) -> bool:
        return not self.error and self.figure <= self.bench.target_seconds


REGISTRY: dict[str, Benchmark] = {}


def register(bench: Benchmark) -> Benchmark:
    REGISTRY[bench.name] = bench
    return bench


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: the figure is a sample that happened)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --- machine description -----------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return match.group(1).strip() if match else platform.machine()


def _memory() -> str:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return "?"
    match = re.search(r"^MemTotal:\s*(\d+) kB", text, re.M)
    return f"{int(match.group(1)) / 1024 / 1024:.1f} GiB" if match else "?"


def database_description() -> str:
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]} (WAL, file in the data folder)"
        if vendor == "postgresql":
            cursor.execute("show server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    return vendor


def machine_description() -> dict[str, str]:
    return {
        "CPU": _cpu_model(),
        "nproc": str(os.cpu_count()),
        "memory": _memory(),
        "Python": platform.python_version(),
        "OS": platform.platform(),
        "database": database_description(),
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %z"),
    }


# --- report --------------------------------------------------------------------------------------


def _fmt(seconds: float) -> str:
    if seconds is None or math.isnan(seconds):
        return "–"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.2f} ms"


TABLE_HEAD = (
    "| benchmark | data | median | p95 | target | floor | ratio to floor | result | measured |",
    "|---|---|---|---|---|---|---|---|---|",
)


def _load() -> str:
    try:
        return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "load ?"


def render_rows(results: list[Result], machine: dict[str, str], quick: bool) -> dict:
    """name -> (table row, note lines) for these results; the row says when it was measured
    and how busy the machine was (1, 5 and 15-minute load averages), since runs of single
    benchmarks (`--only`) land in the same table at different times."""
    when = machine["date"] + (", quick" if quick else "") + ", " + _load()
    rows = {}
    for r in results:
        target = f"{r.bench.metric} ≤ {_fmt(r.bench.target_seconds)}"
        verdict = "ok" if r.ok else ("ERROR: " + r.error if r.error else "**MISSED**")
        ratio = "–" if math.isnan(r.ratio) else f"{r.ratio:.1f}×"
        row = (
            f"| {r.bench.name} | {r.bench.size} | {_fmt(r.median)} | {_fmt(r.p95)} | {target} "
            f"| {_fmt(r.floor_figure)} | {ratio} | {verdict} | {when} |"
        )
        notes = [f"- **{r.bench.name}**: {r.bench.title} ({len(r.samples)} samples)."]
        if r.bench.notes:
            notes.append(f"  {r.bench.notes}")
        rows[r.bench.name] = (row, notes)
    return rows


def _parse_rows(section: str) -> dict:
    """The rows and notes of a section written by render_section (older rows without the
    "measured" column are kept as they are)."""
    rows: dict[str, tuple[str, list[str]]] = {}
    notes: dict[str, list[str]] = {}
    current = None
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith("| benchmark |"):
            name = line.split("|")[1].strip()
            rows[name] = (line, [])
        elif line.startswith("- **"):
            current = line[4:].split("**", 1)[0]
            notes[current] = [line]
        elif line.startswith("  ") and current:
            notes[current].append(line)
        else:
            current = None
    return {name: (row, notes.get(name, [])) for name, (row, _) in rows.items()}


def render_section(
    results: list[Result], machine: dict[str, str], quick: bool, previous: str = ""
) -> str:
    """The vendor's section: these results, plus the rows of earlier runs of the benchmarks
    not run this time (from `previous`, the section as it was)."""
    rows = _parse_rows(previous)
    rows.update(render_rows(results, machine, quick))
    lines = [f"### {machine['database']}", ""]
    lines.append(
        "Machine of the latest run: "
        + "; ".join(f"{key} {value}" for key, value in machine.items() if key != "database")
    )
    lines += ["", *TABLE_HEAD]
    lines += [row for _, (row, _) in sorted(rows.items())]
    lines.append("")
    for _, (_, notes) in sorted(rows.items()):
        lines += notes
    lines.append("")
    return "\n".join(lines)


def previous_section(path: Path, vendor: str) -> str:
    begin, end = f"<!-- bench:{vendor} -->", f"<!-- /bench:{vendor} -->"
    text = path.read_text() if path.exists() else ""
    if begin in text and end in text:
        return text[text.index(begin) + len(begin) : text.index(end)]
    return ""


DOC_HEAD = """# Benchmarks

Written by `qlvb bench` (`make bench` runs it on SQLite and on PostgreSQL). Each benchmark runs
in a scratch database created for the run. *Floor* is the bare SQL doing the same work without
qlvb (raw `executemany` for the import, the raw index query for search); *ratio* is qlvb's
figure divided by the floor's. A figure over its target makes `qlvb bench` exit non-zero.

"""


def write_report(path: Path, vendor: str, section: str) -> None:
    """Replace this database vendor's section and keep the other's."""
    begin, end = f"<!-- bench:{vendor} -->", f"<!-- /bench:{vendor} -->"
    block = f"{begin}\n{section}\n{end}"
    text = path.read_text() if path.exists() else DOC_HEAD
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
