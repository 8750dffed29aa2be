"""What keeps the cached public pages fresh (``chinhquyen.core.pagecache``): a save or deletion of
a row the pages show bumps the version of their namespace, whoever made it — a service, an
import, the admin. Cache bookkeeping, not business logic (STYLE.md §3): nothing here decides
anything, and a missed change is bounded by the pages' lifetime (``PAGE_CACHE_SECONDS``).

The kernel knows no app: each app whose rows are on a public page registers them from its
``AppConfig.ready`` (``catalogue``, ``units``, ``reporting``) with ``page_cache_watch``.

Writes that go around the models (``QuerySet.update``, raw SQL) call ``page_cache_changed``
themselves where their result is on a public page (``reporting.rollups``)."""

from __future__ import annotations

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save

from .pagecache import page_cache_changed


def _receiver(namespaces: tuple[str, ...]):
    def changed(sender, **kwargs) -> None:
        if kwargs.get("raw"):  # loaddata: the fixture's rows, before the site serves anything
            return
        action = kwargs.get("action")
        if action is not None and not action.startswith("post_"):
            return
        page_cache_changed(*namespaces)

    return changed


def page_cache_watch(model: type[models.Model], *namespaces: str) -> None:
    """The pages of ``namespaces`` show rows of ``model``: any save or deletion bumps them."""
    receiver = _receiver(namespaces)
    uid = f"pagecache:{model._meta.label}"
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":save")
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":delete")


def page_cache_watch_links(through: type[models.Model], *namespaces: str) -> None:
    """The pages of ``namespaces`` show a many-to-many relation (its ``through`` model)."""
    m2m_changed.connect(
        _receiver(namespaces),
        sender=through,
        weak=False,
        dispatch_uid=f"pagecache:{through._meta.label}",
    )
