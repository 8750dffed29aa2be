from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "chinhquyen.core"
    label = "core"
    verbose_name = "Nền tảng"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
