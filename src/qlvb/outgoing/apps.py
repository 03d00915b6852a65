from django.apps import AppConfig


class OutgoingConfig(AppConfig):
    name = "qlvb.outgoing"
    label = "outgoing"
    verbose_name = "Văn bản đi"

    def ready(self) -> None:
        from qlvb.outgoing import receivers  # noqa: F401  (status_changed → Delivery)
