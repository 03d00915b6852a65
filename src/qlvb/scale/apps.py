from django.apps import AppConfig


class ScaleConfig(AppConfig):
    name = "qlvb.scale"
    label = "scale"
    verbose_name = "Quy mô (dữ liệu sinh và đo hiệu năng)"
