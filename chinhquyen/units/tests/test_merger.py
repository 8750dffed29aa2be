"""The province merger of 1 July 2025 (Resolution 202/2025/QH15) as data."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from vietnam_provinces import Province, Ward

from chinhquyen.units.loader import MERGER_FILE, merger_successors
from chinhquyen.units.models import AdministrativeUnit, Generation, UnitLevel

LEGACY_JSON = Path(settings.LEGACY_UNITS_DIR) / "nested-divisions.json"
needs_legacy = pytest.mark.skipif(
    not LEGACY_JSON.is_file(), reason="pre-2025 data not installed (make setup)"
)

NEW_PROVINCES = {f"{p.code:02d}" for p in Province.iter_all()}


def legacy_provinces() -> list[dict]:
    with LEGACY_JSON.open(encoding="utf-8") as fh:
        return json.load(fh)


def test_the_merger_file_cites_the_resolution():
    data = json.loads(MERGER_FILE.read_text(encoding="utf-8"))
    assert "202/2025/QH15" in data["resolution"]
    assert data["effective"] == "2025-07-01"


def test_every_one_of_the_63_legacy_provinces_has_a_successor_among_the_34():
    successors = merger_successors()
    assert len(successors) == 63
    assert set(successors.values()) <= NEW_PROVINCES
    assert set(successors.values()) == NEW_PROVINCES, (
        "every new province succeeds at least one old one"
    )


@needs_legacy
def test_the_merger_file_covers_exactly_the_provinces_of_the_legacy_data():
    assert set(merger_successors()) == {f"{p['code']:02d}" for p in legacy_provinces()}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("30", "31"),
        ("31", "31"),
        ("24", "24"),
        ("27", "24"),
        ("26", "25"),
        ("17", "25"),
        ("01", "01"),
        ("06", "19"),
        ("02", "08"),
        ("10", "15"),
        ("15", "15"),
        ("74", "79"),
        ("77", "79"),
        ("62", "51"),
    ],
)
def test_known_mergers_are_recorded(old, new):
    assert merger_successors()[old] == new


@needs_legacy
def test_every_new_commune_that_kept_an_old_code_lies_in_a_province_merged_into_its_new_one():
    """Independent check of the mapping: a new commune usually keeps the GSO code of one of the
    wards it was formed from, and that ward must come from a province merged into the new one."""
    old_province_of_ward = {
        f"{w['code']:05d}": f"{p['code']:02d}"
        for p in legacy_provinces()
        for d in p["districts"]
        for w in d["wards"]
    }
    successors = merger_successors()
    seen = defaultdict(set)
    for ward in Ward.iter_all():
        old = old_province_of_ward.get(f"{ward.code:05d}")
        if old is None:
            continue
        assert successors[old] == f"{ward.province_code:02d}", ward.name
        seen[f"{ward.province_code:02d}"].add(old)
    # ... and every old province contributed to the new province it is mapped to.
    for old, new in successors.items():
        assert old in seen[new], f"no commune of {new} comes from old province {old}"


@needs_legacy
@pytest.mark.django_db
def test_every_stored_legacy_province_points_to_a_current_province(units):
    provinces = AdministrativeUnit.objects.filter(
        generation=Generation.LEGACY, level=UnitLevel.PROVINCE
    )
    assert provinces.count() == 63
    for province in provinces.select_related("successor"):
        assert province.successor is not None, province.name
        assert province.successor.generation == Generation.CURRENT
        assert province.successor.level == UnitLevel.PROVINCE


@needs_legacy
@pytest.mark.django_db
def test_no_legacy_unit_is_left_without_a_successor(units):
    assert not AdministrativeUnit.objects.filter(
        generation=Generation.LEGACY, successor__isnull=True
    ).exists()
