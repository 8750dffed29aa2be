"""Every rule of the table in docs/catalogue-format.md, with the key the error is reported at."""

import pytest

from chinhquyen.catalogue.models import Procedure
from chinhquyen.catalogue.services import procedure_save
from chinhquyen.core.errors import ValidationFailed

from . import factories

pytestmark = pytest.mark.django_db


def _without(key):
    def mutate(data):
        del data[key]

    return mutate


def _doc(index, **values):
    def mutate(data):
        data["documents"][index].update(values)

    return mutate


def _set(**values):
    def mutate(data):
        data.update(values)

    return mutate


def _schema(schema):
    return _set(form_schema=schema)


CASES = [
    # code
    ("code_lower_case", _set(code="abc-1"), "code", "mã quốc gia"),
    ("code_national_too_short", _set(code="1.0011"), "code", "mã quốc gia"),
    ("code_national_lost_trailing_zero", _set(code="2.00012"), "code", "mã quốc gia"),
    ("code_with_space", _set(code="HCM 01"), "code", "mã quốc gia"),
    ("code_too_long", _set(code="A" * 41), "code", "mã quốc gia"),
    # field
    ("unknown_field", _set(field="khong-co"), "field", "khong-co"),
    # levels
    ("levels_empty", _set(levels=[]), "levels", "ít nhất một"),
    ("levels_unknown", _set(levels=["commune", "district"]), "levels[1]", "district"),
    ("levels_repeated", _set(levels=["commune", "commune"]), "levels[1]", "lặp"),
    ("levels_not_a_list", _set(levels="commune"), "levels", "danh sách"),
    # online_mode
    ("online_mode_level_4", _set(online_mode="level4"), "online_mode", "full"),
    # legacy_level
    ("legacy_level_5", _set(legacy_level=5), "legacy_level", "1 đến 4"),
    ("legacy_level_0", _set(legacy_level=0), "legacy_level", "1 đến 4"),
    ("legacy_level_text", _set(legacy_level="4"), "legacy_level", "1 đến 4"),
    # processing_time / time_unit
    ("processing_time_zero", _set(processing_time=0), "processing_time", "phải lớn hơn 0"),
    ("processing_time_negative", _set(processing_time=-2), "processing_time", "phải lớn hơn 0"),
    ("processing_time_two_decimals", _set(processing_time=1.25), "processing_time", "một chữ số thập phân"),
    ("processing_time_text", _set(processing_time="5"), "processing_time", "phải là một số"),
    ("processing_time_bool", _set(processing_time=True), "processing_time", "phải là một số"),
    ("processing_time_huge", _set(processing_time=100000), "processing_time", "không được lớn hơn"),
    ("time_unit_weeks", _set(time_unit="weeks"), "time_unit", "days"),
    # fees
    ("fee_amount_negative", _set(fees=[{"name": "Lệ phí", "amount": -1}]), "fees[0].amount", "không âm"),
    ("fee_amount_decimal", _set(fees=[{"name": "Lệ phí", "amount": 1.5}]), "fees[0].amount", "số nguyên"),
    ("fee_amount_text", _set(fees=[{"name": "Lệ phí", "amount": "50000"}]), "fees[0].amount", "số nguyên"),
    ("fee_without_amount", _set(fees=[{"name": "Lệ phí"}]), "fees[0].amount", "bắt buộc"),
    ("fee_without_name", _set(fees=[{"amount": 1}]), "fees[0].name", "bắt buộc"),
    ("fee_unknown_key", _set(fees=[{"name": "Phí", "amount": 1, "vat": 0}]), "fees[0].vat", "khóa không có"),
    # dates
    ("effective_from_not_iso", _set(effective_from="01/07/2025"), "effective_from", "YYYY-MM-DD"),
    ("effective_from_impossible", _set(effective_from="2025-02-30"), "effective_from", "YYYY-MM-DD"),
    ("decision_date_compact", _set(decision_date="20250620"), "decision_date", "YYYY-MM-DD"),
    ("effective_to_before_from", _set(effective_to="2025-06-30"), "effective_to", "sau effective_from"),
    ("effective_to_same_day", _set(effective_to="2025-07-01"), "effective_to", "sau effective_from"),
    # agency_kinds
    ("agency_kind_unknown", _set(agency_kinds=["ubnd_xa", "phuong"]), "agency_kinds[1]", "phuong"),
    # documents
    ("document_code_upper_case", _doc(1, code="Giay-Chung-Sinh"), "documents[1].code", "chữ thường"),
    ("document_code_with_space", _doc(0, code="to khai"), "documents[0].code", "chữ thường"),
    ("document_code_repeated", _doc(1, code="to-khai"), "documents[1].code", "trùng mã với documents[0]"),
    ("document_without_name", _doc(0, name=""), "documents[0].name", "không được để trống"),
    ("document_negative_copies", _doc(0, copies=-1), "documents[0].copies", "không âm"),
    ("document_is_required_text", _doc(0, is_required="yes"), "documents[0].is_required", "true hoặc false"),
    ("document_javascript_url", _doc(0, template_url="javascript:alert(1)"), "documents[0].template_url", "http"),
    ("documents_not_a_list", _set(documents={"code": "x"}), "documents", "danh sách"),
    # form_schema
    ("form_schema_array", _schema({"type": "array", "items": {"type": "string"}}), "form_schema", '"type": "object"'),
    ("form_schema_without_type", _schema({"properties": {}}), "form_schema", '"type": "object"'),
    ("form_schema_invalid", _schema({"type": "object", "properties": {"a": {"type": "text"}}}), "form_schema", "JSON Schema không hợp lệ tại properties/a/type"),
    ("form_schema_bad_required", _schema({"type": "object", "required": "ho_ten"}), "form_schema", "JSON Schema không hợp lệ"),
    ("form_schema_not_an_object", _schema("{}"), "form_schema", "JSON Schema"),
    # the seven mandatory components and other text
    ("name_blank", _set(name="   "), "name", "không được để trống"),
    ("name_too_long", _set(name="x" * 501), "name", "dài quá 500"),
    ("steps_missing", _without("steps"), "steps", "bắt buộc"),
    ("method_missing", _without("method"), "method", "bắt buộc"),
    ("applicants_blank", _set(applicants=""), "applicants", "không được để trống"),
    ("implementing_agency_missing", _without("implementing_agency"), "implementing_agency", "bắt buộc"),
    ("processing_time_missing", _without("processing_time"), "processing_time", "bắt buộc"),
    ("documents_missing", _without("documents"), "documents", "bắt buộc"),
    ("result_type_number", _set(result_type=1), "result_type", "chuỗi"),
    ("control_character", _set(requirements="a\x00b"), "requirements", "ký tự điều khiển"),
    ("legal_basis_multiline", _set(legal_basis=["Luật A\nLuật B"]), "legal_basis[0]", "một dòng"),
    ("unknown_key", _set(procesing_time=3), "procesing_time", "khóa không có"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "key", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_an_invalid_procedure_is_refused_with_the_error_at_its_key(fields, mutate, key, message):
    data = factories.birth()
    mutate(data)

    with pytest.raises(ValidationFailed) as caught:
        procedure_save(data=data)

    errors = caught.value.fields
    assert key in errors, errors
    assert any(message in m for m in errors[key]), errors[key]
    assert caught.value.code == "validation_failed"
    assert not Procedure.objects.exists()


def test_all_errors_of_a_procedure_are_reported_together(fields):
    data = factories.birth(processing_time=0, levels=[], online_mode="x")
    data["documents"][1]["code"] = "to-khai"

    with pytest.raises(ValidationFailed) as caught:
        procedure_save(data=data)

    assert set(caught.value.fields) == {
        "processing_time",
        "levels",
        "online_mode",
        "documents[1].code",
    }


@pytest.mark.parametrize(
    "data",
    [
        factories.birth(code="2.000123"),
        factories.birth(code="HCM-CT.01"),
        factories.birth(processing_time=0.5, time_unit="hours"),
        factories.birth(legacy_level=None, decision_date=None, effective_to="2030-12-31"),
        factories.birth(agency_kinds=[], fees=[], documents=[]),
    ],
    ids=["national_code", "local_code", "half_an_hour", "nulls_and_end_date", "empty_lists"],
)
def test_valid_variants_are_accepted(fields, data):
    _version, created = procedure_save(data=data)
    assert created is True


def test_optional_keys_may_be_left_out(fields):
    data = factories.birth()
    for key in ("legacy_level", "time_unit", "processing_time_note", "fees", "legal_basis", "requirements",
                "decision_number", "decision_date", "effective_to", "agency_kinds", "form_schema"):  # fmt: skip
        del data[key]

    version, _ = procedure_save(data=data)

    assert version.time_unit == "days"
    assert version.fees == [] and version.legal_basis == [] and version.agency_kinds == []
    assert version.form_schema == {"type": "object", "properties": {}}


def test_a_procedure_that_is_not_an_object_is_refused(fields):
    with pytest.raises(ValidationFailed) as caught:
        procedure_save(data=["1.001193"])
    assert caught.value.fields == {"__all__": ["phải là một đối tượng"]}
