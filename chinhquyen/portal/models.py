"""The portal's own data: a citizen's unfinished online application."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApplicationDraft(models.Model):
    """The e-form a citizen saved with "Lưu nháp", one per citizen and procedure.

    Only the typed data and the chosen agency are kept: files are asked for at the review step,
    just before submitting, so no unclaimed uploads pile up in the storage.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="application_drafts"
    )
    procedure_code = models.CharField(max_length=40)
    agency_id = models.CharField(max_length=40, blank=True)
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "procedure_code"], name="application_draft_unique_per_procedure"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.procedure_code}"
