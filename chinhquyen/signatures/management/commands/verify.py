"""chinhquyen verify FILE [--json]: the validation report of a signed PDF."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chinhquyen.core.errors import DomainError


class Command(BaseCommand):
    help = "Kiểm tra chữ ký số của một tệp PDF (báo cáo ETSI EN 319 102-1 và Nghị định 30)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true", help="print the JSON report")

    def handle(self, *args, file: str, json: bool = False, **opts):  # noqa: A002
        from chinhquyen.signatures.validation import report_text, validate_pdf

        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp {file}: {exc.strerror}") from exc
        try:
            report = validate_pdf(data)
        except DomainError as exc:
            details = [m for messages in (exc.fields or {}).values() for m in messages]
            raise CommandError(" ".join([exc.message, *details])) from exc
        if json:
            self.stdout.write(_dumps(report.as_dict()))
        else:
            self.stdout.write(report_text(report))
        if report.indication != "TOTAL_PASSED":
            raise SystemExit(1)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
