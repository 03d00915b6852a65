from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qlvb.core"
    label = "core"
    verbose_name = "Lõi hệ thống"

    def ready(self):
        from qlvb.core import db

        db.install()
