"""``chinhquyen catalogue import FILE [--dry-run]``: load a catalogue file, all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chinhquyen.catalogue.services import catalogue_import


class Command(BaseCommand):
    help = "Nhập danh mục thủ tục từ tệp .json hoặc .xlsx (docs/catalogue-format.md)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Kiểm tra và đếm, không ghi gì")

    def handle(self, *args, file: Path, dry_run: bool, **options) -> None:
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Không đọc được {file}: {exc.strerror}") from exc
        report = catalogue_import(file_name=file.name, content=content, dry_run=dry_run)
        for problem in report.errors:
            self.stderr.write(str(problem))
        if report.errors:
            raise CommandError(f"{len(report.errors)} lỗi; chưa có gì được ghi.")
        self.stdout.write(str(report))
