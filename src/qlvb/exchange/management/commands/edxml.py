"""`qlvb edxml parse FILE` prints the parsed package as JSON; `qlvb edxml export DOCUMENT_ID
--to AGENCY_CODE -o FILE` writes the package that agency would get."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from qlvb.core.errors import DomainError


class Command(BaseCommand):
    help = "Gói tin edXML (QCVN 102:2016): parse FILE | export DOCUMENT_ID --to CODE -o FILE"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("parse", help="đọc gói tin, in JSON")
        p.add_argument("file")
        p.add_argument("--keep-files", action="store_true", help="giữ tệp đính kèm đã giải mã")
        e = sub.add_parser("export", help="xuất gói tin của một văn bản đi")
        e.add_argument(
            "document_id", help="mã văn bản edXML, vd 000.00.00.H15,2017/07/03,12/UBND-TH"
        )
        e.add_argument("--to", required=True, dest="to_code", help="mã định danh cơ quan nhận")
        e.add_argument("-o", "--output", required=True)
        e.add_argument("--business-type", type=int, default=0, choices=[0, 1, 2, 3])
        e.add_argument("--no-sign", action="store_true")

    def handle(self, *args, **options):
        try:
            if options["action"] == "parse":
                return self._parse(options)
            return self._export(options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _parse(self, options):
        from qlvb.exchange.credentials import trusted_certificates
        from qlvb.exchange.edxml import parse, to_jsonable
        from qlvb.exchange.edxml.dsig import make_verifier

        message = parse(options["file"], verifier=make_verifier(trusted_certificates))
        try:
            self.stdout.write(json.dumps(to_jsonable(message), ensure_ascii=False, indent=2))
        finally:
            if not options["keep_files"]:
                message.cleanup()

    def _export(self, options):
        from qlvb.exchange.credentials import agency_signing_key
        from qlvb.exchange.edxml import write_message
        from qlvb.exchange.edxml.dsig import make_signer
        from qlvb.exchange.services import export_package

        package = export_package(
            document_id=options["document_id"],
            to_code=options["to_code"],
            business_doc_type=options["business_type"],
        )
        signer = None
        if not options["no_sign"]:
            from qlvb.agencies.models import Agency

            sender = Agency.objects.get(code=package.sender.organ_id)
            credentials = agency_signing_key(sender)
            if credentials:
                signer = make_signer(*credentials)
            else:
                self.stderr.write(
                    f"Cảnh báo: cơ quan {sender.code} chưa có khóa ký số, gói tin không ký."
                )
        with open(options["output"], "wb") as out:
            write_message(out, package, signer=signer)
        self.stdout.write(f"Đã ghi {options['output']} ({len(package.attachments)} tệp đính kèm).")
