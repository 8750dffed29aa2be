import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from chinhquyen.catalogue.models import Procedure
from chinhquyen.catalogue.services import catalogue_export_json, procedure_link_agencies

from . import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/procedures"
PROBLEM = "application/problem+json"
PASSWORD = "test-pass-123"  # noqa: S105


@pytest.fixture
def catalogue(load_json, agencies):
    load_json(factories.document(factories.birth(), factories.building(), factories.marriage()))
    procedure_link_agencies(
        procedure=Procedure.objects.get(code="1.009972"), agencies=[agencies["so"]]
    )


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(username="staff", password=PASSWORD, is_staff=True)


@pytest.fixture
def outsider(django_user_model):
    return django_user_model.objects.create_user(username="outsider", password=PASSWORD)


@pytest.fixture
def system_admin(db):
    from chinhquyen.accounts.services import user_create

    return user_create(
        username="qtht", password=PASSWORD, full_name="Quản trị hệ thống", roles=["system_admin"]
    )


def logged_in(client, user):
    client.force_login(user)
    return client


# --- list -----------------------------------------------------------------------------------------


def test_the_list_gives_items_of_the_documented_shape(client, catalogue):
    body = client.get(URL).json()

    assert (body["count"], body["page"], body["page_size"]) == (3, 1, 20)
    assert body["items"][1] == {
        "code": "1.001193",
        "name": "Thủ tục đăng ký khai sinh",
        "online_mode": "full",
        "processing_days": 1,
        "time_unit": "days",
        "field": {"code": "ho-tich", "name": "Hộ tịch"},
        "levels": ["commune"],
        "version": 1,
    }
    assert body["items"][0]["processing_days"] == 1.5
    assert body["items"][0]["time_unit"] == "hours"


def test_the_list_filters_by_words_agency_field_and_online_mode(client, catalogue, agencies):
    def codes(**params):
        return [item["code"] for item in client.get(URL, params).json()["items"]]

    assert codes(q="GIAY PHEP xay dung") == ["1.009972"]
    assert codes(agency=agencies["xa_a"].agency_id) == ["1.001193"]
    assert codes(field="ho-tich", online_mode="full") == ["1.000894", "1.001193"]
    assert codes(online_mode="partial", agency="", field="") == ["1.009972"]


def test_the_list_pages_through_the_results(client, load_json):
    load_json(factories.document(*(factories.numbered(n) for n in range(1, 26))))

    body = client.get(URL, {"page": 2, "page_size": 10}).json()
    assert body["count"] == 25
    assert [item["code"] for item in body["items"]] == [f"TEST-{n:04d}" for n in range(11, 21)]
    assert len(client.get(URL).json()["items"]) == 20
    assert client.get(URL, {"page": 4, "page_size": 10}).json()["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": "abc"}, "page"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
        ({"online_mode": "level4"}, "online_mode"),
    ],
)
def test_bad_paging_or_filters_are_a_422_problem(client, catalogue, params, field):
    response = client.get(URL, params)

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == "validation_failed"
    assert field in body["fields"], body


def test_the_list_runs_a_bounded_number_of_queries(
    client, load_json, django_assert_max_num_queries
):
    load_json(factories.document(*(factories.numbered(n) for n in range(1, 51))))

    with django_assert_max_num_queries(2):
        body = client.get(URL, {"page_size": 100}).json()

    assert body["count"] == 50 and len(body["items"]) == 50


# --- detail ---------------------------------------------------------------------------------------


def test_the_detail_gives_everything_of_the_current_version(
    client, catalogue, agencies, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = client.get(f"{URL}/1.001193")

    assert response.status_code == 200
    body = response.json()
    birth = factories.birth()
    assert body == {
        "code": "1.001193",
        "name": birth["name"],
        "online_mode": "full",
        "processing_days": 1,
        "time_unit": "days",
        "field": {"code": "ho-tich", "name": "Hộ tịch"},
        "levels": ["commune"],
        "version": 1,
        "legacy_level": 4,
        "steps": birth["steps"],
        "method": birth["method"],
        "processing_time_note": birth["processing_time_note"],
        "applicants": birth["applicants"],
        "implementing_agency": birth["implementing_agency"],
        "result_type": birth["result_type"],
        "requirements": "",
        "documents": birth["documents"],
        "fees": birth["fees"],
        "total_fee": 0,
        "form_schema": factories.FORM,
        "legal_basis": birth["legal_basis"],
        "decision_number": "1234/QĐ-BTP",
        "decision_date": "2025-06-20",
        "effective_from": "2025-07-01",
        "effective_to": None,
        "agency_kinds": ["ubnd_xa"],
        "agencies": [
            {"id": agencies["xa_a"].agency_id, "name": agencies["xa_a"].name},
            {"id": agencies["xa_b"].agency_id, "name": agencies["xa_b"].name},
        ],
    }


def test_the_total_fee_adds_up_the_fees(client, load_json):
    fees = [
        {"name": "Phí", "amount": 75000, "note": ""},
        {"name": "Lệ phí", "amount": 25000, "note": "x"},
    ]
    load_json(factories.document(factories.building(fees=fees)))

    body = client.get(f"{URL}/1.009972").json()
    assert body["total_fee"] == 100000
    assert body["fees"] == fees


def test_an_unknown_code_is_a_404_problem(client, catalogue):
    response = client.get(f"{URL}/9.999999")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == "procedure_not_found"
    assert body["status"] == 404
    assert "9.999999" in body["title"]


# --- export and import (administrators) -----------------------------------------------------------


def test_export_and_import_need_a_login(client, catalogue):
    assert client.get(f"{URL}/export").status_code == 401
    response = client.post(f"{URL}/import", {"file": SimpleUploadedFile("c.json", b"{}")})
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM


def test_export_and_import_are_refused_to_other_users(client, catalogue, outsider):
    logged_in(client, outsider)

    response = client.get(f"{URL}/export")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert (
        client.post(f"{URL}/import", {"file": SimpleUploadedFile("c.json", b"{}")}).status_code
        == 403
    )


def test_staff_export_the_catalogue_as_json(client, catalogue, staff):
    response = logged_in(client, staff).get(f"{URL}/export")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert 'filename="catalogue-' in response["Content-Disposition"]
    assert json.loads(response.content) == catalogue_export_json()


def test_a_system_admin_exports_the_catalogue_as_xlsx(client, catalogue, system_admin):
    response = logged_in(client, system_admin).get(f"{URL}/export", {"format": "xlsx"})

    assert response.status_code == 200
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["procedures", "documents", "fees", "fields"]
    assert [row[0] for row in workbook["procedures"].iter_rows(min_row=2, values_only=True)] == [
        "1.000894", "1.001193", "1.009972",
    ]  # fmt: skip


def test_export_works_with_a_bearer_token(client, catalogue, staff):
    from chinhquyen.accounts.services import token_issue

    raw, _token = token_issue(username="staff", password=PASSWORD)
    response = client.get(f"{URL}/export", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200


def test_an_unknown_export_format_is_a_422_problem(client, catalogue, staff):
    response = logged_in(client, staff).get(f"{URL}/export", {"format": "csv"})
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM


def upload(name: str, doc) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, json.dumps(doc, ensure_ascii=False).encode(), content_type="application/json"
    )


def test_staff_import_a_file_and_get_the_report(client, staff):
    doc = factories.document(factories.birth(), factories.building())

    response = logged_in(client, staff).post(
        f"{URL}/import", {"file": upload("catalogue.json", doc)}
    )

    assert response.status_code == 200
    assert response.json() == {
        "file_name": "catalogue.json",
        "dry_run": False,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "fields_created": 2,
        "fields_updated": 0,
    }
    assert Procedure.objects.get(code="1.001193").current.created_by == staff


def test_a_dry_run_import_writes_nothing(client, staff):
    doc = factories.document(factories.birth())

    response = logged_in(client, staff).post(
        f"{URL}/import", {"file": upload("c.json", doc), "dry_run": "true"}
    )

    assert response.status_code == 200
    assert response.json()["dry_run"] is True and response.json()["created"] == 1
    assert not Procedure.objects.exists()


def test_a_bad_file_is_a_422_problem_listing_every_error_with_its_location(client, staff):
    doc = factories.document(factories.birth(processing_time=0), factories.building(levels=["x"]))

    response = logged_in(client, staff).post(
        f"{URL}/import", {"file": upload("catalogue.json", doc)}
    )

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == "catalogue_import_failed"
    assert body["errors"] == [
        {"field": "procedures[0].processing_time", "message": "phải lớn hơn 0"},
        {
            "field": "procedures[1].levels[0]",
            "message": "giá trị «x» không hợp lệ; dùng central, province, commune",
        },
    ]
    assert not Procedure.objects.exists()


def test_xlsx_import_errors_name_the_cell(client, staff):
    from .xlsx import edited

    content = edited(
        factories.document(factories.birth()), lambda wb: wb["procedures"].__setitem__("F2", -1)
    )

    response = logged_in(client, staff).post(
        f"{URL}/import", {"file": SimpleUploadedFile("catalogue.xlsx", content)}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "procedures!F2 (processing_time)", "message": "phải lớn hơn 0"}
    ]


def test_import_without_a_file_is_a_422_problem(client, staff):
    response = logged_in(client, staff).post(f"{URL}/import", {})
    assert response.status_code == 422
    assert "file" in response.json()["fields"]


def test_a_search_says_what_else_it_searched_for_and_the_corrected_query(client, load_json):
    from pathlib import Path

    demo = Path(__file__).resolve().parents[1] / "fixtures" / "demo_catalogue.json"
    load_json(json.loads(demo.read_text()))

    body = client.get(URL, {"q": "cong chung ban sao"}).json()
    assert body["items"][0]["code"] == "2.000815"
    assert [(e["phrase"], e["target"]) for e in body["also_searched"]] == [
        ("công chứng", "chứng thực")
    ]
    assert "công chứng" in body["also_searched"][0]["note"]
    assert client.get(URL, {"q": "khai snh"}).json()["corrected"] == "khai sinh"
    plain = client.get(URL).json()
    assert plain["also_searched"] == [] and plain["corrected"] == ""
