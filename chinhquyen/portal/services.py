"""Writes of the portal's own rows (drafts). Dossiers are written by the dossiers app."""

from __future__ import annotations

from typing import Any

from .models import ApplicationDraft


def draft_save(
    *, user, procedure_code: str, agency_id: str, data: dict[str, Any]
) -> ApplicationDraft:
    draft, _created = ApplicationDraft.objects.update_or_create(
        user=user,
        procedure_code=procedure_code,
        defaults={"agency_id": agency_id, "data": data},
    )
    return draft


def draft_delete(*, user, procedure_code: str) -> None:
    ApplicationDraft.objects.filter(user=user, procedure_code=procedure_code).delete()
