"""Helpers the steps share: the acting officer's agency, a dossier's history event, times as
ISO text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of

from ..models import Dossier, DossierEvent


def _user_agency_id(user) -> int | None:
    profile = profile_of(user)
    return profile.agency_id if profile else None


def _append_event(
    *,
    dossier: Dossier,
    action: str,
    from_state: str,
    to_state: str,
    actor,
    actor_role: str,
    at: datetime,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> DossierEvent:
    dossier.history_length += 1
    return DossierEvent.objects.create(
        dossier=dossier,
        seq=dossier.history_length,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor if actor is not None and actor.pk else None,
        actor_role=actor_role,
        agency_id=_user_agency_id(actor) if actor_role not in ("", Role.CITIZEN) else None,
        at=at,
        comment=comment,
        data=data or {},
    )


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None
