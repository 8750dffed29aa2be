"""What keeps the cached public pages fresh (``chinhquyen.core.pagecache``): a save or deletion of
a row the pages show bumps the version of their namespace, whoever made it — a catalogue service,
an import, the admin. Cache bookkeeping, not business logic (STYLE.md §3): nothing here decides
anything, and a missed change is bounded by the pages' lifetime (``PAGE_CACHE_SECONDS``).

Writes that go around the models (``QuerySet.update``, raw SQL) call ``page_cache_changed``
themselves where their result is on a public page (``reporting.rollups``)."""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from .pagecache import CATALOGUE, REPORTING, page_cache_changed

# (model, the namespaces whose pages show it)
WATCHED = (
    ("catalogue.Field", (CATALOGUE,)),
    ("catalogue.Procedure", (CATALOGUE,)),
    ("catalogue.ProcedureVersion", (CATALOGUE,)),
    ("catalogue.RequiredDocument", (CATALOGUE,)),
    # Written by every catalogue change search sees, synonyms and phrases among them
    # (catalogue.services.search_index_touch): the results pages show what they found.
    ("catalogue.SearchIndexStamp", (CATALOGUE,)),
    ("units.Agency", (CATALOGUE, REPORTING)),
    ("reporting.Indicator", (REPORTING,)),
    ("reporting.IndicatorVersion", (REPORTING,)),
    ("reporting.SealedHalf", (REPORTING,)),
    ("reporting.ReportSubmission", (REPORTING,)),
    ("reporting.ReportValue", (REPORTING,)),
)


def _receiver(namespaces: tuple[str, ...]):
    def changed(sender, **kwargs) -> None:
        if kwargs.get("raw"):  # loaddata: the fixture's rows, before the site serves anything
            return
        action = kwargs.get("action")
        if action is not None and not action.startswith("post_"):
            return
        page_cache_changed(*namespaces)

    return changed


def connect() -> None:
    for label, namespaces in WATCHED:
        try:
            model = apps.get_model(label)
        except LookupError:  # an app left out of INSTALLED_APPS
            continue
        receiver = _receiver(namespaces)
        uid = f"pagecache:{label}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":delete")
    # The agencies that receive a procedure (the procedure page lists them).
    procedure = apps.get_model("catalogue.Procedure")
    m2m_changed.connect(
        _receiver((CATALOGUE,)),
        sender=procedure.agencies.through,
        weak=False,
        dispatch_uid="pagecache:catalogue.Procedure.agencies",
    )
