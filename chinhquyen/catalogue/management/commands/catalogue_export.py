"""``chinhquyen catalogue export [--format json|xlsx] [-o FILE]``: write the current catalogue."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chinhquyen.catalogue.services import catalogue_export_json, catalogue_export_xlsx


class Command(BaseCommand):
    help = "Xuất danh mục thủ tục (phiên bản hiện hành) ra JSON hoặc XLSX."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--format",
            choices=["json", "xlsx"],
            help="Mặc định: theo đuôi của -o, không có thì json",
        )
        parser.add_argument(
            "-o", "--output", type=Path, help="Tệp ghi ra (mặc định: stdout, chỉ với json)"
        )

    def handle(self, *args, format: str | None, output: Path | None, **options) -> None:  # noqa: A002
        fmt = format or ("xlsx" if output and output.suffix.lower() == ".xlsx" else "json")
        if fmt == "xlsx":
            if output is None:
                raise CommandError("Định dạng xlsx cần -o TỆP.")
            content = catalogue_export_xlsx()
        else:
            content = (
                json.dumps(catalogue_export_json(), ensure_ascii=False, indent=2) + "\n"
            ).encode()
        if output is None:
            self.stdout.write(content.decode(), ending="")
            return
        try:
            output.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"Không ghi được {output}: {exc.strerror}") from exc
        self.stderr.write(f"Đã ghi {output}")
