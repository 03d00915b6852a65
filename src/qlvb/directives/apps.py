from django.apps import AppConfig


class DirectivesConfig(AppConfig):
    name = "qlvb.directives"
    label = "directives"
    verbose_name = "Chỉ đạo điều hành, theo dõi nhiệm vụ"
