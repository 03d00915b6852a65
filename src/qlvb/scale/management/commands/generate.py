"""`qlvb generate --documents N --years Y [--seed S] [--no-attachments]`: fill this database with
a province-sized dataset (see qlvb.scale.generator). Meant for a database of its own."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from qlvb.core import context
from qlvb.core.errors import Conflict
from qlvb.scale.generator import generate


class Command(BaseCommand):
    help = (
        "Sinh dữ liệu quy mô tỉnh (~220 cơ quan, cán bộ, văn bản đến nhiều năm) để đo hiệu năng. "
        "Chỉ chạy trên cơ sở dữ liệu riêng, chưa có văn bản."
    )

    def add_arguments(self, parser):
        parser.add_argument("--documents", type=int, required=True, help="số văn bản đến")
        parser.add_argument("--years", type=int, default=5, help="số năm (đến năm nay)")
        parser.add_argument("--seed", type=int, default=2026, help="hạt giống ngẫu nhiên")
        parser.add_argument(
            "--no-attachments", action="store_true", help="không sinh tệp đính kèm nhỏ"
        )

    def handle(self, *args, **options):
        token = context.set_current(context.ActingContext(channel="cli"))
        try:
            dataset = generate(
                documents=options["documents"],
                years=options["years"],
                seed=options["seed"],
                attachments=not options["no_attachments"],
                log=self.stdout.write,
            )
        except (Conflict, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            context.reset(token)
        for key, value in dataset.stats.items():
            self.stdout.write(f"  {key}: {value}")
