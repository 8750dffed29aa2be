from django.core.management.base import BaseCommand

from chinhquyen.audit.services import audit_checkpoint_create


class Command(BaseCommand):
    help = "Seal the head of every audit chain (run it from cron, or let the worker do it)."

    def handle(self, *args, **options):
        cp = audit_checkpoint_create()
        self.stdout.write(
            f"checkpoint {cp.pk}: {cp.record_count} records, {len(cp.heads)} chains, digest {cp.digest}"
        )
