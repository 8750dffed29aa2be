"""Keeps the reporting counters in step with the dossiers, through the dossiers app's domain
signals (``dossiers/signals.py``): the counters are a read model derived from the dossier
history, and the dossiers app must not depend on reporting (reporting depends on it). The
services send the signals inside their transaction — a submission after its code is taken, so
the counter row is locked only for the tail of it — so a rolled-back transition leaves the
counters untouched. `reporting rebuild` recomputes everything from the history should a write
ever bypass the services (bulk loads, raw SQL).
"""

from __future__ import annotations

from django.dispatch import receiver

from chinhquyen.dossiers import signals

from . import counters


@receiver(signals.event_recorded, dispatch_uid="reporting.dossier_event")
def _dossier_event_recorded(sender, event, day=None, **kwargs):
    counters.on_dossier_event(event=event, day=day)


@receiver(signals.evaluated, dispatch_uid="reporting.dossier_evaluation")
def _dossier_evaluated(sender, evaluation, **kwargs):
    counters.on_dossier_evaluated(evaluation=evaluation)
