from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "qlvb.agencies"
    label = "agencies"
    verbose_name = "Danh bạ cơ quan"
