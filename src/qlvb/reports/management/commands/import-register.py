"""`qlvb import-register incoming|outgoing FILE`: a legacy register (CSV UTF-8 or XLSX)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qlvb.core import context
from qlvb.core.errors import DomainError
from qlvb.reports.importer import import_register


class Command(BaseCommand):
    help = "Nhập sổ văn bản đến/đi từ hệ thống cũ (CSV UTF-8 hoặc XLSX), tất cả hoặc không."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["incoming", "outgoing"])
        parser.add_argument("file")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            raw = path.read_bytes()
        except OSError:
            raise CommandError(f"Không đọc được tệp {path}.") from None
        token = context.set_current(context.ActingContext(channel="cli"))
        try:
            result = import_register(actor=None, kind=options["kind"], raw=raw, filename=path.name)
        except DomainError as exc:
            for error in exc.errors if isinstance(exc.errors, list) else []:
                self.stderr.write(f"Dòng {error['line']}: {error['message']}")
            raise CommandError(exc.message) from None
        finally:
            context.reset(token)
        self.stdout.write(f"Đã nhập sổ: {result.summary_vi()}")
