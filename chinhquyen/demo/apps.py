from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data and accounts (``manage.py demo_load``, ``make demo``): built through every
    app's services, so it sits above them; no app imports it."""

    name = "chinhquyen.demo"
    label = "demo"
    verbose_name = "Dữ liệu mẫu"
