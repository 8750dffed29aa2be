from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import vietnam_provinces
from django.conf import settings
from django.core.management import call_command
from vietnam_provinces import Province, Ward

from chinhquyen.units.loader import load_all
from chinhquyen.units.models import AdministrativeUnit, Generation, UnitLevel
from chinhquyen.units.services import units_load

pytestmark = pytest.mark.django_db

LEGACY_JSON = Path(settings.LEGACY_UNITS_DIR) / "nested-divisions.json"
needs_legacy = pytest.mark.skipif(
    not LEGACY_JSON.is_file(), reason="pre-2025 data not installed (make setup)"
)


def count(generation: str, level: str) -> int:
    return AdministrativeUnit.objects.filter(generation=generation, level=level).count()


def test_loader_creates_every_province_and_commune_of_the_installed_package(units):
    assert count(Generation.CURRENT, UnitLevel.PROVINCE) == len(list(Province.iter_all())) == 34
    assert count(Generation.CURRENT, UnitLevel.COMMUNE) == len(list(Ward.iter_all())) == 3321
    assert count(Generation.CURRENT, UnitLevel.DISTRICT) == 0


def test_current_units_carry_gso_codes_dates_and_source(units):
    hanoi = AdministrativeUnit.objects.get(
        generation=Generation.CURRENT, level=UnitLevel.PROVINCE, code="01"
    )
    assert hanoi.name == "Thành phố Hà Nội"
    assert str(hanoi.valid_from) == "2025-07-01" and hanoi.valid_to is None
    assert hanoi.source == f"vietnam-provinces {vietnam_provinces.__version__}"
    hoan_kiem = AdministrativeUnit.objects.get(
        generation=Generation.CURRENT, level=UnitLevel.COMMUNE, code="00070"
    )
    assert hoan_kiem.parent == hanoi
    assert hoan_kiem.division_type == "phường"


def test_every_commune_of_the_package_hangs_under_its_province(units):
    for ward in list(Ward.iter_all())[::97]:
        unit = AdministrativeUnit.objects.select_related("parent").get(
            generation=Generation.CURRENT, level=UnitLevel.COMMUNE, code=f"{ward.code:05d}"
        )
        assert unit.parent.code == f"{ward.province_code:02d}"


@needs_legacy
def test_loader_loads_the_pre_2025_units_from_the_legacy_folder(units):
    with LEGACY_JSON.open(encoding="utf-8") as fh:
        legacy = json.load(fh)
    districts = [d for p in legacy for d in p["districts"]]
    assert count(Generation.LEGACY, UnitLevel.PROVINCE) == len(legacy) == 63
    assert count(Generation.LEGACY, UnitLevel.DISTRICT) == len(districts) == 696
    assert count(Generation.LEGACY, UnitLevel.COMMUNE) == sum(len(d["wards"]) for d in districts)
    assert units["legacy_loaded"] is True
    assert units["warnings"] == []


@needs_legacy
def test_legacy_units_end_on_1_july_2025_and_name_their_type(units):
    kinh_mon = AdministrativeUnit.objects.get(
        generation=Generation.LEGACY, level=UnitLevel.DISTRICT, code="292"
    )
    assert kinh_mon.name == "Thị xã Kinh Môn"
    assert kinh_mon.division_type == "thị xã"
    assert str(kinh_mon.valid_to) == "2025-07-01" and kinh_mon.valid_from is None
    assert kinh_mon.source == "vietnam-provinces 0.6.0"


def test_running_the_loader_again_changes_nothing(units):
    again = units_load()
    assert again["created"] == 0
    assert again["updated"] == 0
    assert again["unchanged"] == sum(again["counts"].values())


def test_the_loader_repairs_a_unit_edited_by_hand(units):
    AdministrativeUnit.objects.filter(
        generation=Generation.CURRENT, level=UnitLevel.PROVINCE, code="31"
    ).update(name="Hải Phòng (sửa tay)")
    report = units_load()
    assert (report["created"], report["updated"]) == (0, 1)
    assert (
        AdministrativeUnit.objects.get(
            generation=Generation.CURRENT, level=UnitLevel.PROVINCE, code="31"
        ).name
        == "Thành phố Hải Phòng"
    )


def test_a_missing_legacy_folder_is_reported_and_the_current_units_still_load(units, tmp_path):
    out = io.StringIO()
    report = load_all(legacy_dir=tmp_path / "nowhere", stdout=out)
    assert report.legacy_loaded is False
    assert "Không tìm thấy dữ liệu đơn vị hành chính trước 01/7/2025" in report.warnings[0]
    assert "CẢNH BÁO" in out.getvalue()
    assert report.counts == {"2025/province": 34, "2025/commune": 3321}


def test_the_management_command_prints_a_summary(units):
    out = io.StringIO()
    call_command("units_load", stdout=out)
    assert "Tạo mới 0, cập nhật 0" in out.getvalue()
