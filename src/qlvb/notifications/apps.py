from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "qlvb.notifications"
    label = "notifications"
    verbose_name = "Thông báo, nhắc hạn"

    def ready(self) -> None:
        # Listen to the incoming app's status signal (delivered, rejected, directed).
        from qlvb.notifications import receivers  # noqa: F401
