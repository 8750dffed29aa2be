"""When a dossier counts as late — one rule for every place that says so.

Decision 766/QĐ-TTg (DOMAIN.md §5): on time when the result is ready by the due date (the wait
for a supplement is already left out of ``due_at``); a second supplement request counts as late,
however early the result came, because the law asks for the supplement once and in full.

The public status (``on_time`` of ``GET /dossiers/{code}/status`` and the lookup page), the
daily counters behind the indicators, and the list of late dossiers at the bottom of the
drill-down all ask here. The rule is written twice only because a list is filtered in SQL:
``late_q`` is ``counts_as_late`` for finished dossiers, kept beside it.
"""

from __future__ import annotations

from django.db.models import F, Q


def counts_as_late(*, after_due: bool, repeated_supplement: bool) -> bool:
    """``after_due``: finished after the due date, or still open past it."""
    return after_due or repeated_supplement


def late_q() -> Q:
    """``counts_as_late`` of a finished dossier, as a filter on ``Dossier``."""
    return Q(finished_at__gt=F("due_at")) | Q(repeated_supplement=True)
