"""Forms that take what people type: phone numbers and digit groups are written one way
before the schema is checked, on every path (the API here; the portal in portal/tests), and the
birth registration's rule "the father's section is optional, but whole if given" lives in the
schema of the demo catalogue."""

from __future__ import annotations

import copy
import json

import pytest

from chinhquyen.catalogue.models import Procedure
from chinhquyen.catalogue.services import procedure_link_agencies, procedure_save
from chinhquyen.core.errors import ValidationFailed
from chinhquyen.demo.services import CATALOGUE_FILE
from chinhquyen.dossiers.forms import form_normalise, form_validate
from chinhquyen.dossiers.models import Dossier
from conftest import VALID_FORM, Api

BIRTH = "1.001193"
PHONE_SCHEMA = {
    "type": "object",
    "properties": {
        "nguoi": {
            "type": "object",
            "properties": {
                "dien_thoai": {
                    "type": "string",
                    "format": "phone",
                    "pattern": r"^0(?:[35789]\d{8}|2\d{9})$",
                },
                "so_dinh_danh": {"type": "string", "format": "digits", "pattern": r"^\d{12}$"},
            },
        },
        "ngay": {"type": "array", "items": {"type": "string", "format": "date"}},
        "ghi_chu": {"type": "string"},
    },
}


def demo_record(code: str) -> dict:
    records = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))["procedures"]
    return copy.deepcopy(next(r for r in records if r["code"] == code))


@pytest.fixture
def birth(world):
    """The demo catalogue's birth registration, received by agency A."""
    procedure_save(data=demo_record(BIRTH))
    procedure = Procedure.objects.get(code=BIRTH)
    procedure_link_agencies(procedure=procedure, agencies=[world.agency_a])
    return procedure.current


def single_mother() -> dict:
    return demo_record(BIRTH)["form_schema"]["examples"][1]


# --- normalisation -------------------------------------------------------------------------------


def test_values_of_a_known_format_are_written_the_stored_way_without_touching_the_input():
    typed = {
        "nguoi": {"dien_thoai": "+84 912.345.678", "so_dinh_danh": "0010 9401 2345"},
        "ngay": ["2025-08-12", "15/03/1995"],  # dates are not rewritten
        "ghi_chu": "0912 345 678",  # not declared a phone: left as typed
    }
    before = copy.deepcopy(typed)
    assert form_normalise(schema=PHONE_SCHEMA, data=typed) == {
        "nguoi": {"dien_thoai": "0912345678", "so_dinh_danh": "001094012345"},
        "ngay": ["2025-08-12", "15/03/1995"],
        "ghi_chu": "0912 345 678",
    }
    assert typed == before


def test_form_validate_returns_the_document_to_store():
    stored = form_validate(
        version_id=-1,
        stamp="normalise",
        schema=PHONE_SCHEMA,
        data={"nguoi": {"dien_thoai": "0912 345 678"}},
    )
    assert stored == {"nguoi": {"dien_thoai": "0912345678"}}


def test_a_value_that_cannot_be_read_is_refused_in_words_not_with_its_pattern():
    with pytest.raises(ValidationFailed) as refused:
        form_validate(
            version_id=-1,
            stamp="refuse",
            schema=PHONE_SCHEMA,
            data={
                "nguoi": {"dien_thoai": "0912 345", "so_dinh_danh": "12ab"},
                "ngay": ["31/02/2020"],
            },
        )
    fields = refused.value.fields
    assert fields["form_data.nguoi.dien_thoai"] == [
        "Số điện thoại gồm 10 chữ số, bắt đầu bằng 0, ví dụ 0912 345 678 "
        "(số cố định gồm 11 chữ số, bắt đầu bằng 02, ví dụ 0225 3842 123)."
    ]
    assert fields["form_data.nguoi.so_dinh_danh"] == [
        "Cần đúng 12 chữ số, không có chữ cái hay dấu cách."
    ]
    assert fields["form_data.ngay[0]"] == [
        "Ngày không hợp lệ: cần một ngày có thật, theo năm-tháng-ngày, ví dụ 1995-03-15."
    ]
    for messages in fields.values():
        assert not any("\\d" in m or "^" in m for m in messages)


def test_a_schema_gives_its_own_message_per_keyword():
    schema = {
        "type": "object",
        "required": ["gio"],
        "x-errorMessage": {"required": "Cần giờ chết."},
        "properties": {
            "gio": {
                "type": "string",
                "pattern": "^([01]\\d|2[0-3]):[0-5]\\d$",
                "x-errorMessage": {"pattern": "Ghi giờ và phút theo 24 giờ, ví dụ 14:30."},
            }
        },
    }
    with pytest.raises(ValidationFailed) as refused:
        form_validate(version_id=-1, stamp="own", schema=schema, data={"gio": "2h30"})
    assert refused.value.fields == {"form_data.gio": ["Ghi giờ và phút theo 24 giờ, ví dụ 14:30."]}
    with pytest.raises(ValidationFailed) as missing:
        form_validate(version_id=-1, stamp="own", schema=schema, data={})
    assert missing.value.fields == {"form_data.gio": ["Cần giờ chết."]}


# --- the father's section of the birth registration ----------------------------------------------


def test_every_demo_example_and_the_existing_birth_data_stay_valid(birth):
    schema = birth.form_schema
    for example in schema["examples"]:
        assert form_validate(
            version_id=birth.pk, stamp=birth.created_at, schema=schema, data=example
        )
    assert "cha" in schema["examples"][0] and "cha" not in schema["examples"][1]


def test_a_single_mother_applies_for_a_birth_registration_through_the_api(world, birth):
    data = single_mother()
    data["nguoi_yeu_cau"]["dien_thoai"] = "0912 345 678"
    resp = Api(world.citizen).post(
        "/api/v1/dossiers",
        {"procedure": BIRTH, "agency": world.agency_a.agency_id, "form_data": data},
    )
    assert resp.status_code == 201, resp.content
    dossier = Dossier.objects.get(code=resp.json()["code"])
    assert "cha" not in dossier.form_data
    assert dossier.form_data["nguoi_yeu_cau"]["dien_thoai"] == "0912345678"


def test_a_half_filled_fathers_section_is_refused_field_by_field_through_the_api(world, birth):
    data = single_mother()
    data["cha"] = {"ho_ten": "Nguyễn Văn Nam"}
    resp = Api(world.citizen).post(
        "/api/v1/dossiers",
        {"procedure": BIRTH, "agency": world.agency_a.agency_id, "form_data": data},
    )
    assert resp.status_code == 422, resp.content
    body = resp.json()
    assert body["code"] == "form_invalid"
    missing = {f"form_data.cha.{k}" for k in ("ngay_sinh", "dan_toc", "quoc_tich")}
    missing |= {"form_data.cha.so_dinh_danh", "form_data.cha.noi_cu_tru"}
    assert set(body["fields"]) == missing
    assert body["fields"]["form_data.cha.ngay_sinh"] == [
        "Đã khai về người cha thì cần nhập cả mục này. Nếu chưa xác định được cha, hãy xóa hết "
        "các mục của phần này."
    ]
    assert not Dossier.objects.exists()


def test_the_mothers_section_stays_required(world, birth):
    data = single_mother()
    del data["me"]
    resp = Api(world.citizen).post(
        "/api/v1/dossiers",
        {"procedure": BIRTH, "agency": world.agency_a.agency_id, "form_data": data},
    )
    assert resp.status_code == 422
    assert resp.json()["fields"] == {"form_data.me": ["Bắt buộc nhập."]}


# --- the applicant's phone -----------------------------------------------------------------------


def test_the_applicants_phone_given_at_the_counter_is_stored_normalised(world):
    resp = Api(world.counter_a).post(
        "/api/v1/dossiers",
        {
            "procedure": "1.000001",
            "agency": world.agency_a.agency_id,
            "form_data": VALID_FORM,
            "channel": 1,
            "applicant": {"name": "Trần Thị Hoa", "phone": "+84 (0) 987-654-321"},
        },
    )
    assert resp.status_code == 201, resp.content
    assert Dossier.objects.get().applicant_phone == "0987654321"


def test_an_applicants_phone_that_is_not_a_number_is_a_field_error(world):
    resp = Api(world.counter_a).post(
        "/api/v1/dossiers",
        {
            "procedure": "1.000001",
            "agency": world.agency_a.agency_id,
            "form_data": VALID_FORM,
            "channel": 1,
            "applicant": {"name": "Trần Thị Hoa", "phone": "098765"},
        },
    )
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "applicant_phone_invalid"
    assert "ví dụ 0912 345 678" in body["fields"]["applicant.phone"][0]
    assert not Dossier.objects.exists()


def test_an_online_applicants_phone_comes_from_the_profile(world):
    resp = Api(world.citizen).post(
        "/api/v1/dossiers",
        {"procedure": "1.000001", "agency": world.agency_a.agency_id, "form_data": VALID_FORM},
    )
    assert resp.status_code == 201
    assert Dossier.objects.get().applicant_phone == "0912345678"
