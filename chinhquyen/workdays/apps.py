from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "chinhquyen.workdays"
    label = "workdays"
    verbose_name = "Lịch làm việc"
