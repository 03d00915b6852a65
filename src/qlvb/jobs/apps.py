from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "qlvb.jobs"
    label = "jobs"
    verbose_name = "Tác vụ nền"

    def ready(self) -> None:
        # Work handlers are registered in each app's tasks.py; import them in every process
        # (web and worker) so the registry, the sweep and the failed-work page know them all.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tasks")
