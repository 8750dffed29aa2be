from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "chinhquyen.dossiers"
    label = "dossiers"
    verbose_name = "Hồ sơ"
