"""`qlvb demo`: load the Đắk Lắk demo province (idempotent)."""

from django.core.management.base import BaseCommand

from qlvb.agencies.demo_data import DEMO_PASSWORD
from qlvb.agencies.demo_loader import demo_load
from qlvb.core import context


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu tỉnh Đắk Lắk (chạy lại nhiều lần không tạo trùng)."

    def handle(self, *args, **options):
        token = context.set_current(context.ActingContext(channel="cli"))
        try:
            stats = demo_load(actor=None)
        finally:
            context.reset(token)
        if any(stats.values()):
            self.stdout.write(
                "Đã nạp dữ liệu mẫu: {agencies} cơ quan, {departments} phòng ban, "
                "{positions} chức vụ, {people} cán bộ, {roles} vai trò.".format(**stats)
            )
            self.stdout.write(f"Mật khẩu mọi tài khoản mẫu: {DEMO_PASSWORD}")
        else:
            self.stdout.write("Dữ liệu mẫu đã có sẵn, không thay đổi gì.")
