from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "chinhquyen.signatures"
    label = "signatures"
    verbose_name = "Chữ ký số"

    def ready(self) -> None:
        from django.conf import settings

        if getattr(settings, "SIGNATURES_PYHANKO_SPEEDUPS", True):
            from . import speedups

            speedups.install()
