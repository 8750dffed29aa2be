"""Models of the core app: the page cache's versions."""

from __future__ import annotations

from django.db import models


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
