"""Reads the portal needs beside the catalogue's and the dossiers' own selectors: the choices of
the search filters and the agency count of a page of results. Each is one query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, F, OuterRef, Q, Value, When
from django.utils.translation import gettext as _

from chinhquyen.catalogue.models import Field, Procedure
from chinhquyen.units.models import AdministrativeUnit, Agency, Generation, UnitLevel

# Up to this many receiving agencies, the agency filter lists them all; beyond (a national
# catalogue has thousands), the province is chosen first and only its agencies are listed.
AGENCY_SELECT_MAX = 150
# The "province" of the agencies attached to no administrative unit (ministries, central bodies).
CENTRAL = "tw"


@dataclass(frozen=True)
class AgencyFilter:
    """The agency filter of the catalogue page: the agencies offered (all of them, or those of
    the chosen province), the values accepted for ``agency``, and the provinces to choose from
    (empty when every agency is offered)."""

    agencies: list[tuple[str, str]]
    provinces: list[tuple[str, str]] = field(default_factory=list)
    province: str = ""

    @property
    def agency_ids(self) -> set[str]:
        return {agency_id for agency_id, _ in self.agencies}

    @property
    def by_province(self) -> bool:
        return bool(self.provinces)


def _receiving():
    # EXISTS rather than a join with DISTINCT: at national size the links are counted in
    # hundreds of thousands (every commune receives every commune procedure).
    links = Procedure.agencies.through.objects.filter(agency_id=OuterRef("pk"))
    return Agency.objects.filter(Exists(links), is_active=True)


def _in_province(code: str) -> Q:
    if code == CENTRAL:
        return Q(unit__isnull=True)
    return Q(
        unit__generation=Generation.CURRENT, unit__level=UnitLevel.PROVINCE, unit__code=code
    ) | Q(
        unit__parent__generation=Generation.CURRENT,
        unit__parent__level=UnitLevel.PROVINCE,
        unit__parent__code=code,
    )


def _province_of(agency_id: str) -> str:
    row = (
        Agency.objects.filter(agency_id=agency_id)
        .values_list("unit_id", "unit__level", "unit__code", "unit__parent__code")
        .first()
    )
    if row is None:
        return ""
    unit_id, level, code, parent_code = row
    if unit_id is None:
        return CENTRAL
    return code if level == UnitLevel.PROVINCE else (parent_code or "")


def agency_filter(*, province: str = "", agency: str = "") -> AgencyFilter:
    """The agency filter for the province and agency an address asks for (either may be empty
    or stale). A small catalogue: every receiving agency, one query. A national one: the
    provinces, and the receiving agencies of the chosen province (or of the asked agency's)."""
    agencies = list(
        _receiving()
        .order_by("name", "agency_id")
        .values_list("agency_id", "name")[: AGENCY_SELECT_MAX + 1]
    )
    if len(agencies) <= AGENCY_SELECT_MAX:
        return AgencyFilter(agencies=agencies)
    provinces = [
        *AdministrativeUnit.objects.filter(generation=Generation.CURRENT, level=UnitLevel.PROVINCE)
        .order_by("name")
        .values_list("code", "name"),
        (CENTRAL, _("Cơ quan trung ương")),
    ]
    codes = {code for code, _ in provinces}
    if province not in codes:
        province = _province_of(agency) if agency else ""
    listed: list[tuple[str, str]] = []
    if province in codes:
        listed = list(
            _receiving()
            .filter(_in_province(province))
            .order_by("name", "agency_id")
            .values_list("agency_id", "name")
        )
    return AgencyFilter(agencies=listed, provinces=provinces, province=province)


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


@dataclass(frozen=True)
class ProcedureAgencies:
    """Where a procedure is received, as its page lists it: every active agency, or — for a
    procedure received in thousands of places (every commune of the country) — the provinces
    with how many agencies each, and the agencies of the chosen province."""

    agencies: list[Agency]
    total: int
    provinces: list[tuple[str, str, int]] = field(default_factory=list)
    province: str = ""

    @property
    def by_province(self) -> bool:
        return bool(self.provinces)


def procedure_agencies(*, procedure: Procedure, province: str = "") -> ProcedureAgencies:
    """The agencies receiving ``procedure`` for its page: one query reading at most
    ``AGENCY_SELECT_MAX`` + 1 of them; beyond ``AGENCY_SELECT_MAX``, by province (the count and
    the provinces, and the chosen province's agencies: a national procedure received by every
    commune never has its thousands of agencies read)."""
    receiving = procedure.agencies.filter(is_active=True).order_by("agency_id")
    first = list(receiving[: AGENCY_SELECT_MAX + 1])
    if len(first) <= AGENCY_SELECT_MAX:
        return ProcedureAgencies(agencies=first, total=len(first))
    # How many per province, counted by the database (a few dozen rows, not thousands).
    province_of = Case(
        When(unit__isnull=True, then=Value(CENTRAL)),
        When(unit__level=UnitLevel.PROVINCE, then=F("unit__code")),
        default=F("unit__parent__code"),
    )
    counts = dict(
        receiving.annotate(province=province_of)
        .order_by()  # no ordering column in the GROUP BY
        .values("province")
        .annotate(n=Count("pk"))
        .values_list("province", "n")
    )
    names = dict(
        AdministrativeUnit.objects.filter(
            generation=Generation.CURRENT, level=UnitLevel.PROVINCE, code__in=list(counts)
        ).values_list("code", "name")
    )
    names[CENTRAL] = _("Cơ quan trung ương")
    provinces = sorted(
        ((code, names[code], n) for code, n in counts.items() if code in names),
        key=lambda p: (p[0] == CENTRAL, p[1]),
    )
    if province not in names:
        province = ""
    listed = list(receiving.filter(_in_province(province))) if province else []
    return ProcedureAgencies(
        agencies=listed, total=sum(counts.values()), provinces=provinces, province=province
    )
