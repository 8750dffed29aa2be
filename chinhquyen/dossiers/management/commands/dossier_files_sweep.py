from django.core.management.base import BaseCommand

from chinhquyen.dossiers.services import dossier_files_sweep


class Command(BaseCommand):
    help = (
        "Delete stored dossier files that no database row refers to (left by a rolled-back "
        "submission or a crash) once they are older than --grace-minutes. Safe to run from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--grace-minutes", type=int, default=60)

    def handle(self, *args, grace_minutes: int, **options):
        removed = dossier_files_sweep(grace_seconds=grace_minutes * 60)
        self.stdout.write(f"removed {len(removed)} orphaned file(s)")
