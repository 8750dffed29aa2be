from __future__ import annotations

from datetime import date

import pytest

from chinhquyen.audit.models import AuditRecord
from chinhquyen.core.errors import NotFound, ValidationFailed
from chinhquyen.units.models import AdministrativeUnit, Agency, AgencyKind, Generation, UnitLevel
from chinhquyen.units.selectors import agencies_list, agency_get, unit_resolve
from chinhquyen.units.services import agency_create, agency_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def hai_phong(units) -> AdministrativeUnit:
    return unit_resolve(code="31", level=UnitLevel.PROVINCE)


@pytest.fixture
def city_pc(hai_phong, actor) -> Agency:
    return agency_create(
        agency_id="000.00.00.H26",
        name="Ủy ban nhân dân thành phố Hải Phòng",
        kind=AgencyKind.PROVINCE_PC,
        unit=hai_phong,
        actor=actor,
    )


def records(agency: Agency) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(chain=f"agency:{agency.pk}").order_by("seq"))


@pytest.mark.parametrize(
    "agency_id", ["000.00.00.H41", "000.00.01.H26", "123.45.67.A01", "000.01.90.G12"]
)
def test_well_formed_agency_ids_are_accepted(agency_id, city_pc):
    agency = agency_create(agency_id=agency_id, name="Cơ quan thử", kind=AgencyKind.OTHER)
    assert agency_get(agency_id) == agency


@pytest.mark.parametrize(
    "agency_id",
    [
        "",
        "000.00.00",
        "000.00.00.41",
        "00.00.00.H41",
        "000.00.00.H4",
        "000.00.00.HH41",
        "000-00-00-H41",
        "000.00.00.H41 x",
        "ABC.00.00.H41",
        "000.00.00.Đ41",
    ],
)
def test_malformed_agency_ids_are_refused_naming_the_field(agency_id, db):
    with pytest.raises(ValidationFailed) as caught:
        agency_create(agency_id=agency_id, name="Cơ quan thử", kind=AgencyKind.OTHER)
    assert caught.value.code == "invalid_agency_id"
    assert "QCVN 102:2016" in caught.value.fields["agency_id"][0]
    assert not Agency.objects.exists()


def test_an_agency_id_is_stored_trimmed_and_upper_case(db):
    agency = agency_create(
        agency_id=" 000.00.00.h41 ", name="UBND tỉnh", kind=AgencyKind.PROVINCE_PC
    )
    assert agency.agency_id == "000.00.00.H41"


def test_a_taken_agency_id_is_refused_with_the_name_of_its_holder(city_pc):
    with pytest.raises(ValidationFailed) as caught:
        agency_create(agency_id="000.00.00.h26", name="Trùng mã", kind=AgencyKind.OTHER)
    assert caught.value.code == "agency_id_taken"
    assert caught.value.fields["agency_id"] == [
        "Mã định danh cơ quan 000.00.00.H26 đã được dùng cho «Ủy ban nhân dân thành phố Hải Phòng»."
    ]


def test_an_update_may_not_take_another_agencys_id(city_pc):
    other = agency_create(
        agency_id="000.00.01.H26", name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT, parent=city_pc
    )
    with pytest.raises(ValidationFailed) as caught:
        agency_update(agency=other, agency_id="000.00.00.H26")
    assert caught.value.code == "agency_id_taken"


def test_creating_an_agency_writes_an_audit_record_with_its_values(city_pc, actor):
    [record] = records(city_pc)
    assert record.event == "agency.created"
    assert record.object_id == "000.00.00.H26"
    assert record.actor == actor
    assert record.changes["name"] == [None, "Ủy ban nhân dân thành phố Hải Phòng"]
    assert record.changes["unit"] == [None, "2025/province/31"]


def test_updating_an_agency_records_old_and_new_values(city_pc, actor):
    agency_update(agency=city_pc, phone="0225 3842 123", actor=actor)
    created, updated = records(city_pc)
    assert updated.event == "agency.updated"
    assert updated.changes == {"phone": ["", "0225 3842 123"]}
    city_pc.refresh_from_db()
    assert city_pc.phone == "0225 3842 123"


def test_an_update_that_changes_nothing_writes_no_audit_record(city_pc):
    agency_update(agency=city_pc, name="Ủy ban nhân dân thành phố Hải Phòng")
    assert len(records(city_pc)) == 1


def test_a_new_agency_id_keeps_the_same_audit_chain(city_pc):
    agency_update(agency="000.00.00.H26", agency_id="000.00.00.H27")
    created, updated = records(city_pc)
    assert updated.object_id == "000.00.00.H27"
    assert updated.changes == {"agency_id": ["000.00.00.H26", "000.00.00.H27"]}


def test_an_agency_cannot_be_its_own_parent(city_pc):
    with pytest.raises(ValidationFailed) as caught:
        agency_update(agency=city_pc, parent=city_pc)
    assert caught.value.code == "parent_cycle"
    assert "chính nó" in caught.value.fields["parent"][0]


def test_an_agency_cannot_move_under_one_of_its_descendants(city_pc):
    department = agency_create(
        agency_id="000.00.01.H26", name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT, parent=city_pc
    )
    office = agency_create(
        agency_id="000.01.01.H26",
        name="Phòng Công chứng số 1",
        kind=AgencyKind.OTHER,
        parent="000.00.01.H26",
    )
    with pytest.raises(ValidationFailed) as caught:
        agency_update(agency=city_pc, parent=office)
    assert caught.value.code == "parent_cycle"
    assert office.parent == department


def test_an_unknown_parent_is_refused(db):
    with pytest.raises(ValidationFailed) as caught:
        agency_create(
            agency_id="000.00.01.H26", name="Sở", kind=AgencyKind.DEPARTMENT, parent="000.00.00.H99"
        )
    assert caught.value.fields["parent"]


def test_an_unknown_kind_is_refused(db):
    with pytest.raises(ValidationFailed) as caught:
        agency_create(agency_id="000.00.01.H26", name="Sở", kind="bogus")
    assert caught.value.fields["kind"]


def test_an_active_agency_needs_a_unit_in_force(units):
    hai_duong = unit_resolve(code="30", level=UnitLevel.PROVINCE, on=date(2024, 6, 1))
    assert hai_duong.generation == Generation.LEGACY
    with pytest.raises(ValidationFailed) as caught:
        agency_create(
            agency_id="000.00.00.H25",
            name="UBND tỉnh Hải Dương",
            kind=AgencyKind.PROVINCE_PC,
            unit=hai_duong,
        )
    assert caught.value.code == "unit_not_current"
    assert "unit" in caught.value.fields


def test_an_inactive_agency_may_keep_its_pre_2025_unit_but_cannot_be_reactivated(units):
    hai_duong = unit_resolve(code="30", level=UnitLevel.PROVINCE, on=date(2024, 6, 1))
    old = agency_create(
        agency_id="000.00.00.H25",
        name="UBND tỉnh Hải Dương",
        kind=AgencyKind.PROVINCE_PC,
        unit=hai_duong,
        is_active=False,
    )
    with pytest.raises(ValidationFailed):
        agency_update(agency=old, is_active=True)


def test_unknown_contact_fields_are_a_programming_error(db):
    with pytest.raises(TypeError):
        agency_create(agency_id="000.00.01.H26", name="Sở", kind=AgencyKind.DEPARTMENT, fax="123")


def test_agency_get_of_an_unknown_id_is_not_found(db):
    with pytest.raises(NotFound, match="000.00.00.H99"):
        agency_get("000.00.00.H99")


def test_agencies_list_filters_by_text_kind_and_unit(city_pc, hai_phong):
    justice = agency_create(
        agency_id="000.00.02.H26",
        name="Sở Tư pháp",
        kind=AgencyKind.DEPARTMENT,
        parent=city_pc,
        unit=hai_phong,
    )
    agency_create(
        agency_id="000.00.03.H26", name="Sở Xây dựng", kind=AgencyKind.DEPARTMENT, parent=city_pc
    )
    agency_create(
        agency_id="000.00.09.H26",
        name="Sở Tư pháp (cũ)",
        kind=AgencyKind.DEPARTMENT,
        is_active=False,
    )
    assert list(agencies_list(q="tư pháp")) == [justice]
    assert list(agencies_list(q="000.00.02")) == [justice]
    assert agencies_list(kind=AgencyKind.DEPARTMENT).count() == 2
    assert list(agencies_list(unit=hai_phong)) == [city_pc, justice]
    assert agencies_list(active=None).count() == 4
