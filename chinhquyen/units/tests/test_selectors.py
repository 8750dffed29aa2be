from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from vietnam_provinces import Ward

from chinhquyen.core.errors import NotFound
from chinhquyen.units.models import Generation, UnitLevel
from chinhquyen.units.selectors import unit_current, unit_resolve, units_children, units_search

pytestmark = pytest.mark.django_db

LEGACY_JSON = Path(settings.LEGACY_UNITS_DIR) / "nested-divisions.json"
needs_legacy = pytest.mark.skipif(
    not LEGACY_JSON.is_file(), reason="pre-2025 data not installed (make setup)"
)

IN_2024 = date(2024, 6, 1)


def legacy_district_codes(province_code: int) -> list[str]:
    with LEGACY_JSON.open(encoding="utf-8") as fh:
        province = next(p for p in json.load(fh) if p["code"] == province_code)
    return [f"{d['code']:03d}" for d in province["districts"]]


@needs_legacy
def test_hai_duong_resolves_in_2024_and_leads_to_hai_phong_today(units):
    hai_duong = unit_resolve(code="30", on=IN_2024)
    assert hai_duong.name == "Tỉnh Hải Dương"
    assert hai_duong.generation == Generation.LEGACY
    today = unit_current(hai_duong)
    assert (today.code, today.name, today.generation) == (
        "31",
        "Thành phố Hải Phòng",
        Generation.CURRENT,
    )


@needs_legacy
def test_every_district_of_hai_duong_resolves_in_2024_and_leads_to_hai_phong(units):
    codes = legacy_district_codes(30)
    assert len(codes) == 12
    for code in codes:
        district = unit_resolve(code=code, level=UnitLevel.DISTRICT, on=IN_2024)
        assert district.parent.code == "30"
        assert unit_current(district).name == "Thành phố Hải Phòng"


@needs_legacy
def test_the_districts_of_bac_giang_lead_to_the_new_bac_ninh(units):
    for code in legacy_district_codes(24):
        district = unit_resolve(code=code, on=IN_2024)
        assert district.level == UnitLevel.DISTRICT
        assert unit_current(district).name == "Bắc Ninh"


@needs_legacy
def test_the_same_code_names_different_units_before_and_after_the_reform(units):
    # 24 was Bắc Giang; since 1/7/2025 it is the new Bắc Ninh (seated in Bắc Giang).
    assert unit_resolve(code="24", on=IN_2024).name == "Tỉnh Bắc Giang"
    assert unit_resolve(code="24", on=date(2025, 7, 1)).name == "Bắc Ninh"
    assert unit_resolve(code="24", on=date(2025, 6, 30)).name == "Tỉnh Bắc Giang"


@needs_legacy
def test_a_legacy_ward_resolves_in_2024_and_leads_to_its_new_province(units):
    # 10525 was Phường Trần Hưng Đạo of Hải Dương city; the new Phường Hải Dương kept its code.
    ward = unit_resolve(code="10525", level=UnitLevel.COMMUNE, on=IN_2024)
    assert (ward.name, ward.generation) == ("Phường Trần Hưng Đạo", Generation.LEGACY)
    assert ward.parent.name == "Thành phố Hải Dương"
    assert unit_resolve(code="10525").name == "Phường Hải Dương"
    assert unit_current(ward).code == "31"


@needs_legacy
def test_a_code_that_only_existed_before_the_reform_is_not_found_today_with_a_reason(units):
    with pytest.raises(NotFound, match="không có hiệu lực vào ngày"):
        unit_resolve(code="30")


def test_a_current_code_resolves_from_1_july_2025_without_padding(units):
    assert unit_resolve(code="1").name == "Thành phố Hà Nội"
    assert unit_resolve(code="70", level=UnitLevel.COMMUNE).name == "Phường Hoàn Kiếm"
    assert unit_resolve(code="00070").name == "Phường Hoàn Kiếm"


def test_a_bare_code_resolves_to_the_highest_level_it_fits(units):
    assert unit_resolve(code="31").level == UnitLevel.PROVINCE


def test_an_unknown_code_is_not_found(units):
    with pytest.raises(NotFound, match="Không tìm thấy đơn vị hành chính có mã 99999"):
        unit_resolve(code="99999")
    with pytest.raises(NotFound):
        unit_resolve(code="abc")


def test_unit_current_keeps_a_unit_that_is_in_force(units):
    hai_phong = unit_resolve(code="31")
    assert unit_current(hai_phong) == hai_phong


def test_the_children_of_new_hai_phong_are_its_communes(units):
    children = units_children(parent=unit_resolve(code="31"))
    expected = {f"{w.code:05d}" for w in Ward.iter_by_province(31)}
    assert set(children.values_list("code", flat=True)) == expected
    assert len(expected) == 114


def test_without_a_parent_the_children_are_the_provinces_of_the_day(units):
    assert units_children().count() == 34
    if LEGACY_JSON.is_file():
        assert units_children(on=IN_2024).count() == 63


def test_units_search_finds_a_commune_by_name(units):
    found = units_search(q="Thanh Hà", level=UnitLevel.COMMUNE)
    assert "10813" in set(found.values_list("code", flat=True))
