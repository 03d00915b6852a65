from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "qlvb.jobs"
    label = "jobs"
    verbose_name = "Tác vụ nền"
