"""`qlvb directory import FILE` / `qlvb directory export [-o FILE]`: the agency directory as CSV."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from qlvb.agencies.services import directory_export, directory_import
from qlvb.core import context
from qlvb.core.errors import DomainError


class Command(BaseCommand):
    help = "Danh bạ cơ quan: nhập (import) hoặc xuất (export) tệp CSV."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        imp = sub.add_parser("import", help="Nhập danh bạ từ tệp CSV (thêm mới hoặc cập nhật)")
        imp.add_argument("file", help="Tệp CSV, mã UTF-8; '-' là đầu vào chuẩn")
        exp = sub.add_parser("export", help="Xuất danh bạ ra CSV, sắp theo mã định danh")
        exp.add_argument("-o", "--output", default="-", help="Tệp đích ('-' là đầu ra chuẩn)")

    def handle(self, *args, **options):
        token = context.set_current(context.ActingContext(channel="cli"))
        try:
            if options["subcommand"] == "import":
                self._import(options["file"])
            else:
                self._export(options["output"])
        finally:
            context.reset(token)

    def _import(self, path: str) -> None:
        source = sys.stdin.buffer if path == "-" else path
        try:
            result = directory_import(actor=None, stream_or_path=source, filename=path)
        except FileNotFoundError:
            raise CommandError(f"Không tìm thấy tệp {path}.") from None
        except DomainError as exc:
            for error in exc.errors if isinstance(exc.errors, list) else []:
                self.stderr.write(f"Dòng {error['line']}: {error['message']}")
            if isinstance(exc.errors, dict):
                for field, messages in exc.errors.items():
                    for message in messages:
                        self.stderr.write(f"{field}: {message}")
            raise CommandError(exc.message) from None
        self.stdout.write(f"Đã nhập danh bạ: {result.summary_vi()}")

    def _export(self, path: str) -> None:
        if path == "-":
            count = directory_export(out=self.stdout._out)
        else:
            with open(path, "w", encoding="utf-8", newline="") as out:
                count = directory_export(out=out)
            self.stderr.write(f"Đã xuất {count} cơ quan ra {path}.")
