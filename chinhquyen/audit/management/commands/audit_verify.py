from django.core.management.base import BaseCommand, CommandError

from chinhquyen.audit.services import audit_verify


class Command(BaseCommand):
    help = "Recompute every audit hash chain and compare with the checkpoints (chinhquyen audit verify)."

    def handle(self, *args, **options):
        report = audit_verify()
        for problem in report.problems:
            self.stderr.write(f"TAMPERED {problem}")
        summary = (
            f"{report.records} records in {report.chains} chains, {report.checkpoints} checkpoints"
        )
        if not report.ok:
            raise CommandError(
                f"audit log FAILED verification: {len(report.problems)} problem(s); {summary}"
            )
        self.stdout.write(f"audit log OK: {summary}")
