from datetime import date
from decimal import Decimal

import pytest

from chinhquyen.audit.models import AuditRecord
from chinhquyen.catalogue.models import Field, Procedure, ProcedureVersion
from chinhquyen.catalogue.services import field_save, procedure_link_agencies, procedure_save

from . import factories

pytestmark = pytest.mark.django_db


def test_a_new_procedure_gets_version_one_as_its_current_version(fields):
    version, created = procedure_save(data=factories.birth())

    assert created is True
    assert version.version == 1
    procedure = Procedure.objects.get(code="1.001193")
    assert procedure.current_id == version.pk
    assert version.processing_time == Decimal("1.0")
    assert (version.effective_from, version.decision_date) == (date(2025, 7, 1), date(2025, 6, 20))
    assert [d.code for d in version.documents.order_by("position")] == [
        "to-khai",
        "giay-chung-sinh",
    ]
    assert (
        version.documents.get(code="to-khai").template_url == "https://example.gov.vn/to-khai.docx"
    )


def test_saving_the_same_content_again_creates_no_version(fields):
    first, _ = procedure_save(data=factories.birth())
    again, created = procedure_save(data=factories.birth())

    assert created is False
    assert again.pk == first.pk
    assert ProcedureVersion.objects.filter(procedure__code="1.001193").count() == 1


def test_equal_content_written_differently_is_unchanged(fields):
    procedure_save(data=factories.birth(processing_time=1))
    # 1.0 for 1, and the optional keys left out where they hold their default.
    data = factories.birth(processing_time=1.0)
    data["documents"] = [
        {"code": "to-khai", "name": "Tờ khai đăng ký khai sinh theo mẫu", "template_name": "Mẫu tờ khai",
         "template_url": "https://example.gov.vn/to-khai.docx"},
        {"code": "giay-chung-sinh", "name": "Giấy chứng sinh"},
    ]  # fmt: skip
    _version, created = procedure_save(data=data)
    assert created is False


def test_an_edit_creates_the_next_version_and_makes_it_current(fields):
    procedure_save(data=factories.birth())
    version, created = procedure_save(data=factories.birth(processing_time=3))

    assert created is True
    assert version.version == 2
    assert Procedure.objects.get(code="1.001193").current_id == version.pk
    assert version.processing_time == Decimal("3.0")


def test_a_reference_to_an_old_version_keeps_its_values(fields):
    old, _ = procedure_save(data=factories.birth())
    edited = factories.birth(
        processing_time=5,
        fees=[{"name": "Lệ phí mới", "amount": 20000, "note": ""}],
        documents=[{"code": "to-khai-moi", "name": "Tờ khai mẫu mới"}],
        form_schema={"type": "object", "properties": {"x": {"type": "string", "title": "X"}}},
    )
    procedure_save(data=edited)

    kept = ProcedureVersion.objects.get(pk=old.pk)  # what a dossier received under v1 sees
    assert kept.version == 1
    assert kept.processing_time == Decimal("1.0")
    assert kept.fees == factories.birth()["fees"]
    assert kept.total_fee == 0
    assert list(kept.documents.values_list("code", flat=True)) == ["to-khai", "giay-chung-sinh"]
    assert kept.form_schema == factories.FORM


def test_a_later_version_ends_the_previous_one_on_its_first_day(fields):
    old, _ = procedure_save(data=factories.birth())
    procedure_save(data=factories.birth(effective_from="2026-01-01", decision_number="99/QĐ-BTP"))

    old.refresh_from_db()
    assert old.effective_to == date(2026, 1, 1)


def test_a_correction_with_the_same_start_date_leaves_the_previous_version_open(fields):
    old, _ = procedure_save(data=factories.birth())
    procedure_save(data=factories.birth(name="Thủ tục đăng ký khai sinh (sửa lỗi chính tả)"))

    old.refresh_from_db()
    assert old.effective_to is None


def test_every_new_version_is_audited_with_old_and_new_values(fields, django_user_model):
    officer = django_user_model.objects.create_user(username="qt", password="x")
    procedure_save(data=factories.birth(), actor=officer)
    procedure_save(data=factories.birth(processing_time=2), actor=officer)
    procedure_save(data=factories.birth(processing_time=2), actor=officer)  # unchanged: no record

    records = list(
        AuditRecord.objects.filter(chain="procedure:1.001193", event="procedure.version_created")
    )
    assert len(records) == 2
    assert records[0].changes["version"] == [None, 1]
    assert records[1].changes["version"] == [1, 2]
    assert records[1].changes["processing_time"] == [1, 2]
    assert "name" not in records[1].changes
    assert records[1].actor_id == officer.pk
    assert ProcedureVersion.objects.get(procedure__code="1.001193", version=2).created_by == officer


def test_search_text_holds_code_name_and_field_folded(fields):
    version, _ = procedure_save(data=factories.birth())
    assert version.search_text == "1.001193 thu tuc dang ky khai sinh ho tich"


def test_renaming_a_field_refreshes_the_search_text(fields):
    procedure_save(data=factories.birth())
    field_save(code="ho-tich", name="Hộ tịch và Quốc tịch")

    version = ProcedureVersion.objects.get(procedure__code="1.001193")
    assert version.search_text.endswith("ho tich va quoc tich")
    assert Field.objects.get(code="ho-tich").name == "Hộ tịch và Quốc tịch"


def test_agency_kinds_link_the_active_agencies_of_those_kinds(fields, agencies):
    procedure_save(data=factories.birth(agency_kinds=["ubnd_xa"]))

    linked = set(
        Procedure.objects.get(code="1.001193").agencies.values_list("agency_id", flat=True)
    )
    assert linked == {agencies["xa_a"].agency_id, agencies["xa_b"].agency_id}


def test_changing_agency_kinds_relinks_and_is_a_new_version(fields, agencies):
    procedure_save(data=factories.birth(agency_kinds=["ubnd_xa"]))
    version, created = procedure_save(data=factories.birth(agency_kinds=["so"]))

    assert created is True and version.version == 2
    linked = list(
        Procedure.objects.get(code="1.001193").agencies.values_list("agency_id", flat=True)
    )
    assert linked == [agencies["so"].agency_id]


def test_without_agency_kinds_links_made_by_hand_are_kept(fields, agencies):
    procedure_save(data=factories.building())
    procedure = Procedure.objects.get(code="1.009972")
    assert procedure_link_agencies(procedure=procedure, agencies=[agencies["xa_a"]]) is True
    procedure_save(data=factories.building(processing_time=20))

    assert list(procedure.agencies.all()) == [agencies["xa_a"]]
    record = AuditRecord.objects.get(chain="procedure:1.009972", event="procedure.agencies_linked")
    assert record.changes == {"agencies": [[], [agencies["xa_a"].agency_id]]}


def test_linking_the_same_agencies_again_changes_nothing(fields, agencies):
    procedure_save(data=factories.building())
    procedure = Procedure.objects.get(code="1.009972")
    procedure_link_agencies(procedure=procedure, agencies=[agencies["xa_a"], agencies["so"]])

    assert (
        procedure_link_agencies(procedure=procedure, agencies=[agencies["so"], agencies["xa_a"]])
        is False
    )
    assert AuditRecord.objects.filter(event="procedure.agencies_linked").count() == 1
