"""Reads for administrative units and agencies. Both are public reference data: no access check."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from chinhquyen.core.errors import NotFound

from .loader import CODE_WIDTH
from .models import AdministrativeUnit, Agency, Generation, UnitLevel

# When a bare code could name units of several levels, the higher level wins.
_LEVEL_RANK = {UnitLevel.PROVINCE: 0, UnitLevel.DISTRICT: 1, UnitLevel.COMMUNE: 2}
_MAX_SUCCESSOR_HOPS = 10


def _valid_on(day: date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )


def _code_query(code: str, level: str | None) -> Q:
    """Match ``code`` as GSO writes it at each candidate level: "1" is province "01" or
    commune "00001"; "30" is province 30, "288" a district, "10525" a commune."""
    code = code.strip()
    query = Q(pk__in=[])
    for candidate in [UnitLevel(level)] if level else list(UnitLevel):
        width = CODE_WIDTH[candidate]
        if code.isdigit() and len(code) <= width:
            query |= Q(level=candidate, code=code.zfill(width))
    return query


def unit_resolve(
    *, code: str, level: str | None = None, on: date | None = None
) -> AdministrativeUnit:
    """The unit that ``code`` named on ``on`` (default: today, Vietnam time).

    A pre-2025 code resolves for dates before 1 July 2025 (the legacy units have no known start
    date), a 2025 code from that day on. ``level`` narrows the search; without it a code that
    fits several levels resolves to the highest one.
    """
    day = on or timezone.localdate()
    candidates = list(
        AdministrativeUnit.objects.filter(_code_query(code, level))
        .filter(_valid_on(day))
        .select_related("parent")
    )
    if candidates:
        return min(candidates, key=lambda unit: _LEVEL_RANK[unit.level])
    other = (
        AdministrativeUnit.objects.filter(_code_query(code, level)).order_by("-valid_from").first()
    )
    if other is not None:
        raise NotFound(
            f"Mã đơn vị hành chính {code} không có hiệu lực vào ngày {day:%d/%m/%Y} "
            f"(mã này là «{other.name}», {other.get_generation_display().lower()})."
        )
    raise NotFound(f"Không tìm thấy đơn vị hành chính có mã {code}.")


def unit_current(unit: AdministrativeUnit, *, on: date | None = None) -> AdministrativeUnit:
    """Follow successor links from ``unit`` to the unit valid on ``on`` (default: today).

    For a pre-2025 province, district or ward this is the 2025 province that absorbed it.
    """
    day = on or timezone.localdate()
    node = unit
    for _hop in range(_MAX_SUCCESSOR_HOPS):
        if node.is_valid_on(day):
            return node
        if node.successor_id is None:
            break
        node = node.successor
    raise NotFound(f"Đơn vị hành chính «{unit.name}» không có đơn vị kế thừa còn hiệu lực.")


def units_children(
    *, parent: AdministrativeUnit | None = None, on: date | None = None, level: str | None = None
) -> QuerySet[AdministrativeUnit]:
    """The units directly under ``parent`` (within its generation), or, without a parent, the
    provinces valid on ``on`` (default today). ``level`` filters the result."""
    if parent is None:
        units = AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE).filter(
            _valid_on(on or timezone.localdate())
        )
    else:
        units = AdministrativeUnit.objects.filter(parent=parent)
    if level:
        units = units.filter(level=level)
    return units.order_by("code")


def units_search(
    *, q: str | None = None, generation: str | None = Generation.CURRENT, level: str | None = None
) -> QuerySet[AdministrativeUnit]:
    """Units whose code, name or codename matches ``q``."""
    units = AdministrativeUnit.objects.select_related("parent")
    if generation:
        units = units.filter(generation=generation)
    if level:
        units = units.filter(level=level)
    if q:
        q = q.strip()
        units = units.filter(
            Q(code=q) | Q(name__icontains=q) | Q(codename__icontains=q.replace(" ", "_"))
        )
    return units.order_by("level", "code")


# --- agencies -------------------------------------------------------------------------------


def agency_get(agency_id: str) -> Agency:
    try:
        return Agency.objects.select_related("parent", "unit").get(
            agency_id=agency_id.strip().upper()
        )
    except Agency.DoesNotExist:
        raise NotFound(f"Không tìm thấy cơ quan có mã định danh {agency_id}.") from None


def agencies_list(
    *,
    q: str | None = None,
    kind: str | None = None,
    unit: AdministrativeUnit | None = None,
    active: bool | None = True,
) -> QuerySet[Agency]:
    """Agencies matching ``q`` (in the name or the agency id), of ``kind``, attached to ``unit``.

    ``active`` keeps active agencies only (default), inactive only (False), or all (None).
    """
    agencies = Agency.objects.select_related("parent", "unit")
    if q:
        q = q.strip()
        agencies = agencies.filter(Q(name__icontains=q) | Q(agency_id__icontains=q))
    if kind:
        agencies = agencies.filter(kind=kind)
    if unit is not None:
        agencies = agencies.filter(unit=unit)
    if active is not None:
        agencies = agencies.filter(is_active=active)
    return agencies.order_by("agency_id")


def agency_names(agency_ids: Iterable[str]) -> dict[str, str]:
    """The names of the agencies with these QCVN 102 ids (one query); unknown ids are absent."""
    ids = {a for a in agency_ids if a}
    if not ids:
        return {}
    return dict(Agency.objects.filter(agency_id__in=ids).values_list("agency_id", "name"))
