from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "chinhquyen.reporting"
    label = "reporting"
    verbose_name = "Trung tâm báo cáo"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the counters to the dossier history
