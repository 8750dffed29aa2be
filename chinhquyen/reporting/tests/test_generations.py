"""A period before 1 July 2025 is ranked over the provinces of that time (three-level units), and
agencies move between generations: a 2019 agency of a merged province counts for its successor
today, a commune of today counts for the province it was part of in 2019."""

from __future__ import annotations

import datetime as dt

import pytest

from chinhquyen.reporting.periods import period_parse
from chinhquyen.reporting.scopes import agency_provinces, provinces_on, scope_parse
from chinhquyen.reporting.selectors import province_ranking

from .conftest import _submit, at

pytestmark = pytest.mark.django_db

SPLIT = dt.date(2025, 7, 1)


@pytest.fixture
def legacy(world, geo):
    """Pre-2025: province 30 (district 288, commune 10507) and province 31; the commune became
    geo.c1 (province 26 today), province 30 itself merged into 26, province 31 into 27."""
    from chinhquyen.units.models import AdministrativeUnit
    from chinhquyen.units.services import agency_create

    def unit(level, code, name, parent=None, successor=None):
        return AdministrativeUnit.objects.create(
            generation="legacy",
            level=level,
            code=code,
            name=name,
            codename=name.lower(),
            division_type=level,
            parent=parent,
            valid_to=SPLIT,
            successor=successor,
            source="test",
        )

    p30 = unit("province", "30", "Tỉnh Hải Dương (cũ)", successor=geo.p1)
    p31 = unit("province", "31", "Thành phố Cũ", successor=geo.p2)
    d288 = unit("district", "288", "Thành phố Hải Dương (cũ)", p30, successor=geo.p1)
    unit("commune", "10507", "Phường Cũ", d288, successor=geo.c1)
    old_pc = agency_create(
        agency_id="000.00.00.H30",
        name="UBND tỉnh Hải Dương (cũ)",
        kind="ubnd_tinh",
        unit=p30,
        is_active=False,
    )
    return {"p30": p30, "p31": p31, "old_pc": old_pc}


def test_the_provinces_of_a_period_are_those_of_its_time(legacy, geo):
    assert [p.code for p in provinces_on(dt.date(2019, 8, 20))] == ["30", "31"]
    assert [p.code for p in provinces_on(dt.date(2026, 3, 14))] == ["26", "27"]


def test_agencies_follow_their_units_across_generations(world, legacy, geo):
    today = agency_provinces(dt.date(2026, 3, 14))
    then = agency_provinces(dt.date(2019, 8, 20))
    old_pc = legacy["old_pc"].pk
    assert today[old_pc] == geo.p1.pk  # merged into province 26
    assert today[world.agency_a.pk] == geo.p1.pk
    assert then[world.agency_a.pk] == legacy["p30"].pk  # its commune was in province 30
    assert then[old_pc] == legacy["p30"].pk
    assert world.agency_b.pk not in then  # commune c2 has no known predecessor
    assert then[geo.hcc1.pk] == legacy["p30"].pk  # no same-code predecessor: the only one


def test_a_2024_ranking_ranks_the_provinces_of_2024(world, legacy, geo):
    for _ in range(2):
        _submit(world, agency=world.agency_a, when=at(2024, 5, 6, 9))
    ranking = province_ranking(period=period_parse("2024"), indicator="online.dossiers_share")
    rows = {r["unit"]["key"]: r for r in ranking["rows"]}
    assert set(rows) == {"province:30", "province:31"}
    assert rows["province:30"]["value"] == 100 and rows["province:30"]["rank"] == 1
    assert rows["province:31"]["value"] is None  # no dossier: no data, not zero
    members = scope_parse("province:30", on=dt.date(2024, 12, 31)).agency_ids()
    assert set(members) == {world.agency_a.pk, legacy["old_pc"].pk, geo.hcc1.pk}
    today = province_ranking(period=period_parse("2026-Q1"), indicator="online.dossiers_share")
    assert {r["unit"]["key"] for r in today["rows"]} == {"province:26", "province:27"}
