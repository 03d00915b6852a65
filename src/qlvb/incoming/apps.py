from django.apps import AppConfig


class IncomingConfig(AppConfig):
    name = "qlvb.incoming"
    label = "incoming"
    verbose_name = "Văn bản đến"

    def ready(self) -> None:
        from qlvb.incoming import receivers  # noqa: F401  (navigation counts start afresh)
