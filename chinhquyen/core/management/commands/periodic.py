"""``chinhquyen periodic [--once]``: the periodic jobs of ``core/periodic.py``."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from chinhquyen.core.periodic import run_due


class Command(BaseCommand):
    help = "Run the periodic jobs (reminders, closing consultations, checkpoints …)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")
        parser.add_argument("--tick", type=float, default=30.0, help="seconds between checks")

    def handle(self, *args, once: bool = False, tick: float = 30.0, **options):
        last_run: dict[str, float] = {}
        while True:
            results = run_due(last_run, time.monotonic())
            for name, result in results.items():
                self.stdout.write(f"{name}: {result}")
            if once:
                return
            time.sleep(tick)
            # A long-running loop, like a request cycle: drop connections that are broken or
            # past their CONN_MAX_AGE before the next round (never inside --once: a caller's
            # transaction, e.g. a test's, would lose its connection).
            close_old_connections()
