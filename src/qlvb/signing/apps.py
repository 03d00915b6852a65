from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "qlvb.signing"
    label = "signing"
    verbose_name = "Chữ ký số"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from qlvb.signing import receivers  # noqa: F401  (checks every PDF that arrives)
