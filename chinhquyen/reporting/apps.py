from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _cache_table(sender, using="default", **kwargs) -> None:
    """The reporting centre's answer cache lives in a database table (shared by every worker
    process, no extra service): created, if missing, whenever migrations run."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class ReportingConfig(AppConfig):
    name = "chinhquyen.reporting"
    label = "reporting"
    verbose_name = "Trung tâm báo cáo"

    def ready(self) -> None:
        from chinhquyen.core.pagecache import REPORTING
        from chinhquyen.core.receivers import page_cache_watch

        from . import receivers  # noqa: F401 - connects the counters to the dossier history

        # The reporting centre's public pages show these rows.
        for name in (
            "Indicator",
            "IndicatorVersion",
            "SealedHalf",
            "ReportSubmission",
            "ReportValue",
        ):
            page_cache_watch(self.get_model(name), REPORTING)

        post_migrate.connect(_cache_table, sender=self, dispatch_uid="reporting.cache_table")
