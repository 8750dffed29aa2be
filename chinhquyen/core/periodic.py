"""The platform's periodic jobs, in one place: what a cron table would otherwise hold.

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

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    run: Callable[[], object]


def _feedback_reminders():
    from chinhquyen.feedback.services import feedback_remind_due

    return feedback_remind_due()


def _consultations_close():
    from chinhquyen.consultations.services import consultations_close_due

    return consultations_close_due()


def _notifications_requeue():
    from chinhquyen.notifications.services import notifications_requeue_due

    return notifications_requeue_due()


def _audit_checkpoint():
    from chinhquyen.audit.services import audit_checkpoint_create

    return audit_checkpoint_create().pk


def _reporting_seal():
    from chinhquyen.reporting.rollups import halves_seal

    return len(halves_seal())


def _files_sweep():
    from chinhquyen.dossiers.services import dossier_files_sweep

    return len(dossier_files_sweep())


def _signing_batches():
    from chinhquyen.signatures.batches import signing_batches_advance_pending

    return signing_batches_advance_pending()


JOBS: tuple[Job, ...] = (
    Job("signing_batches", 30, _signing_batches),
    Job("consultations_close", 5 * 60, _consultations_close),
    Job("notifications_requeue", 5 * 60, _notifications_requeue),
    Job("feedback_reminders", 30 * 60, _feedback_reminders),
    Job("audit_checkpoint", 60 * 60, _audit_checkpoint),
    Job("reporting_seal", 60 * 60, _reporting_seal),
    Job("dossier_files_sweep", 6 * 60 * 60, _files_sweep),
)


def run_due(last_run: dict[str, float], now: float) -> dict[str, object]:
    """Run every job whose interval has passed since ``last_run`` (updated in place). A failing
    job is logged and tried again at its next turn; it never stops the others."""
    results: dict[str, object] = {}
    for job in JOBS:
        if now - last_run.get(job.name, float("-inf")) < job.every_seconds:
            continue
        last_run[job.name] = now
        try:
            results[job.name] = job.run()
        except Exception:  # noqa: BLE001 - one job's failure must not stop the loop
            logger.exception("periodic job %s failed", job.name)
            results[job.name] = "failed"
    return results
