from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "chinhquyen.notifications"
    label = "notifications"
    verbose_name = "Thông báo"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers the deployment check)
            receivers,  # noqa: F401  (tells the applicant about the dossier events)
        )
