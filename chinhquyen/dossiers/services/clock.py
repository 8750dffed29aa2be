"""The clock of a dossier: its due date from the procedure version's time limit, and whether it
is on time.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from chinhquyen.catalogue.models import ProcedureVersion, TimeUnit
from chinhquyen.workdays import calendar

from ..models import Dossier
from ..timeliness import counts_as_late


def _limit(version: ProcedureVersion, share: Decimal = Decimal(100)) -> dict[str, Decimal]:
    amount = Decimal(version.processing_time) * share / Decimal(100)
    if version.time_unit == TimeUnit.HOURS:
        return {"hours": amount}
    return {"days": amount}


def due_for(version: ProcedureVersion, start: datetime, share: Decimal = Decimal(100)) -> datetime:
    return calendar.due_date(start, **_limit(version, share))


def deadline_state(dossier: Dossier, now: datetime | None = None) -> str | None:
    """on_time / due_soon / overdue, or paused while waiting for the applicant; None before acceptance."""
    if dossier.due_at is None:
        return None
    if dossier.paused_at is not None and dossier.finished_at is None:
        return "paused"
    return calendar.deadline_state(dossier.due_at, now=now, finished_at=dossier.finished_at)


def is_on_time(dossier: Dossier, now: datetime | None = None) -> bool | None:
    return on_time_of(deadline_state(dossier, now), dossier=dossier)


def on_time_of(state: str | None, *, dossier: Dossier) -> bool | None:
    """``is_on_time`` from a ``deadline_state`` already computed: not late by the one rule of
    ``timeliness`` (past the due date, or a second supplement request). None before acceptance."""
    if state is None:
        return None
    return not counts_as_late(
        after_due=state == "overdue", repeated_supplement=dossier.repeated_supplement
    )
