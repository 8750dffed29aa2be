from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "chinhquyen.reporting"
    label = "reporting"
    verbose_name = "Trung tâm báo cáo"
