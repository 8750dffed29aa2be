from __future__ import annotations

import pytest

from chinhquyen.units.models import Agency, AgencyKind, Generation, UnitLevel
from chinhquyen.units.selectors import unit_current
from chinhquyen.units.services import agencies_seed_demo

pytestmark = pytest.mark.django_db

ROLES = [
    "province",
    "centre",
    "justice",
    "construction",
    "finance",
    "agri_env",
    "commune_a",
    "commune_b",
]


def test_the_demo_seeds_the_agencies_of_the_new_hai_phong(units):
    demo = agencies_seed_demo()
    assert list(demo) == ROLES
    province = demo["province"]
    assert (province.agency_id, province.kind) == ("000.00.00.H26", AgencyKind.PROVINCE_PC)
    assert province.unit.code == "31" and province.unit.generation == Generation.CURRENT
    assert demo["centre"].kind == AgencyKind.SERVICE_CENTRE
    assert demo["agri_env"].name == "Sở Nông nghiệp và Môi trường thành phố Hải Phòng"
    for role in ["centre", "justice", "construction", "finance", "agri_env"]:
        assert demo[role].parent == province
    for role in ["justice", "construction", "finance", "agri_env"]:
        assert demo[role].kind == AgencyKind.DEPARTMENT


def test_the_demo_communes_are_real_communes_of_hai_phong(units):
    demo = agencies_seed_demo()
    for role in ["commune_a", "commune_b"]:
        commune = demo[role]
        assert commune.kind == AgencyKind.COMMUNE_PC
        assert commune.unit.level == UnitLevel.COMMUNE
        assert commune.unit.parent.code == "31"
        assert unit_current(commune.unit) == commune.unit
    assert demo["commune_a"].name == "Ủy ban nhân dân phường Hải Dương"
    assert demo["commune_b"].name == "Ủy ban nhân dân xã Thanh Hà"


def test_seeding_the_demo_twice_creates_nothing_new(units):
    first = agencies_seed_demo()
    count = Agency.objects.count()
    second = agencies_seed_demo()
    assert Agency.objects.count() == count == 8
    assert {k: a.pk for k, a in first.items()} == {k: a.pk for k, a in second.items()}
