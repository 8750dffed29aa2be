"""Export → import into an empty database → export gives the same data (JSON and XLSX)."""

import json

import pytest
from django.core.management import call_command

from chinhquyen.catalogue.models import Field, Procedure, ProcedureVersion
from chinhquyen.catalogue.services import (
    catalogue_export_json,
    catalogue_export_xlsx,
    catalogue_import,
)

from . import factories

pytestmark = pytest.mark.django_db


def tricky():
    """Values a spreadsheet likes to mangle."""
    return factories.building(
        code="HCM-XD.01",
        name="=SUM(A1) là chữ, không phải công thức",
        steps="  Bước 1: nộp.\n\nBước 2: nhận.  ",
        requirements="Tỷ lệ 50%; ký tự đặc biệt <>&\"'",
        processing_time=0.5,
        time_unit="hours",
        legacy_level=None,
        decision_number="0123",
        decision_date="2025-06-30",
        effective_to="2030-01-01",
        levels=["central", "province", "commune"],
        agency_kinds=["so", "ttpvhcc"],
        fees=[
            {"name": "Phí thẩm định", "amount": 1_000_000, "note": "Nộp khi nhận kết quả"},
            {"name": "Lệ phí", "amount": 0, "note": ""},
        ],
        documents=[
            {"code": "ban-ve", "name": "Bản vẽ thiết kế", "originals": 0, "copies": 2, "is_required": False,
             "template_name": "", "template_url": "/static/mau/ban-ve.pdf"},
            {"code": "1-so-do", "name": "Sơ đồ vị trí", "originals": 3, "copies": 0, "is_required": True,
             "template_name": "Mẫu số 1", "template_url": ""},
        ],
        form_schema=factories.FORM | {"properties": {**factories.FORM["properties"],
                                                     "dien_tich": {"type": "number", "minimum": 0.5, "title": "Diện tích (m²)"}}},
    )  # fmt: skip


DOC = factories.document(factories.birth(), factories.building(), factories.marriage(), tricky())


def wipe() -> None:
    Procedure.objects.update(current=None)
    ProcedureVersion.objects.all().delete()
    Procedure.objects.all().delete()
    Field.objects.all().delete()


def by_code(doc):
    return {**doc, "procedures": sorted(doc["procedures"], key=lambda p: p["code"])}


def cell_values(content: bytes) -> dict[str, list[tuple]]:
    from io import BytesIO

    from openpyxl import load_workbook

    workbook = load_workbook(BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}


def load(file_name, content):
    report = catalogue_import(file_name=file_name, content=content)
    assert report.ok, [str(e) for e in report.errors]
    return report


def test_the_json_export_gives_back_what_was_imported():
    load("in.json", json.dumps(DOC).encode())
    assert catalogue_export_json() == by_code(DOC)


def test_json_round_trip_through_an_empty_database():
    load("in.json", json.dumps(DOC).encode())
    first = catalogue_export_json()

    wipe()
    report = load("export.json", json.dumps(first, ensure_ascii=False).encode())

    assert report.created == 4
    assert catalogue_export_json() == first


def test_xlsx_round_trip_through_an_empty_database():
    load("in.json", json.dumps(DOC).encode())
    first_json = catalogue_export_json()
    workbook = catalogue_export_xlsx()

    wipe()
    report = load("export.xlsx", workbook)

    assert (report.created, report.fields_created) == (4, 2)
    assert catalogue_export_json() == first_json
    assert cell_values(catalogue_export_xlsx()) == cell_values(workbook)


def test_importing_its_own_xlsx_export_changes_nothing():
    load("in.json", json.dumps(DOC).encode())
    report = load("export.xlsx", catalogue_export_xlsx())
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)


def test_a_text_that_looks_like_a_formula_is_written_as_text():
    from io import BytesIO

    from openpyxl import load_workbook

    load("in.json", json.dumps(DOC).encode())
    sheet = load_workbook(BytesIO(catalogue_export_xlsx()))["procedures"]
    cell = next(c for c in sheet["B"] if c.value and str(c.value).startswith("=SUM"))
    assert cell.data_type == "s"


def test_the_commands_round_trip_through_files(tmp_path, capsys):
    load("in.json", json.dumps(DOC).encode())
    first = catalogue_export_json()
    call_command("catalogue_export", "-o", str(tmp_path / "catalogue.xlsx"))
    call_command("catalogue_export", "--format", "json", "-o", str(tmp_path / "catalogue.json"))

    wipe()
    call_command("catalogue_import", str(tmp_path / "catalogue.xlsx"))
    assert catalogue_export_json() == first
    wipe()
    call_command("catalogue_import", str(tmp_path / "catalogue.json"))
    assert catalogue_export_json() == first


def test_search_terms_and_phrases_round_trip_through_json_and_xlsx():
    from chinhquyen.catalogue.models import SearchTerm

    birth = {**factories.birth(), "search_phrases": ["giấy khai sinh", "làm khai sinh cho con"]}
    terms = [
        {"kind": "filler", "phrase": "làm", "target": "", "note": ""},
        {"kind": "synonym", "phrase": "công chứng", "target": "chứng thực",
         "note": "Công chứng do tổ chức hành nghề công chứng thực hiện."},
        {"kind": "synonym", "phrase": "kí", "target": "ký", "note": ""},
    ]  # fmt: skip
    doc = {**factories.document(birth, factories.marriage()), "search_terms": terms}
    load("in.json", json.dumps(doc).encode())
    first = catalogue_export_json()
    exported = {p["code"]: p for p in first["procedures"]}
    assert exported["1.001193"]["search_phrases"] == birth["search_phrases"]
    assert "search_phrases" not in exported["1.000894"]
    assert sorted(t["phrase"] for t in first["search_terms"]) == ["công chứng", "kí", "làm"]
    workbook = catalogue_export_xlsx()
    assert cell_values(workbook)["search_terms"][0] == ("kind", "phrase", "target", "note")

    wipe()
    SearchTerm.objects.all().delete()
    load("export.xlsx", workbook)
    assert catalogue_export_json() == first
    assert cell_values(catalogue_export_xlsx()) == cell_values(workbook)
    # Phrases are not the published content: importing them again makes no new version.
    assert load("again.json", json.dumps(first).encode()).unchanged == 2
