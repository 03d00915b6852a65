from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "qlvb.search"
    verbose_name = "Tìm kiếm"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from qlvb.search import receivers  # noqa: F401  (connects the indexing hooks)
