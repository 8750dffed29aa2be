"""The table of the bare benchmark endpoints (``benchmarks/urls.py``)."""

from __future__ import annotations

from django.db import models


class BenchRow(models.Model):
    """A row written and read by the bare benchmark endpoints (``benchmarks.urls``).

    It stands beside the real dossier tables as the floor a request can reach on this machine: one
    Django view, one INSERT (or SELECT by primary key), no authentication, no framework on top.
    Rows only ever exist in throwaway benchmark databases.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"bench row {self.pk}"
