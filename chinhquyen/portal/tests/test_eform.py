"""The e-form renderer: each kind of widget, names that map back to nested JSON, and repeating
groups that grow and shrink without JavaScript."""

from __future__ import annotations

import json

from django.http import QueryDict
from django.utils import translation

from chinhquyen.demo.services import CATALOGUE_FILE
from chinhquyen.pages import eform
from conftest import SIMPLE_FORM

SCHEMA = {
    "type": "object",
    "required": ["tre"],
    "properties": {
        "tre": {
            "type": "object",
            "title": "Thông tin trẻ",
            "required": ["ho_ten"],
            "properties": {
                "ho_ten": {"type": "string", "title": "Họ và tên", "maxLength": 100},
                "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày sinh"},
            },
        },
        "so_cccd": {"type": "string", "title": "Số CCCD", "pattern": "^\\d{12}$"},
        "gioi_tinh": {
            "type": "string",
            "title": "Giới tính",
            "oneOf": [{"const": "nam", "title": "Nam"}, {"const": "nu", "title": "Nữ"}],
        },
        "tinh": {"type": "string", "title": "Tỉnh", "enum": ["A", "B", "C", "D", "E"]},
        "so_ban_sao": {"type": "integer", "title": "Số bản sao", "minimum": 0, "maximum": 10},
        "dien_tich": {"type": "number", "title": "Diện tích"},
        "dong_y": {"type": "boolean", "title": "Tôi cam đoan"},
        "thanh_vien": {
            "type": "array",
            "title": "Thành viên",
            "items": {
                "type": "object",
                "title": "Thành viên",
                "required": ["ten"],
                "properties": {"ten": {"type": "string", "title": "Tên"}},
            },
        },
    },
}


def post(pairs: dict[str, str | list[str]]) -> QueryDict:
    q = QueryDict(mutable=True)
    for key, value in pairs.items():
        q.setlist(key, value if isinstance(value, list) else [value])
    return q


def html(data=None, errors=None) -> str:
    with translation.override("vi"):
        return str(eform.render(SCHEMA, data or {}, errors)[0])


def test_a_string_becomes_a_text_input_with_its_length_limit_and_label():
    page = html({"tre": {"ho_ten": "Bé <An>"}})
    assert '<label for="f-tre-ho_ten">Họ và tên' in page
    assert 'name="tre.ho_ten" value="Bé &lt;An&gt;"' in page
    assert 'maxlength="100"' in page
    assert "Tối đa 100 ký tự." in page


def test_a_date_is_a_date_input_and_a_digit_pattern_is_explained():
    page = html()
    assert '<input type="date" id="f-tre-ngay_sinh" name="tre.ngay_sinh"' in page
    assert "Gồm 12 chữ số." in page
    assert 'inputmode="numeric"' in page


def test_few_choices_are_radios_with_their_titles_and_many_are_a_select():
    page = html({"gioi_tinh": "nu", "tinh": "C"})
    assert 'type="radio" name="gioi_tinh" id="f-gioi_tinh" value="nam"' in page
    assert 'value="nu" checked' in page and "> Nữ</label>" in page
    assert '<select id="f-tinh" name="tinh"' in page
    assert '<option value="C" selected>C</option>' in page


def test_numbers_are_number_inputs_and_a_boolean_is_a_checkbox():
    page = html({"dong_y": True})
    assert (
        '<input type="number" id="f-so_ban_sao" name="so_ban_sao" value="" min="0" max="10"' in page
    )
    assert 'name="dien_tich" value="" step="any"' in page
    assert 'type="checkbox" id="f-dong_y" name="dong_y" value="1" checked' in page


def test_a_nested_object_is_a_fieldset_with_a_legend():
    assert '<fieldset class="group" id="f-tre"><legend>Thông tin trẻ</legend>' in html()


def test_an_error_is_shown_next_to_its_field_and_linked_by_aria():
    errors = {"form_data.thanh_vien[1].ten": ["Bắt buộc nhập."]}
    page, anchors = eform.render(SCHEMA, {"thanh_vien": [{"ten": "A"}, {}]}, errors)
    assert anchors == {"form_data.thanh_vien[1].ten": "f-thanh_vien-1--ten"}
    assert 'aria-describedby="f-thanh_vien-1--ten-error" aria-invalid="true"' in str(page)
    assert '<p class="error" id="f-thanh_vien-1--ten-error">Bắt buộc nhập.</p>' in str(page)


def test_field_names_map_back_to_nested_json_with_typed_values():
    data = eform.parse(
        SCHEMA,
        post(
            {
                "tre.ho_ten": " Nguyễn Bé ",
                "tre.ngay_sinh": "",
                "so_ban_sao": "2",
                "dien_tich": "12,5",
                "dong_y": "1",
                "gioi_tinh": "nam",
                "thanh_vien[0].ten": "An",
                "thanh_vien[1].ten": "Bình",
                "thanh_vien.__n": "2",
            }
        ),
    )
    assert data == {
        "tre": {"ho_ten": "Nguyễn Bé"},
        "gioi_tinh": "nam",
        "so_ban_sao": 2,
        "dien_tich": 12.5,
        "dong_y": True,
        "thanh_vien": [{"ten": "An"}, {"ten": "Bình"}],
    }


def test_a_number_that_does_not_parse_is_kept_as_typed_for_the_validator_to_name():
    assert eform.parse(SCHEMA, post({"so_ban_sao": "hai"}))["so_ban_sao"] == "hai"


def test_rendering_then_parsing_the_demo_examples_gives_them_back():
    """Every demo procedure's example survives the round trip through the form's field names."""
    catalogue = json.loads(CATALOGUE_FILE.read_text())
    for procedure in catalogue["procedures"]:
        schema = procedure["form_schema"]
        example = schema["examples"][0]
        page = str(eform.render(schema, example)[0])
        assert page
        fields = _fields_of(schema, example)
        assert eform.parse(schema, post(fields)) == _unchecked_is_false(schema, example), procedure[
            "code"
        ]


def _unchecked_is_false(schema, value):
    """A checkbox cannot tell "no" from "not stated": a filled-in group's booleans come back
    False where the example leaves them out."""
    if schema.get("type") == "object" and isinstance(value, dict):
        out = {}
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                out[key] = _unchecked_is_false(sub, value[key])
            elif sub.get("type") == "boolean":
                out[key] = False
        return out
    if schema.get("type") == "array" and isinstance(value, list):
        return [_unchecked_is_false(schema["items"], v) for v in value]
    return value


def _fields_of(schema, value, name=""):
    """What a browser would send for ``value``."""
    kind = schema.get("type")
    out: dict[str, str] = {}
    if kind == "object":
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                out.update(_fields_of(sub, value[key], eform.child_name(name, key)))
    elif kind == "array":
        out[f"{name}.__n"] = str(len(value))
        for i, item in enumerate(value):
            out.update(_fields_of(schema["items"], item, eform.item_name(name, i)))
    elif kind == "boolean":
        if value:
            out[name] = "1"
    else:
        out[name] = str(value)
    return out


def test_adding_an_item_keeps_the_values_already_entered():
    data = eform.parse(SCHEMA, post({"tre.ho_ten": "Bé", "thanh_vien[0].ten": "An"}))
    eform.edit(SCHEMA, data, add="thanh_vien")
    assert data["thanh_vien"] == [{"ten": "An"}, {}]
    assert data["tre"] == {"ho_ten": "Bé"}
    page = html(data)
    assert 'name="thanh_vien[0].ten" value="An"' in page
    assert 'name="thanh_vien[1].ten" value=""' in page
    assert 'name="_remove" value="thanh_vien[1]"' in page


def test_adding_the_first_item_of_an_empty_group_works():
    data = eform.parse(SCHEMA, post({}))
    eform.edit(SCHEMA, data, add="thanh_vien")
    assert data["thanh_vien"] == [{}]


def test_removing_an_item_keeps_the_others_in_order():
    data = eform.parse(
        SCHEMA,
        post({"thanh_vien[0].ten": "An", "thanh_vien[1].ten": "Bình", "thanh_vien[2].ten": "Chi"}),
    )
    eform.edit(SCHEMA, data, remove="thanh_vien[1]")
    assert data["thanh_vien"] == [{"ten": "An"}, {"ten": "Chi"}]


def test_an_empty_item_of_a_group_stays_on_the_form_until_removed():
    data = eform.parse(SCHEMA, post({"thanh_vien.__n": "1"}))
    assert data["thanh_vien"] == [{}]


def test_the_review_shows_choice_titles_dates_and_groups():
    rows = eform.review_rows(
        SIMPLE_FORM,
        {
            "ho_ten": "An",
            "ngay_sinh": "2026-01-15",
            "gioi_tinh": "nu",
            "thanh_vien": [{"ten": "Bình"}],
        },
    )
    assert {"label": "Ngày sinh", "text": "15/01/2026"} in rows
    assert {"label": "Giới tính", "text": "Nữ"} in rows
    assert {"group": "Thành viên 1", "rows": [{"label": "Tên", "text": "Bình"}]} in rows


def test_defaults_fill_a_form_opened_for_the_first_time():
    schema = {
        "type": "object",
        "required": ["me"],
        "properties": {
            "me": {
                "type": "object",
                "properties": {"quoc_tich": {"type": "string", "default": "Việt Nam"}},
            }
        },
    }
    assert eform.initial_data(schema) == {"me": {"quoc_tich": "Việt Nam"}}
