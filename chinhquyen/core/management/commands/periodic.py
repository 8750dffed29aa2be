"""``chinhquyen periodic [--once]``: the periodic jobs each app declares (``core/periodic.py``).

Without ``--once`` it loops until SIGTERM or SIGINT (``make run``'s Ctrl-C, a service manager's
stop): a job already running is finished, a wait between rounds is cut short, and it exits 0.
"""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from chinhquyen.core.periodic import run_due


class _Stop(Exception):
    """Raised by the signal handler to end a wait between rounds."""


class Command(BaseCommand):
    help = "Run the periodic jobs (reminders, closing consultations, checkpoints …)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")
        parser.add_argument("--tick", type=float, default=30.0, help="seconds between checks")

    def handle(self, *args, once: bool = False, tick: float = 30.0, **options):
        last_run: dict[str, float] = {}
        state = {"stopping": False, "sleeping": False}

        def on_signal(signum, frame):
            state["stopping"] = True
            if state["sleeping"]:
                raise _Stop

        if not once:
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
        try:
            while True:
                results = run_due(last_run, time.monotonic())
                for name, result in results.items():
                    if result or once:  # a loop's idle rounds ("0") are not news
                        self.stdout.write(f"{name}: {result}")
                if once or state["stopping"]:
                    return
                state["sleeping"] = True
                time.sleep(tick)
                state["sleeping"] = False
                # A long-running loop, like a request cycle: drop connections that are broken
                # or past their CONN_MAX_AGE before the next round (never inside --once: a
                # caller's transaction, e.g. a test's, would lose its connection).
                close_old_connections()
        except _Stop:
            return
