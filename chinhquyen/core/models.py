"""Models of the core app: only what the benchmark's bare endpoints need."""

from __future__ import annotations

from django.db import models


class BenchRow(models.Model):
    """A row written and read by the bare benchmark endpoints (``chinhquyen.core.bench``).

    It stands beside the real dossier tables as the floor a request can reach on this machine: one
    Django view, one INSERT (or SELECT by primary key), no authentication, no framework on top.
    Rows only ever exist in throwaway benchmark databases.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"bench row {self.pk}"


class PageCacheVersion(models.Model):
    """The version of one namespace of cached public pages (``chinhquyen.core.pagecache``).

    A change to what the pages of a namespace show (the catalogue, the agencies, the published
    reports) adds one to its version; the cached pages are keyed by the versions they were drawn
    from, so every process stops serving the old ones. One row per namespace, a few rows in all.
    """

    namespace = models.CharField(max_length=40, primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.namespace} v{self.version}"
