"""Reads the portal needs beside the catalogue's and the dossiers' own selectors: the choices of
the search filters and the agency count of a page of results. Each is one query."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

from chinhquyen.catalogue.models import Field, Procedure
from chinhquyen.units.models import Agency


def search_agencies() -> list[tuple[str, str]]:
    """(QCVN 102 id, name) of the active agencies that receive at least one procedure."""
    return list(
        Agency.objects.filter(is_active=True, procedures__isnull=False)
        .distinct()
        .order_by("name", "agency_id")
        .values_list("agency_id", "name")
    )


def search_fields() -> list[tuple[str, str]]:
    """(code, name) of every field of the catalogue."""
    return list(Field.objects.order_by("name").values_list("code", "name"))


def procedure_agency_counts(*, procedure_ids: Iterable[int]) -> dict[int, int]:
    """How many active agencies receive each of ``procedure_ids`` (missing: none)."""
    ids = list(procedure_ids)
    if not ids:
        return {}
    rows = (
        Procedure.agencies.through.objects.filter(procedure_id__in=ids, agency__is_active=True)
        .values("procedure_id")
        .annotate(n=Count("pk"))
        .values_list("procedure_id", "n")
    )
    return dict(rows)
