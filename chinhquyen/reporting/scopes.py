"""Organisation units an indicator is computed for: the nation, an administrative unit of either
generation (``province:31``, ``district:288``, ``commune:10507``) or an agency
(``agency:000.00.00.H26``). A unit covers the agencies attached to it or to any unit below it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from chinhquyen.core.errors import NotFound
from chinhquyen.units.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel

NATION = "nation"
_AGENCY_LEVEL = {
    AgencyKind.COMMUNE_PC: UnitLevel.COMMUNE,
    AgencyKind.DISTRICT_PC: UnitLevel.DISTRICT,
}


@dataclass
class Scope:
    key: str
    kind: str  # nation, province, district, commune, agency
    name: str
    unit: AdministrativeUnit | None = None
    agency: Agency | None = None
    _agency_ids: list[int] | None = field(default=None, repr=False)

    @property
    def level(self) -> str | None:
        """The level whose criteria apply (the 60 % / 80 % rule)."""
        if self.kind == "agency":
            if self.agency.unit is not None:
                return self.agency.unit.level
            return _AGENCY_LEVEL.get(self.agency.kind, UnitLevel.PROVINCE)
        return None if self.kind == NATION else self.kind

    def agency_ids(self) -> list[int] | None:
        """Agencies covered, or None for the whole nation."""
        if self.kind == NATION:
            return None
        if self._agency_ids is None:
            if self.kind == "agency":
                self._agency_ids = [self.agency.pk]
            else:
                self._agency_ids = list(
                    Agency.objects.filter(unit_id__in=unit_tree_ids(self.unit)).values_list(
                        "pk", flat=True
                    )
                )
        return self._agency_ids

    def as_dict(self) -> dict:
        data = {"key": self.key, "kind": self.kind, "name": self.name}
        if self.unit is not None:
            data["generation"] = self.unit.generation
        return data


def unit_tree_ids(unit: AdministrativeUnit) -> set[int]:
    ids = {unit.pk}
    frontier = [unit.pk]
    for _depth in range(3):
        frontier = list(
            AdministrativeUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        if not frontier:
            break
        ids.update(frontier)
    return ids


def _unknown(key: str) -> NotFound:
    return NotFound(
        _("Không tìm thấy đơn vị «%(key)s».") % {"key": key},
        code="unknown_unit",
        fields={"unit": [_("Dạng: nation, province:<mã>, commune:<mã>, agency:<mã định danh>.")]},
    )


def scope_parse(key: str, *, on=None) -> Scope:
    """``on`` picks the generation of a unit code (a 2019 period resolves pre-2025 codes)."""
    from chinhquyen.units.selectors import unit_resolve

    key = (key or NATION).strip()
    if key.lower() in (NATION, "vn"):
        return Scope(NATION, NATION, _("Toàn quốc"))
    kind, sep, code = key.partition(":")
    if not sep or not code:
        raise _unknown(key)
    if kind == "agency":
        agency = Agency.objects.select_related("unit").filter(agency_id=code.upper()).first()
        if agency is None:
            raise _unknown(key)
        return Scope(
            f"agency:{agency.agency_id}", "agency", agency.name, unit=agency.unit, agency=agency
        )
    if kind not in (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE):
        raise _unknown(key)
    try:
        unit = unit_resolve(code=code, level=kind, on=on)
    except NotFound:
        unit = (
            AdministrativeUnit.objects.filter(level=kind, code=code).order_by("-valid_from").first()
        )
        if unit is None:
            raise _unknown(key) from None
    return Scope(f"{kind}:{unit.code}", kind, unit.name, unit=unit)


def agency_provinces() -> dict[int, int]:
    """agency id -> province unit id, for every agency attached to a unit."""
    parents = {
        pk: (parent, level)
        for pk, parent, level in AdministrativeUnit.objects.filter(
            pk__in=_ancestor_ids()
        ).values_list("pk", "parent_id", "level")
    }
    result = {}
    for agency_pk, unit_pk in Agency.objects.filter(unit__isnull=False).values_list(
        "pk", "unit_id"
    ):
        node = unit_pk
        for _hop in range(4):
            parent, level = parents[node]
            if level == UnitLevel.PROVINCE:
                result[agency_pk] = node
                break
            if parent is None:
                break
            node = parent
    return result


def _ancestor_ids() -> set[int]:
    ids = set(Agency.objects.filter(unit__isnull=False).values_list("unit_id", flat=True))
    frontier = set(ids)
    for _depth in range(3):
        frontier = (
            set(
                AdministrativeUnit.objects.filter(
                    pk__in=frontier, parent__isnull=False
                ).values_list("parent_id", flat=True)
            )
            - ids
        )
        if not frontier:
            break
        ids |= frontier
    return ids
