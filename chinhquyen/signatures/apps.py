from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "chinhquyen.signatures"
    label = "signatures"
    verbose_name = "Chữ ký số"
