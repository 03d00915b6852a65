"""`qlvb jobs`: look after background work from the console.

qlvb jobs list [--failed] [--stuck] [--label jobs.job]   failed / stuck rows (default: both)
qlvb jobs retry LABEL PK                                 put a row back in the queue
qlvb jobs run [--max N]                                  process due rows here, no queue
qlvb jobs sweep                                          nudge due rows and expired leases
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from qlvb.core import context
from qlvb.core.errors import DomainError
from qlvb.jobs import registry, runner, selectors, services
from qlvb.jobs.models import WorkState


class Command(BaseCommand):
    help = "Quản lý tác vụ nền: liệt kê, chạy lại, xử lý, quét."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ls = sub.add_parser("list", help="liệt kê tác vụ lỗi / bị treo")
        ls.add_argument("--failed", action="store_true", help="chỉ tác vụ thất bại")
        ls.add_argument("--stuck", action="store_true", help="chỉ tác vụ bị treo")
        ls.add_argument("--label", default=None, help="chỉ loại bản ghi này (ví dụ jobs.job)")
        ls.add_argument("--limit", type=int, default=100)
        rt = sub.add_parser("retry", help="chạy lại một tác vụ")
        rt.add_argument("label")
        rt.add_argument("pk", type=int)
        rn = sub.add_parser("run", help="xử lý các tác vụ đến hạn ngay tại tiến trình này")
        rn.add_argument("--max", type=int, default=None, dest="max_items")
        sub.add_parser("sweep", help="đẩy lại vào hàng đợi các tác vụ đến hạn / hết hạn giữ")
        pg = sub.add_parser("ping", help="kiểm tra có tiến trình xử lý tác vụ nền đang chạy")
        pg.add_argument("--wait", type=float, default=10.0, help="số giây chờ (mặc định 10)")

    def handle(self, *args, action, **options):
        token = context.set_current(context.ActingContext(channel="cli"))
        try:
            getattr(self, f"do_{action}")(**options)
        finally:
            context.reset(token)

    def do_list(self, *, failed, stuck, label, limit, **_):
        now = timezone.now()
        if failed and not stuck:
            condition = Q(state=WorkState.FAILED)
        elif stuck and not failed:
            condition = selectors.attention_filter(now) & ~Q(state=WorkState.FAILED)
        else:
            condition = selectors.attention_filter(now)
        shown = 0
        for model in registry.registered_models():
            model_label = model._meta.label_lower
            if label and label.lower() != model_label:
                continue
            for item in model.objects.filter(condition).order_by("-id")[:limit]:
                shown += 1
                kind = getattr(item, "kind", model_label)
                when = item.finished_at or item.lease_until or item.next_attempt_at
                error = (item.last_error or "").strip().splitlines()
                self.stdout.write(
                    f"{model_label}\t{item.pk}\t{kind}\t{item.state}\t"
                    f"{item.attempts}/{item.max_attempts}\t"
                    f"{timezone.localtime(when):%d/%m/%Y %H:%M}\t{error[0] if error else ''}"
                )
        if not shown:
            self.stdout.write("Không có tác vụ lỗi hoặc bị treo.")

    def do_retry(self, *, label, pk, **_):
        try:
            item = services.work_item_retry(actor=None, label=label, pk=pk)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Đã đưa {label} #{pk} vào hàng đợi (trạng thái: {item.state}).")

    def do_run(self, *, max_items, **_):
        counts = runner.run_due(max_items=max_items)
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "không có gì"
        self.stdout.write(f"Đã xử lý: {summary}")

    def do_sweep(self, **_):
        from qlvb.jobs.tasks import run_item_task

        report = runner.sweep()
        for model_label, pk in report.nudged:
            run_item_task(model_label, pk)
        self.stdout.write(
            f"Đã đẩy lại {len(report.nudged)} tác vụ; "
            f"{report.failed_expired} tác vụ hết lượt thử được đánh dấu thất bại."
        )

    def do_ping(self, *, wait, **_):
        job = services.job_submit(actor=None, kind="jobs.ping", payload={})
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.state == WorkState.DONE:
                self.stdout.write(
                    f"Tiến trình xử lý đang chạy: {job.result.get('host')} "
                    f"(pid {job.result.get('pid')})."
                )
                return
            time.sleep(0.2)
        raise CommandError(
            f"Không có tiến trình xử lý nào nhận tác vụ jobs.job #{job.pk} sau {wait:g} giây; "
            "hãy chạy `qlvb worker`."
        )
