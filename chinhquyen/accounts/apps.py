from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "chinhquyen.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"
