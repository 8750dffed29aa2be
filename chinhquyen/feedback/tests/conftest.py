from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Wednesday 29 April 2026, 10:00 in Hà Nội: Thursday 30/4 and Friday 1/5 are holidays.
BEFORE_HOLIDAYS = dt.datetime(2026, 4, 29, 10, 0, tzinfo=VN)


@pytest.fixture
def submit(world):
    """Send a feedback about procedure 1.000001 (routed to agency A unless told otherwise)."""
    from chinhquyen.feedback.services import feedback_submit

    def make(**kw):
        data = {
            "kind": "thu-tuc",
            "procedure_code": world.procedure.code,
            "description": "Thủ tục khai sinh yêu cầu quá nhiều giấy tờ.",
        }
        data.update(kw)
        feedback, _token = feedback_submit(**data)
        return feedback

    return make


@pytest.fixture
def units(db):
    """Two provinces of the current two-level units and a few of their communes (GSO codes)."""
    from types import SimpleNamespace

    from chinhquyen.units.models import AdministrativeUnit, Generation, UnitLevel

    def unit(level, code, name, parent=None):
        return AdministrativeUnit.objects.create(
            generation=Generation.CURRENT,
            level=level,
            code=code,
            name=name,
            codename=code,
            division_type="",
            parent=parent,
            valid_from=dt.date(2025, 7, 1),
            source="test",
        )

    hai_phong = unit(UnitLevel.PROVINCE, "31", "Thành phố Hải Phòng")
    ha_noi = unit(UnitLevel.PROVINCE, "01", "Thành phố Hà Nội")
    return SimpleNamespace(
        hai_phong=hai_phong,
        ha_noi=ha_noi,
        hai_duong=unit(UnitLevel.COMMUNE, "10525", "Phường Hải Dương", hai_phong),
        thanh_dong=unit(UnitLevel.COMMUNE, "10510", "Phường Thành Đông", hai_phong),
        ba_dinh=unit(UnitLevel.COMMUNE, "00004", "Phường Ba Đình", ha_noi),
    )
