from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "chinhquyen.exchange"
    label = "exchange"
    verbose_name = "Trục liên thông văn bản"
