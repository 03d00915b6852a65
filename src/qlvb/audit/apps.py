from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "qlvb.audit"
    label = "audit"
    verbose_name = "Nhật ký"
