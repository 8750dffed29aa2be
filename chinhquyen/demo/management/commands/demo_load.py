from django.core.management.base import BaseCommand

from chinhquyen.demo.services import demo_load


class Command(BaseCommand):
    help = "Load the demo data and accounts (idempotent)."

    def handle(self, *args, **options):
        demo_load(stdout=self.stdout)
