from django.core.management.base import BaseCommand, CommandError

from qlvb.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Nhật ký hệ thống: `qlvb audit verify` kiểm tra chuỗi băm của nhật ký."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Kiểm tra toàn vẹn chuỗi nhật ký")

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if report.ok:
            self.stdout.write(
                f"Nhật ký toàn vẹn: đã kiểm tra {report.checked} bản ghi "
                f"trong {report.chains} chuỗi."
            )
            return
        raise CommandError(
            f"Nhật ký bị thay đổi tại bản ghi #{report.broken_at}: {report.reason} "
            f"({report.checked} bản ghi trước đó hợp lệ)."
        )
