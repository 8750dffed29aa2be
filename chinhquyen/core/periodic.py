"""The platform's periodic jobs: what a cron table would otherwise hold.

Each app declares its own in a ``periodic.py`` module (``JOBS``, a tuple of ``Job``); ``jobs()``
collects them through Django's app registry, so the kernel knows no app.

``chinhquyen periodic`` runs them on their intervals in a loop (``make run`` starts it beside the
web server and the task worker); ``chinhquyen periodic --once`` runs every job once and exits,
for a real cron or a systemd timer. Each job is idempotent: running it twice, or from two
machines, does no harm (reminders are sent once per deadline, a closed consultation is not closed
again, a checkpoint seals what is there).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    run: Callable[[], object]


def jobs() -> tuple[Job, ...]:
    """Every installed app's jobs (its ``periodic.JOBS``), the most frequent first."""
    found: list[Job] = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "periodic"):
            # (core's own periodic.py, this module, declares none)
            found.extend(getattr(import_module(f"{config.name}.periodic"), "JOBS", ()))
    return tuple(sorted(found, key=lambda job: job.every_seconds))


def run_due(
    last_run: dict[str, float], now: float, *, jobs_to_run: tuple[Job, ...] | None = None
) -> dict[str, object]:
    """Run every job whose interval has passed since ``last_run`` (updated in place). A failing
    job is logged and tried again at its next turn; it never stops the others. ``jobs_to_run``:
    the installed apps' jobs unless given."""
    results: dict[str, object] = {}
    for job in jobs() if jobs_to_run is None else jobs_to_run:
        if now - last_run.get(job.name, float("-inf")) < job.every_seconds:
            continue
        last_run[job.name] = now
        try:
            results[job.name] = job.run()
        except Exception:  # noqa: BLE001 - one job's failure must not stop the loop
            logger.exception("periodic job %s failed", job.name)
            results[job.name] = "failed"
    return results
