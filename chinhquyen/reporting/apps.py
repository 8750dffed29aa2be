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
        from . import receivers  # noqa: F401 - connects the counters to the dossier history

        post_migrate.connect(_cache_table, sender=self, dispatch_uid="reporting.cache_table")
