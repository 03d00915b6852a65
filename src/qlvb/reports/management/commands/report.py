"""`qlvb report NAME --agency CODE --from YYYY-MM-DD --to YYYY-MM-DD --format csv|xlsx|docx|pdf
[-o FILE]`: one report of docs/reports.md; CSV to standard output when no file is given."""

from __future__ import annotations

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError

from qlvb.core import context
from qlvb.core.errors import DomainError
from qlvb.reports.exports import FORMATS, render
from qlvb.reports.selectors import REPORTS, report_rows


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Ngày “{value}” không hợp lệ (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = "Báo cáo thống kê (docs/reports.md) ra CSV, XLSX, DOCX hoặc PDF."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=sorted(REPORTS))
        parser.add_argument("--agency", required=True, help="Mã định danh cơ quan báo cáo")
        parser.add_argument("--from", dest="start", required=True, type=_date)
        parser.add_argument("--to", dest="end", required=True, type=_date)
        parser.add_argument("--format", default="csv", choices=FORMATS)
        parser.add_argument("-o", "--output", default="")

    def handle(self, *args, **options):
        fmt = options["format"]
        if fmt != "csv" and not options["output"]:
            raise CommandError(f"Định dạng {fmt} cần tệp đích (-o TỆP).")
        token = context.set_current(context.ActingContext(channel="cli"))
        try:
            report, p, rows = report_rows(
                viewer=None,
                name=options["name"],
                agency_code=options["agency"],
                start=options["start"],
                end=options["end"],
            )
            data = render(report, p, rows, fmt)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        finally:
            context.reset(token)
        if options["output"]:
            with open(options["output"], "wb") as out:
                out.write(data)
            self.stderr.write(f"Đã ghi {len(rows)} dòng ra {options['output']}.")
        else:
            sys.stdout.flush()
            self.stdout.write(data.decode("utf-8"), ending="")
