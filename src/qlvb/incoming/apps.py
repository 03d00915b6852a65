from django.apps import AppConfig


class IncomingConfig(AppConfig):
    name = "qlvb.incoming"
    label = "incoming"
    verbose_name = "Văn bản đến"
