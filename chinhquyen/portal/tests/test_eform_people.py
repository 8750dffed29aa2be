"""E-forms that speak to people: hints in words (never a pattern) on every demo procedure's form,
phone numbers typed any usual way, and optional sections — the father's, in a birth
registration — that a single mother can leave empty."""

from __future__ import annotations

import copy
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from chinhquyen.catalogue.models import Procedure
from chinhquyen.catalogue.services import procedure_link_agencies, procedure_save
from chinhquyen.core.errors import ValidationFailed
from chinhquyen.demo.services import CATALOGUE_FILE
from chinhquyen.dossiers.forms import form_validate
from chinhquyen.dossiers.models import Dossier
from chinhquyen.pages import eform
from conftest import PASSWORD

DEMO = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))["procedures"]
BIRTH = "1.001193"
BIRTH_URL = f"/nop-ho-so/{BIRTH}/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# What a regular expression looks like, should one leak into a page.
REGEX_TRACES = re.compile(r"\\d|\\w|\[0-9\]|\^\(|\^\\|\)\$|\{\d+,\d*\}|\(\?:")


def leaves(schema, path=()):
    """(path, schema) of every scalar field, array items included (as index 0)."""
    kind = schema.get("type", "string")
    if kind == "object":
        for key, sub in schema.get("properties", {}).items():
            yield from leaves(sub, (*path, key))
    elif kind == "array":
        yield from leaves(schema.get("items", {}), (*path, 0))
    else:
        yield path, schema


def name_of(path) -> str:
    name = ""
    for step in path:
        name = (
            eform.item_name(name, step) if isinstance(step, int) else eform.child_name(name, step)
        )
    return name


def put(data, path, value):
    node = data
    for step, nxt in zip(path, path[1:], strict=False):
        if isinstance(step, int):
            while len(node) <= step:
                node.append({} if not isinstance(nxt, int) else [])
            node = node[step]
        else:
            node = node.setdefault(step, [] if isinstance(nxt, int) else {})
    if isinstance(path[-1], int):
        while len(node) <= path[-1]:
            node.append(None)
    node[path[-1]] = value


def fields_of(schema, value, name=""):
    """What a browser sends for ``value``."""
    kind = schema.get("type")
    out: dict[str, str] = {}
    if kind == "object":
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                out.update(fields_of(sub, value[key], eform.child_name(name, key)))
    elif kind == "array":
        out[f"{name}.__n"] = str(len(value))
        for i, item in enumerate(value):
            out.update(fields_of(schema["items"], item, eform.item_name(name, i)))
    elif kind == "boolean":
        if value:
            out[name] = "1"
    else:
        out[name] = str(value)
    return out


def post(pairs) -> QueryDict:
    q = QueryDict(mutable=True)
    for key, value in pairs.items():
        q.setlist(key, [value])
    return q


# --- every demo form: words, not patterns --------------------------------------------------------


@pytest.mark.parametrize("record", DEMO, ids=[r["code"] for r in DEMO])
def test_no_demo_form_shows_a_pattern_only_hints_and_messages_in_words(record):
    schema = record["form_schema"]
    patterned = [(p, s) for p, s in leaves(schema) if s.get("pattern")]
    # Every patterned field refused at once: each message is shown next to its field.
    broken = copy.deepcopy(schema["examples"][0])
    for path, _sub in patterned:
        put(broken, path, "x")
    errors: dict[str, list[str]] = {}
    try:
        form_validate(version_id=-1, stamp=f"hints-{record['code']}", schema=schema, data=broken)
    except ValidationFailed as exc:
        errors = exc.fields
    with translation.override("vi"):
        blank = str(eform.render(schema, eform.initial_data(schema))[0])
        refused = str(eform.render(schema, broken, errors)[0])

    for page in (blank, refused):
        for _path, sub in patterned:
            assert sub["pattern"] not in page and escape(sub["pattern"]) not in page
        assert not REGEX_TRACES.search(page), REGEX_TRACES.search(page)
        assert "Định dạng:" not in page
    for path, sub in patterned:
        key = f"{eform.ERROR_PREFIX}.{name_of(path)}"
        # The schema's own words, shown beside the field.
        assert errors[key] == [sub["x-errorMessage"]["pattern"]], key
        assert escape(sub["x-errorMessage"]["pattern"]) in refused
        assert escape(sub["description"]) in blank


def test_every_demo_phone_field_says_it_is_one_and_is_a_tel_input():
    phones = [
        (record["code"], path, sub)
        for record in DEMO
        for path, sub in leaves(record["form_schema"])
        if "điện thoại" in sub.get("title", "").lower()
    ]
    assert len(phones) >= 10
    for code, path, sub in phones:
        assert sub.get("format") == "phone", (code, path)
        page = str(eform.render({"type": "object", "properties": {"p": sub}}, {})[0])
        assert '<input type="tel"' in page and 'autocomplete="tel"' in page
        assert "0912 345 678" in page  # the example in the hint


def test_a_phone_field_without_a_description_gets_the_standard_hint():
    schema = {"type": "object", "properties": {"p": {"type": "string", "format": "phone"}}}
    with translation.override("vi"):
        page = str(eform.render(schema, {})[0])
    assert "Ví dụ 0912 345 678." in page
    assert 'aria-describedby="f-p-help"' in page


def test_a_pattern_without_words_shows_nothing_rather_than_the_pattern():
    schema = {
        "type": "object",
        "properties": {"c": {"type": "string", "title": "Mã", "pattern": "^[A-Z]{2}-\\d+$"}},
    }
    page = str(eform.render(schema, {})[0])
    assert "[A-Z]" not in page and 'id="f-c-help"' not in page


def test_the_questions_keep_the_schemas_order_whatever_the_database_does_to_keys():
    schema = {
        "type": "object",
        "x-order": ["tre", "me", "cha"],
        # jsonb gives keys back shortest first: "me", "cha", "tre".
        "properties": {
            "me": {"type": "string", "title": "Mẹ"},
            "cha": {"type": "string", "title": "Cha"},
            "tre": {"type": "string", "title": "Trẻ"},
        },
    }
    page = str(eform.render(schema, {})[0])
    assert page.index("f-tre") < page.index("f-me") < page.index("f-cha")
    rows = eform.review_rows(schema, {"me": "A", "cha": "B", "tre": "C"})
    assert [r["label"] for r in rows] == ["Trẻ", "Mẹ", "Cha"]


def test_every_demo_form_says_its_order():
    def objects(node):
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict) and len(node["properties"]) > 1:
                yield node
            for key, value in node.items():
                if key != "examples":
                    yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    for record in DEMO:
        for node in objects(record["form_schema"]):
            assert node["x-order"] == list(node["properties"]), record["code"]


# --- optional sections ---------------------------------------------------------------------------

SECTIONS = {
    "type": "object",
    "required": ["me"],
    "properties": {
        "me": {
            "type": "object",
            "title": "Mẹ",
            "required": ["ho_ten"],
            "properties": {
                "ho_ten": {"type": "string", "title": "Họ tên"},
                "quoc_tich": {"type": "string", "title": "Quốc tịch", "default": "Việt Nam"},
            },
        },
        "cha": {
            "type": "object",
            "title": "Cha",
            "description": "Bỏ trống nếu chưa xác định được cha.",
            "required": ["ho_ten"],
            "properties": {
                "ho_ten": {"type": "string", "title": "Họ tên"},
                "quoc_tich": {"type": "string", "title": "Quốc tịch", "default": "Việt Nam"},
                "nuoc_ngoai": {"type": "boolean", "title": "Người nước ngoài"},
            },
        },
    },
}


def test_an_optional_section_says_so_and_when_to_leave_it_empty():
    with translation.override("vi"):
        page = str(eform.render(SECTIONS, eform.initial_data(SECTIONS))[0])
    cha = page[page.index('id="f-cha"') :]
    me = page[page.index('id="f-me"') : page.index('id="f-cha"')]
    assert '<legend>Cha <span class="hint">(không bắt buộc)</span></legend>' in cha
    assert "Bỏ trống nếu chưa xác định được cha." in cha
    assert "Nếu khai phần này, cần điền đủ các mục ghi «bắt buộc»." in cha
    # Required once filled in, but not before: no required attribute inside the section.
    assert "(bắt buộc)" in cha and " required>" not in cha
    assert " required>" in me and "(không bắt buộc)" not in me


def test_an_optional_section_starts_empty_and_an_untouched_one_is_left_out():
    assert eform.initial_data(SECTIONS) == {"me": {"quoc_tich": "Việt Nam"}}
    typed = {"me.ho_ten": "Trần Thị Hà", "me.quoc_tich": "Việt Nam"}
    assert eform.parse(SECTIONS, post(typed)) == {
        "me": {"ho_ten": "Trần Thị Hà", "quoc_tich": "Việt Nam"}
    }
    # A draft saved before the section started empty still holds its default: left out too.
    assert "cha" not in eform.parse(SECTIONS, post({**typed, "cha.quoc_tich": "Việt Nam"}))
    # Anything typed fills the section, so the schema names what is missing.
    partial = eform.parse(SECTIONS, post({**typed, "cha.quoc_tich": "Lào"}))
    assert partial["cha"] == {"quoc_tich": "Lào", "nuoc_ngoai": False}
    ticked = eform.parse(SECTIONS, post({**typed, "cha.nuoc_ngoai": "1"}))
    assert ticked["cha"] == {"nuoc_ngoai": True}


def test_the_review_says_an_optional_section_was_left_empty():
    with translation.override("vi"):
        rows = eform.review_rows(SECTIONS, {"me": {"ho_ten": "Trần Thị Hà"}})
    assert {"label": "Cha", "text": "Không khai"} in rows


# --- a single mother applies through the portal --------------------------------------------------


@pytest.fixture
def birth(world):
    record = copy.deepcopy(next(r for r in DEMO if r["code"] == BIRTH))
    procedure_save(data=record)
    procedure = Procedure.objects.get(code=BIRTH)
    procedure_link_agencies(procedure=procedure, agencies=[world.agency_a])
    return procedure.current


def citizen(world) -> Client:
    client = Client()
    assert client.login(username=world.citizen.username, password=PASSWORD)
    return client


def single_mother_fields(birth, world) -> dict[str, str]:
    data = copy.deepcopy(birth.form_schema["examples"][1])
    data["nguoi_yeu_cau"]["dien_thoai"] = "0912 345 678"
    data["me"]["so_dinh_danh"] = "0011 9401 2345"
    return {"agency": world.agency_a.agency_id, **fields_of(birth.form_schema, data)}


@pytest.mark.django_db
def test_the_birth_form_shows_the_fathers_section_as_optional(world, birth):
    page = citizen(world).get(BIRTH_URL).content.decode()
    # In the order of the paper form, also on PostgreSQL (jsonb reorders the keys).
    sections = ["f-tre", "f-me", "f-cha", "f-nguoi_yeu_cau", "f-so_ban_sao"]
    assert [page.index(f'id="{s}"') for s in sections] == sorted(
        page.index(f'id="{s}"') for s in sections
    )
    cha = page[page.index('id="f-cha"') : page.index('id="f-nguoi_yeu_cau"')]
    assert "(không bắt buộc)" in cha
    assert "Bỏ trống cả phần này nếu chưa xác định được cha của trẻ" in cha
    assert 'value="Việt Nam"' not in cha and " required>" not in cha
    assert "^(0" not in page and "\\d" not in page


@pytest.mark.django_db
def test_a_single_mother_applies_through_the_portal_with_her_phone_as_she_writes_it(world, birth):
    client = citizen(world)
    fields = single_mother_fields(birth, world)
    review = client.post(BIRTH_URL, {**fields, "_action": "review"})
    html = review.content.decode()
    assert "Kiểm tra lại hồ sơ" in html, html
    assert "<dt>Thông tin người cha</dt><dd>Không khai</dd>" in html
    assert "0912345678" in html and "001194012345" in html
    token = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)
    done = client.post(
        BIRTH_URL,
        {
            "_action": "submit",
            "token": token,
            "agency": fields["agency"],
            "payload": review.context["payload"],
            "file-to-khai": SimpleUploadedFile("to-khai.pdf", PDF, "application/pdf"),
            "file-giay-chung-sinh": SimpleUploadedFile("gcs.pdf", PDF, "application/pdf"),
        },
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert "cha" not in dossier.form_data
    assert dossier.form_data["nguoi_yeu_cau"]["dien_thoai"] == "0912345678"
    assert dossier.form_data["me"]["so_dinh_danh"] == "001194012345"


@pytest.mark.django_db
def test_a_half_filled_fathers_section_is_refused_next_to_each_missing_field(world, birth):
    fields = single_mother_fields(birth, world)
    fields["cha.ho_ten"] = "Nguyễn Văn Nam"
    response = citizen(world).post(BIRTH_URL, {**fields, "_action": "review"})
    html = response.content.decode()
    assert "Kiểm tra lại hồ sơ" not in html and "Có thông tin chưa hợp lệ" in html
    message = escape(
        "Đã khai về người cha thì cần nhập cả mục này. Nếu chưa xác định được cha, hãy xóa hết "
        "các mục của phần này."
    )
    for key in ("ngay_sinh", "dan_toc", "quoc_tich", "so_dinh_danh", "noi_cu_tru"):
        assert f'<p class="error" id="f-cha-{key}-error">{message}</p>' in html, key
    assert '<p class="error" id="f-cha-ho_ten-error">' not in html
    assert 'name="cha.ho_ten" value="Nguyễn Văn Nam"' in html
    assert not Dossier.objects.exists()


@pytest.mark.django_db
def test_a_phone_number_that_is_none_is_refused_with_an_example(world, birth):
    fields = single_mother_fields(birth, world)
    fields["nguoi_yeu_cau.dien_thoai"] = "0912 345"
    html = citizen(world).post(BIRTH_URL, {**fields, "_action": "review"}).content.decode()
    assert (
        '<p class="error" id="f-nguoi_yeu_cau-dien_thoai-error">Số điện thoại gồm 10 chữ số, '
        "bắt đầu bằng 0, ví dụ 0912 345 678" in html
    )
    assert 'name="nguoi_yeu_cau.dien_thoai" value="0912 345"' in html
