"""`manage.py units_load`: load or refresh the administrative units. Safe to run again."""

from django.core.management.base import BaseCommand

from chinhquyen.units.services import units_load


class Command(BaseCommand):
    help = "Nạp đơn vị hành chính hiện hành (2025) và trước 01/7/2025 từ gói vietnam-provinces."

    def handle(self, *args, **options):
        units_load(stdout=self.stdout)
