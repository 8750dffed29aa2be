import json

import pytest
from openpyxl import Workbook

from chinhquyen.audit.models import AuditRecord
from chinhquyen.catalogue.models import Field, Procedure, ProcedureVersion
from chinhquyen.catalogue.services import catalogue_import, procedure_save
from chinhquyen.core.errors import ValidationFailed

from . import factories
from .xlsx import column_of, edited, workbook_bytes

pytestmark = pytest.mark.django_db


def import_json(doc, **kwargs):
    content = json.dumps(doc, ensure_ascii=False).encode()
    return catalogue_import(file_name="catalogue.json", content=content, **kwargs)


def messages(report):
    return [str(problem) for problem in report.errors]


# --- JSON -----------------------------------------------------------------------------------------


def test_importing_a_json_file_creates_the_fields_and_procedures_and_counts_them():
    report = import_json(
        factories.document(factories.birth(), factories.building(), factories.marriage())
    )

    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert (report.fields_created, report.fields_updated) == (2, 0)
    assert Procedure.objects.filter(current__isnull=False).count() == 3
    assert str(report) == (
        "catalogue.json: 3 thủ tục mới, 0 cập nhật, 0 không đổi; lĩnh vực: 2 mới, 0 đổi tên"
    )


def test_importing_the_same_file_again_changes_nothing():
    doc = factories.document(factories.birth(), factories.building())
    import_json(doc)
    audit_count = AuditRecord.objects.count()

    report = import_json(doc)

    assert (report.created, report.updated, report.unchanged, report.fields_created) == (0, 0, 2, 0)
    assert ProcedureVersion.objects.count() == 2
    assert AuditRecord.objects.count() == audit_count


def test_an_edited_file_updates_only_the_procedures_that_changed():
    import_json(factories.document(factories.birth(), factories.building()))
    fields = [
        {"code": "ho-tich", "name": "Hộ tịch"},
        {"code": "xay-dung", "name": "Xây dựng và nhà ở"},
    ]

    report = import_json(
        factories.document(factories.birth(processing_time=2), factories.building(), fields=fields)
    )

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert report.fields_updated == 1
    assert Procedure.objects.get(code="1.001193").current.version == 2
    assert Procedure.objects.get(code="1.009972").current.version == 1


def test_json_errors_name_the_procedure_and_the_key():
    doc = factories.document(
        factories.birth(), factories.building(processing_time=0), factories.marriage()
    )
    doc["procedures"][2]["documents"] = [{"code": "Bad Code", "name": "Giấy tờ"}]

    report = import_json(doc)

    assert messages(report) == [
        "procedures[1].processing_time: phải lớn hơn 0",
        "procedures[2].documents[0].code: phải là chữ thường không dấu, chữ số và dấu gạch ngang, "
        "tối đa 40 ký tự (ví dụ to-khai)",
    ]


def test_one_bad_procedure_means_nothing_is_written():
    Field.objects.create(code="ho-tich", name="Hộ tịch")
    procedure_save(data=factories.birth())
    audit_count = AuditRecord.objects.count()
    doc = factories.document(
        factories.birth(processing_time=7),  # would be version 2
        factories.building(),  # would be new, with a new field
        factories.marriage(effective_to="2020-01-01"),  # invalid
    )

    report = import_json(doc)

    assert not report.ok
    assert messages(report) == ["procedures[2].effective_to: phải sau effective_from"]
    assert (report.created, report.updated) == (0, 0)
    assert not Field.objects.filter(code="xay-dung").exists()
    assert list(Procedure.objects.values_list("code", flat=True)) == ["1.001193"]
    assert Procedure.objects.get(code="1.001193").current.version == 1
    assert AuditRecord.objects.count() == audit_count


def test_every_error_in_the_file_is_collected():
    doc = factories.document(
        factories.birth(levels=["district"], field="khong-co"),
        factories.building(code="bad"),
        factories.marriage(time_unit="minutes"),
        factories.birth(),  # same code as procedures[0]
        fields=[{"code": "ho-tich", "name": ""}, {"code": "xay-dung", "name": "Xây dựng"}],
    )

    report = import_json(doc)

    locations = [problem.location for problem in report.errors]
    assert locations == [
        "fields[0].name",
        "procedures[0].field",
        "procedures[0].levels[0]",
        "procedures[1].code",
        "procedures[2].time_unit",
        "procedures[3].code",
    ]
    assert str(report.errors[-1]) == "procedures[3].code: trùng mã với procedures[0]"


def test_a_procedure_may_use_a_field_already_in_the_database():
    Field.objects.create(code="ho-tich", name="Hộ tịch")
    report = import_json(factories.document(factories.birth(), fields=[]))
    assert report.ok and report.created == 1


def test_the_format_marker_and_top_level_keys_are_checked():
    doc = factories.document(factories.birth())
    doc["format"] = "chinhquyen.catalogue/2"
    doc["extra"] = 1
    del doc["procedures"]

    assert messages(import_json(doc)) == [
        "extra: khóa không có trong định dạng chinhquyen.catalogue/1",
        "format: phải là «chinhquyen.catalogue/1»",
        "procedures: bắt buộc",
    ]


def test_unreadable_json_is_reported_with_its_line_and_column():
    report = catalogue_import(file_name="x.json", content=b'{\n  "format": oops\n}')
    assert messages(report) == ["file: JSON không hợp lệ ở dòng 2, cột 13: Expecting value"]


def test_a_json_file_that_is_not_an_object_is_refused():
    report = catalogue_import(file_name="x.json", content=b"[]")
    assert messages(report) == [
        "file: tệp phải chứa một đối tượng JSON có format, fields và procedures"
    ]


def test_other_file_types_are_refused():
    report = catalogue_import(file_name="catalogue.csv", content=b"code,name\n")
    assert messages(report) == ["file: chỉ nhận tệp .json hoặc .xlsx"]


def test_a_dry_run_counts_what_would_change_but_writes_nothing():
    import_json(factories.document(factories.birth()))

    report = import_json(
        factories.document(factories.birth(processing_time=4), factories.building()), dry_run=True
    )

    assert report.ok and report.dry_run
    assert (report.created, report.updated, report.fields_created) == (1, 1, 0)
    assert list(Procedure.objects.values_list("code", flat=True)) == ["1.001193"]
    assert ProcedureVersion.objects.count() == 1
    assert str(report).endswith("(chạy thử, không ghi)")


def test_a_failed_report_raises_a_validation_error_listing_every_location():
    report = import_json(factories.document(factories.birth(processing_time=-1, online_mode="x")))
    with pytest.raises(ValidationFailed) as caught:
        report.raise_if_failed()
    assert caught.value.code == "catalogue_import_failed"
    assert caught.value.fields == {
        "procedures[0].online_mode": ["phải là full (toàn trình), partial (một phần) hoặc none"],
        "procedures[0].processing_time": ["phải lớn hơn 0"],
    }


# --- XLSX -----------------------------------------------------------------------------------------


def import_xlsx(content: bytes, **kwargs):
    return catalogue_import(file_name="catalogue.xlsx", content=content, **kwargs)


def test_xlsx_errors_name_the_sheet_the_excel_row_and_the_column():
    """A workbook typed by hand: the bad row is Excel row 7 (rows 3–6 left empty)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "procedures"
    header = ["code", "name", "field", "levels", "online_mode", "processing_time", "steps", "method",
              "applicants", "implementing_agency", "result_type", "effective_from"]  # fmt: skip
    sheet.append(header)
    good = ["1.001193", "Đăng ký khai sinh", "ho-tich", "commune", "full", 1, "Bước 1", "Trực tiếp",
            "Công dân", "UBND cấp xã", "Giấy khai sinh", "2025-07-01"]  # fmt: skip
    sheet.append(good)
    for _ in range(4):
        sheet.append([])
    sheet.append(["1.000894", "Đăng ký kết hôn", *good[2:5], 0, *good[6:]])
    fields = workbook.create_sheet("fields")
    fields.append(["code", "name"])
    fields.append(["ho-tich", "Hộ tịch"])
    documents = workbook.create_sheet("documents")
    documents.append(["procedure_code", "code", "name", "originals"])
    documents.append(["1.001193", "to-khai", "Tờ khai", 1])
    documents.append(["1.000894", "TO KHAI", "Tờ khai", -1])

    report = import_xlsx(workbook_bytes(workbook))

    assert messages(report) == [
        "procedures!F7 (processing_time): phải lớn hơn 0",
        "documents!B3 (code): phải là chữ thường không dấu, chữ số và dấu gạch ngang, tối đa 40 ký tự (ví dụ to-khai)",
        "documents!D3 (originals): phải là số nguyên không âm",
    ]
    assert not Procedure.objects.exists() and not Field.objects.exists()


def test_a_valid_hand_made_workbook_is_imported_with_defaults_for_missing_columns():
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "procedures"
    sheet.append(["effective_from", "code", "name", "field", "levels", "online_mode", "processing_time",
                  "steps", "method", "applicants", "implementing_agency", "result_type", "legal_basis"])  # fmt: skip
    sheet.append(["2025-07-01", "1.001193", "Đăng ký khai sinh", "ho-tich", "commune, province", "full", "1,5",
                  "Bước 1", "Trực tiếp", "Công dân", "UBND cấp xã", "Giấy khai sinh", "Luật A\n\nLuật B\n"])  # fmt: skip
    fields = workbook.create_sheet("fields")
    fields.append(["code", "name"])
    fields.append(["ho-tich", "Hộ tịch"])

    report = import_xlsx(workbook_bytes(workbook))

    assert report.ok, messages(report)
    version = Procedure.objects.get(code="1.001193").current
    assert version.levels == ["commune", "province"]
    assert str(version.processing_time) == "1.5"
    assert version.legal_basis == ["Luật A", "Luật B"]
    assert version.fees == [] and version.time_unit == "days"
    assert version.documents.count() == 0


def test_xlsx_errors_in_the_fees_sheet_point_at_the_fee_row():
    def edit(workbook):
        workbook["fees"]["C2"] = -5000

    report = import_xlsx(edited(factories.document(factories.birth(), factories.building()), edit))
    assert messages(report) == ["fees!C2 (amount): phải là số nguyên (đồng) không âm"]


def test_a_document_row_for_an_unknown_procedure_is_an_error():
    def edit(workbook):
        workbook["documents"]["A3"] = "1.999999"

    report = import_xlsx(edited(factories.document(factories.birth()), edit))
    assert messages(report) == [
        "documents!A3 (procedure_code): không có thủ tục mã «1.999999» trong trang tính procedures"
    ]


def test_a_missing_required_column_is_reported_once():
    def edit(workbook):
        sheet = workbook["procedures"]
        sheet.delete_cols(column_of(sheet, "name"))

    report = import_xlsx(edited(factories.document(factories.birth(), factories.building()), edit))
    assert messages(report) == ["procedures!1 (name): thiếu cột"]


def test_unknown_and_repeated_columns_are_reported_at_the_header():
    def edit(workbook):
        sheet = workbook["procedures"]
        last = sheet.max_column
        sheet.cell(row=1, column=last + 1, value="ghi_chu")
        sheet.cell(row=1, column=last + 2, value="name")

    report = import_xlsx(edited(factories.document(factories.birth()), edit))
    assert messages(report) == [
        "procedures!X1 (ghi_chu): cột không có trong định dạng chinhquyen.catalogue/1",
        "procedures!Y1 (name): cột bị lặp lại",
    ]


def test_formulas_are_refused():
    def edit(workbook):
        workbook["procedures"]["F2"] = "=1+1"

    report = import_xlsx(edited(factories.document(factories.birth()), edit))
    assert messages(report) == [
        "procedures!F2 (processing_time): không được dùng công thức; hãy nhập giá trị"
    ]


def test_a_form_schema_cell_with_broken_json_is_reported_at_its_cell():
    def edit(workbook):
        sheet = workbook["procedures"]
        sheet.cell(row=2, column=column_of(sheet, "form_schema"), value='{"type": "object",}')

    report = import_xlsx(edited(factories.document(factories.birth()), edit))
    assert len(report.errors) == 1
    assert report.errors[0].location == "procedures!V2 (form_schema)"
    assert report.errors[0].message.startswith("JSON không hợp lệ")


def test_a_code_typed_as_a_number_that_lost_its_zeros_is_refused():
    def edit(workbook):
        workbook["procedures"]["A2"] = 2.00012  # what Excel makes of 2.000120

    report = import_xlsx(edited(factories.document(factories.birth(documents=[], fees=[])), edit))
    assert [p.location for p in report.errors] == ["procedures!A2 (code)"]


def test_a_file_that_is_not_a_workbook_is_reported():
    assert messages(import_xlsx(b"not a zip")) == ["file: không đọc được tệp XLSX"]


def test_a_workbook_without_a_procedures_sheet_is_reported():
    assert messages(import_xlsx(workbook_bytes(Workbook()))) == [
        "file: thiếu trang tính «procedures»"
    ]
