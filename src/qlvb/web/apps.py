from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "qlvb.web"
    label = "web"
    verbose_name = "Giao diện"
