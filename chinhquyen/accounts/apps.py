from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "chinhquyen.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"

    def ready(self):
        from . import throttle  # noqa: F401  (the sign-in throttle's receiver)
