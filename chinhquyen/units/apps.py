from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "chinhquyen.units"
    label = "units"
    verbose_name = "Đơn vị hành chính và cơ quan"

    def ready(self) -> None:
        from chinhquyen.core.pagecache import CATALOGUE, REPORTING
        from chinhquyen.core.receivers import page_cache_watch

        # Agencies are on the catalogue's and the reporting centre's public pages.
        page_cache_watch(self.get_model("Agency"), CATALOGUE, REPORTING)
