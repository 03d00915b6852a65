"""`qlvb bench [--only NAME] [--quick]`: run the registered benchmarks in a scratch database,
write docs/benchmarks.md, exit non-zero when a figure misses its target."""

from __future__ import annotations

import importlib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from qlvb.core import bench


class Command(BaseCommand):
    help = "Chạy các phép đo hiệu năng trong cơ sở dữ liệu tạm và ghi docs/benchmarks.md."

    def add_arguments(self, parser):
        parser.add_argument("--only", action="append", default=[], help="chỉ chạy phép đo này")
        parser.add_argument("--quick", action="store_true", help="ít mẫu hơn (kiểm tra nhanh)")
        parser.add_argument(
            "--report",
            default=str(Path(settings.BASE_DIR).parent.parent / "docs" / "benchmarks.md"),
            help="tệp báo cáo (mặc định docs/benchmarks.md)",
        )
        parser.add_argument("--no-report", action="store_true", help="không ghi tệp báo cáo")
        parser.add_argument("--list", action="store_true", help="liệt kê các phép đo")

    def handle(self, *args, **options):
        for config in apps.get_app_configs():
            if config.name.startswith("qlvb."):
                try:
                    importlib.import_module(f"{config.name}.bench")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.bench":
                        raise
        selected = [
            b for n, b in bench.REGISTRY.items() if not options["only"] or n in options["only"]
        ]
        if options["list"]:
            for b in bench.REGISTRY.values():
                self.stdout.write(f"{b.name}: {b.title} (target {b.metric} ≤ {b.target_seconds} s)")
            return
        unknown = set(options["only"]) - set(bench.REGISTRY)
        if unknown:
            raise CommandError(f"Không có phép đo: {', '.join(sorted(unknown))}")

        # A scratch database, never the application's: test_<name> on PostgreSQL, a separate
        # file on SQLite (on disk, so SQLite figures include real I/O).
        if connection.vendor == "sqlite":
            scratch = Path(settings.DATA_DIR) / "bench-scratch.sqlite3"
            connection.settings_dict.setdefault("TEST", {})["NAME"] = str(scratch)
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        results: list[bench.Result] = []
        try:
            machine = bench.machine_description()
            self.stdout.write(f"Máy: {machine}")
            for b in selected:
                self.stdout.write(f"== {b.name}: {b.title}")
                result = bench.Result(bench=b, samples=[])
                try:
                    state = b.setup(options["quick"])
                    result.samples = b.run(state, options["quick"])
                    if b.floor is not None:
                        result.floor_samples = b.floor(state, options["quick"])
                except Exception as exc:  # a broken benchmark is a failed figure, not a crash
                    result.error = f"{type(exc).__name__}: {exc}"
                results.append(result)
                self.stdout.write(
                    f"   median {bench._fmt(result.median)}  p95 {bench._fmt(result.p95)}  "
                    f"floor {bench._fmt(result.floor_figure)}  target {b.metric} ≤ "
                    f"{bench._fmt(b.target_seconds)}  -> "
                    + ("ok" if result.ok else (result.error or "MISSED"))
                )
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)

        if not options["no_report"]:
            previous = bench.previous_section(Path(options["report"]), connection.vendor)
            section = bench.render_section(results, machine, options["quick"], previous)
            bench.write_report(Path(options["report"]), connection.vendor, section)
            self.stdout.write(f"Đã ghi {options['report']}")
        missed = [r.bench.name for r in results if not r.ok]
        if missed:
            raise CommandError(f"Không đạt mục tiêu: {', '.join(missed)}")
