"""docs/benchmarks.md: a run of some benchmarks replaces their rows and keeps the others'."""

from qlvb.core import bench

MACHINE = {"CPU": "test", "database": "PostgreSQL 15", "date": "2026-12-02 10:00 +0700"}


def _result(name: str, seconds: float) -> bench.Result:
    b = bench.Benchmark(
        name=name,
        title=f"{name} title",
        size="1 000 rows",
        target_seconds=1.0,
        metric="total",
        setup=lambda quick: None,
        run=lambda state, quick: [],
        notes=f"{name} notes",
    )
    return bench.Result(bench=b, samples=[seconds])


def test_a_single_run_keeps_the_rows_of_the_others(tmp_path):
    report = tmp_path / "benchmarks.md"
    first = bench.render_section([_result("alpha", 0.5), _result("beta", 2.0)], MACHINE, False)
    bench.write_report(report, "postgresql", first)
    previous = bench.previous_section(report, "postgresql")
    second = bench.render_section([_result("beta", 0.25)], MACHINE, True, previous)
    bench.write_report(report, "postgresql", second)

    text = report.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ") and "benchmark" not in line]
    assert [row.split("|")[1].strip() for row in rows] == ["alpha", "beta"]
    alpha, beta = rows
    assert "500.00 ms" in alpha and "| ok |" in alpha and ", quick" not in alpha
    assert "250.00 ms" in beta and "2.00 s" not in beta and ", quick, load " in beta
    assert text.count("- **alpha**") == 1 and text.count("- **beta**") == 1
    assert "alpha notes" in text and "beta notes" in text
    assert text.count("<!-- bench:postgresql -->") == 1
