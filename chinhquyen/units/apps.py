from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "chinhquyen.units"
    label = "units"
    verbose_name = "Đơn vị hành chính và cơ quan"
