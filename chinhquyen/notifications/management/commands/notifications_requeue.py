from django.core.management.base import BaseCommand

from chinhquyen.notifications.services import notifications_requeue_due


class Command(BaseCommand):
    help = "Enqueue messages whose send was lost (worker died, retry task gone). Safe from cron."

    def handle(self, *args, **options):
        count = notifications_requeue_due()
        self.stdout.write(f"{count} notification(s) requeued")
