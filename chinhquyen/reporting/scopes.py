"""Organisation units an indicator is computed for: the nation, an administrative unit of either
generation (``province:31``, ``district:288``, ``commune:10507``) or an agency
(``agency:000.00.00.H26``). A unit covers the agencies attached to it or to any unit below it."""

from __future__ import annotations

import datetime as dt
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
    on: dt.date | None = None  # the day the unit is taken on (the period's last day)
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
            elif self.kind == UnitLevel.PROVINCE:
                self._agency_ids = [
                    a for a, p in agency_provinces(self.on).items() if p == self.unit.pk
                ]
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
            f"agency:{agency.agency_id}",
            "agency",
            agency.name,
            unit=agency.unit,
            agency=agency,
            on=on,
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
    return Scope(f"{kind}:{unit.code}", kind, unit.name, unit=unit, on=on)


@dataclass(frozen=True)
class _Unit:
    pk: int
    parent: int | None
    level: str
    code: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    successor: int | None

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


class _Units:
    """The administrative units an agency mapping needs, loaded a level at a time: a bounded
    number of queries whatever the number of agencies or provinces."""

    FIELDS = ("pk", "parent_id", "level", "code", "valid_from", "valid_to", "successor_id")

    def __init__(self) -> None:
        self.units: dict[int, _Unit] = {}
        self.predecessors: dict[int, list[int]] = {}

    def _add(self, rows) -> None:
        for row in rows:
            self.units[row[0]] = _Unit(*row)

    def load(self, pks) -> None:
        """The units ``pks`` and their ancestors up to the province."""
        wanted = {pk for pk in pks if pk is not None}
        for _depth in range(4):
            missing = wanted - self.units.keys()
            if missing:
                self._add(
                    AdministrativeUnit.objects.filter(pk__in=missing).values_list(*self.FIELDS)
                )
            wanted = {
                self.units[pk].parent
                for pk in wanted
                if pk in self.units and self.units[pk].parent is not None
            }
            if not wanted:
                return

    def load_successors(self, pks) -> None:
        wanted = set(pks)
        for _hop in range(3):
            wanted = {
                self.units[pk].successor
                for pk in wanted
                if pk in self.units and self.units[pk].successor is not None
            } - self.units.keys()
            if not wanted:
                return
            self.load(wanted)

    def load_predecessors(self, pks) -> None:
        rows = list(
            AdministrativeUnit.objects.filter(successor_id__in=pks).values_list(*self.FIELDS)
        )
        self._add(rows)
        for row in rows:
            self.predecessors.setdefault(row[-1], []).append(row[0])
        self.load({row[1] for row in rows})

    def province_of(self, pk: int | None) -> _Unit | None:
        node = self.units.get(pk)
        for _hop in range(4):
            if node is None or node.level == UnitLevel.PROVINCE:
                return node
            node = self.units.get(node.parent)
        return None

    def forward(self, province: _Unit, day: dt.date) -> int | None:
        node = province
        for _hop in range(10):
            if node.valid_on(day):
                return node.pk
            node = self.units.get(node.successor)
            if node is None:
                return None
        return None

    def backward(self, unit_pk: int, day: dt.date) -> int | None:
        unit = self.units[unit_pk]
        older = [self.units[pk] for pk in self.predecessors.get(unit_pk, ())]
        if unit.level == UnitLevel.PROVINCE:
            candidates = [u for u in older if u.level == UnitLevel.PROVINCE and u.valid_on(day)]
            chosen = [u for u in candidates if u.code == unit.code] or sorted(
                candidates, key=lambda u: u.code
            )
            return chosen[0].pk if chosen else None
        votes: dict[int, int] = {}
        for pred in older:
            province = self.province_of(pred.pk)
            if province is not None and province.valid_on(day):
                votes[province.pk] = votes.get(province.pk, 0) + 1
        return max(sorted(votes), key=votes.__getitem__) if votes else None


def agency_provinces(on: dt.date | None = None) -> dict[int, int]:
    """agency pk -> pk of the province it belonged to on ``on`` (default: today), for every
    agency attached to a unit. An agency attached to a unit of the other generation is
    translated: forward along successor links (a 2019 agency of Hải Dương counts for today's
    Hải Phòng), backward through the predecessors of its unit (a commune of today's Hải Phòng
    that was part of Hải Dương counts there in 2019)."""
    from django.utils import timezone

    day = on or timezone.localdate()
    rows = Agency.objects.filter(unit__isnull=False).values_list(
        "pk", *(f"unit__{name}" if name != "pk" else "unit_id" for name in _Units.FIELDS)
    )
    units = _Units()
    agencies = []
    for agency_pk, *unit in rows:  # the agencies' own units come with them: one query
        agencies.append((agency_pk, unit[0]))
        units.units[unit[0]] = _Unit(*unit)
    units.load({unit_pk for _a, unit_pk in agencies})
    provinces = {pk: units.province_of(pk) for _a, pk in agencies}
    expired = [pk for pk, p in provinces.items() if p and p.valid_to and day >= p.valid_to]
    if expired:
        units.load_successors({provinces[pk].pk for pk in expired})
    early = [pk for pk, p in provinces.items() if p and p.valid_from and day < p.valid_from]
    if early:
        units.load_predecessors(early)
    where: dict[int, int | None] = {}
    for unit_pk, province in provinces.items():
        if province is None:
            where[unit_pk] = None
        elif province.valid_on(day):
            where[unit_pk] = province.pk
        elif province.valid_to is not None and day >= province.valid_to:
            where[unit_pk] = units.forward(province, day)
        else:
            where[unit_pk] = units.backward(unit_pk, day)
    return {a: where[u] for a, u in agencies if where[u] is not None}


def provinces_on(day: dt.date) -> list[AdministrativeUnit]:
    """The provinces that existed on ``day``: 63 before 1 July 2025, 34 since."""
    from django.db.models import Q

    return list(
        AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .order_by("code")
    )
