from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "qlvb.exchange"
    label = "exchange"
    verbose_name = "Liên thông văn bản (edXML)"

    def ready(self) -> None:
        from qlvb.exchange import receivers  # noqa: F401
