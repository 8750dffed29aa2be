"""The JSON API contract of issue #2: shapes, status codes, problem+json errors and uploads."""

from __future__ import annotations

import pytest

from chinhquyen.dossiers.api import DossierIn, submission_data
from chinhquyen.dossiers.models import Dossier, DossierFile
from conftest import VALID_FORM, Api

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def body(world, **kw):
    return {
        "procedure": "1.000001",
        "agency": world.agency_a.agency_id,
        "form_data": VALID_FORM,
        **kw,
    }


def problem(resp, status, code=None):
    assert resp.status_code == status, resp.content
    assert resp["Content-Type"] == "application/problem+json"
    data = resp.json()
    assert data["status"] == status and data["title"] and data["type"].endswith(data["code"])
    if code:
        assert data["code"] == code
    return data


def test_answers_are_utf8_json_with_their_charset_said(world):
    """A created answer (201) and a read (200, through ninja's temporal response): the same
    Content-Type, and Vietnamese as UTF-8 bytes, not escapes."""
    created = Api(world.citizen).post("/api/v1/dossiers", body(world))
    status = Api(None).get(f"/api/v1/dossiers/{created.json()['code']}/status")
    for resp, code in ((created, 201), (status, 200)):
        assert resp.status_code == code
        assert resp["Content-Type"] == "application/json; charset=utf-8"
        assert world.agency_a.name.encode() in resp.content
        assert resp.json()["agency_name"] == world.agency_a.name


def test_token_then_me_for_an_officer_and_a_citizen(world):
    me = Api(world.counter_a).get("/api/v1/me").json()
    assert me["username"] == "motcua" and me["roles"] == ["counter"]
    assert me["agency"] == {"id": "000.01.31.H26", "name": "UBND phường Thử Nghiệm A"}
    me = Api(world.citizen).get("/api/v1/me").json()
    assert me["roles"] == ["citizen"] and me["agency"] is None


def test_a_wrong_password_gets_a_401_problem(world):
    resp = Api().post("/api/v1/auth/token", {"username": "motcua", "password": "nope"})
    problem(resp, 401, "invalid_credentials")


def test_a_bad_or_missing_bearer_token_is_401(world):
    api = Api()
    problem(api.get("/api/v1/me"), 401, "unauthenticated")
    api.headers["Authorization"] = "Bearer not-a-token"
    problem(api.get("/api/v1/me"), 401, "unauthenticated")


def test_submitting_returns_201_with_code_and_status(world):
    resp = Api(world.citizen).post("/api/v1/dossiers", body(world))
    assert resp.status_code == 201
    data = resp.json()
    assert (
        data["code"].startswith("000.01.31.H26-")
        and data["status"] == "submitted"
        and data["status_code"] == 1
    )


def test_missing_fields_and_wrong_types_are_field_errors(world):
    data = problem(
        Api(world.citizen).post("/api/v1/dossiers", {"agency": 5, "form_data": "x"}),
        422,
        "validation_failed",
    )
    assert {"procedure", "form_data"} <= set(data["fields"])
    assert all({"field", "message"} <= set(e) for e in data["errors"])


def test_malformed_json_is_a_400_problem_not_a_crash(world):
    api = Api(world.citizen)
    resp = api.client.post(
        "/api/v1/dossiers", data="{not json", content_type="application/json", headers=api.headers
    )
    problem(resp, 400, "malformed_request")
    assert not Dossier.objects.exists()


def test_form_errors_name_the_field_of_the_form(world):
    data = problem(
        Api(world.citizen).post("/api/v1/dossiers", body(world, form_data={"ho_ten": ""})),
        422,
        "form_invalid",
    )
    assert "form_data.ngay_sinh" in data["fields"] and "form_data.ho_ten" in data["fields"]


def test_public_status_has_the_documented_fields_and_404_for_unknown_codes(world):
    code = Api(world.citizen).post("/api/v1/dossiers", body(world)).json()["code"]
    data = Api().get(f"/api/v1/dossiers/{code}/status").json()
    assert {
        "code",
        "status",
        "status_code",
        "procedure",
        "agency",
        "received_at",
        "due_at",
        "finished_at",
        "on_time",
    } <= set(data)
    assert data["procedure"] == "1.000001" and data["agency"] == "000.01.31.H26"
    assert data["received_at"] is None and data["on_time"] is None
    problem(
        Api().get("/api/v1/dossiers/000.01.31.H26-260101-9999/status"), 404, "dossier_not_found"
    )


def test_detail_carries_everything_and_the_history(world):
    officer = Api(world.counter_a)
    code = Api(world.citizen).post("/api/v1/dossiers", body(world)).json()["code"]
    resp = officer.post(
        f"/api/v1/dossiers/{code}/actions", {"action": "accept", "comment": "Đủ hồ sơ"}
    )
    assert resp.status_code == 200
    data = officer.get(f"/api/v1/dossiers/{code}").json()
    assert data["status"] == "accepted" and data["status_code"] == 2
    assert data["due_at"] and data["received_at"] and data["on_time"] is True
    assert data["applicant"]["id_number"] == "031090001234"
    assert [h["action"] for h in data["history"]] == ["submit", "accept"]
    assert data["history"][1]["actor"] == "motcua" and data["history"][1]["comment"] == "Đủ hồ sơ"
    assert {a["code"] for a in data["actions"]} == {"request_supplement", "assign", "withdraw"}


def test_action_parameters_may_be_given_at_the_top_level(world):
    code = Api(world.citizen).post("/api/v1/dossiers", body(world)).json()["code"]
    Api(world.counter_a).post(f"/api/v1/dossiers/{code}/actions", {"action": "accept"})
    resp = Api(world.leader_a).post(
        f"/api/v1/dossiers/{code}/actions", {"action": "assign", "assignee": "chuyenvien"}
    )
    assert resp.status_code == 200 and resp.json()["assignee"] == "chuyenvien"


def test_refused_actions_explain_why(world):
    code = Api(world.citizen).post("/api/v1/dossiers", body(world)).json()["code"]
    data = problem(
        Api(world.leader_a).post(f"/api/v1/dossiers/{code}/actions", {"action": "approve"}),
        409,
        "action_not_allowed_in_state",
    )
    assert data["state"] == "submitted" and "accept" in data["allowed_actions"]
    data = problem(
        Api(world.handler_a).post(f"/api/v1/dossiers/{code}/actions", {"action": "accept"}),
        403,
        "action_not_allowed_for_role",
    )
    assert data["required_roles"] == ["counter"]


@pytest.mark.parametrize(
    "content,ctype", [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")]
)
def test_uploads_are_typed_by_their_content(world, content, ctype, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    code = Api(world.citizen).post("/api/v1/dossiers", body(world)).json()["code"]
    resp = Api(world.citizen).upload(
        f"/api/v1/dossiers/{code}/files",
        {
            "file": SimpleUploadedFile(
                "giay-to.bin", content, content_type="application/octet-stream"
            ),
            "document": "to-khai",
        },
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["content_type"] == ctype
    detail = Api(world.citizen).get(f"/api/v1/dossiers/{code}").json()
    assert detail["files"][0]["document"] == "to-khai"


@pytest.mark.parametrize(
    "name,content,document,code",
    [
        ("virus.pdf", b"MZ\x90\x00 not a pdf", "to-khai", "file_type_not_allowed"),
        ("trong.pdf", b"", "to-khai", "file_empty"),
        ("cut.pdf", b"%PDF-1.4\n1 0 obj", "to-khai", "file_corrupt"),
        ("ok.pdf", PDF, "khong-co", "validation_failed"),
    ],
)
def test_a_rejected_upload_leaves_the_dossier_as_it_was(world, name, content, document, code):
    from django.core.files.uploadedfile import SimpleUploadedFile

    code_ = Api(world.citizen).post("/api/v1/dossiers", body(world)).json()["code"]
    before = Dossier.objects.get(code=code_)
    resp = Api(world.citizen).upload(
        f"/api/v1/dossiers/{code_}/files",
        {"file": SimpleUploadedFile(name, content), "document": document},
    )
    problem(resp, 422, code)
    after = Dossier.objects.get(code=code_)
    assert after.updated_at == before.updated_at and after.history_length == before.history_length
    assert not DossierFile.objects.exists()


def test_uploads_over_the_size_or_count_limit_are_refused(world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.UPLOAD_MAX_BYTES = 100
    settings.UPLOAD_MAX_FILES_PER_DOSSIER = 1
    api = Api(world.citizen)
    code = api.post("/api/v1/dossiers", body(world)).json()["code"]
    big = PDF + b"x" * 200 + b"%%EOF"
    problem(
        api.upload(f"/api/v1/dossiers/{code}/files", {"file": SimpleUploadedFile("a.pdf", big)}),
        422,
        "file_too_large",
    )
    assert (
        api.upload(
            f"/api/v1/dossiers/{code}/files", {"file": SimpleUploadedFile("a.pdf", PDF)}
        ).status_code
        == 201
    )
    problem(
        api.upload(f"/api/v1/dossiers/{code}/files", {"file": SimpleUploadedFile("b.pdf", PDF)}),
        422,
        "too_many_files",
    )
    assert DossierFile.objects.count() == 1


def test_another_agencys_officer_cannot_upload(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    code = Api(world.citizen).post("/api/v1/dossiers", body(world)).json()["code"]
    resp = Api(world.counter_b).upload(
        f"/api/v1/dossiers/{code}/files", {"file": SimpleUploadedFile("a.pdf", PDF)}
    )
    problem(resp, 404, "dossier_not_found")


def test_openapi_document_is_served(world):
    spec = Api().get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/dossiers",
        "/api/v1/dossiers/{code}/status",
        "/api/v1/dossiers/{code}/actions",
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/procedures",
        "/api/v1/calendar/due-date",
    ):
        assert path in spec["paths"], path


def test_the_dossier_list_does_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    from chinhquyen.dossiers.services import dossier_submit

    for _ in range(30):
        dossier_submit(
            user=world.citizen,
            procedure_code="1.000001",
            agency_id=world.agency_a.agency_id,
            form_data=VALID_FORM,
        )
    api = Api(world.counter_a)
    with django_assert_max_num_queries(6):
        resp = api.get("/api/v1/dossiers?page_size=100")
    assert resp.json()["count"] == 30 and len(resp.json()["items"]) == 30


def test_public_status_lookup_is_a_single_query(world, django_assert_num_queries):
    from chinhquyen.dossiers.services import dossier_submit
    from chinhquyen.dossiers.workflow import workflow_spec

    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    workflow_spec(d.workflow_id)  # warm the in-process workflow snapshot
    # the dossier, then its procedure version's and its agency's names
    with django_assert_num_queries(3):
        assert Api().get(f"/api/v1/dossiers/{d.code}/status").status_code == 200
    with django_assert_num_queries(1):  # the names are cached: only the dossier is read
        assert Api().get(f"/api/v1/dossiers/{d.code}/status").status_code == 200


def test_the_list_puts_open_dossiers_first_and_the_most_urgent_on_top(world):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from chinhquyen.dossiers.services import dossier_act, dossier_submit

    vn = ZoneInfo("Asia/Ho_Chi_Minh")

    def new(day):
        return dossier_submit(
            user=world.citizen,
            procedure_code="1.000001",
            agency_id=world.agency_a.agency_id,
            form_data=VALID_FORM,
            at=datetime(2026, 3, day, 9, tzinfo=vn),
        )

    not_yet_accepted, later, sooner, closed = new(2), new(3), new(4), new(5)
    dossier_act(
        user=world.counter_a,
        code=later.code,
        action="accept",
        at=datetime(2026, 3, 6, 9, tzinfo=vn),
    )
    dossier_act(
        user=world.counter_a,
        code=sooner.code,
        action="accept",
        at=datetime(2026, 3, 5, 9, tzinfo=vn),
    )
    dossier_act(user=world.counter_a, code=closed.code, action="refuse", comment="Sai thẩm quyền")
    items = Api(world.counter_a).get("/api/v1/dossiers").json()["items"]
    assert [i["code"] for i in items] == [
        sooner.code,
        later.code,
        not_yet_accepted.code,
        closed.code,
    ]


def test_the_sweep_removes_files_left_by_a_rolled_back_submission_and_keeps_the_rest(world):
    import os
    import time

    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.db import transaction

    from chinhquyen.dossiers.services import dossier_file_add, dossier_submit

    storage = DossierFile.file.field.storage
    kept = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    kept_file = dossier_file_add(
        user=world.citizen, code=kept.code, document_code="to-khai", name="giu.pdf", content=PDF
    )
    orphan = storage.save(f"dossiers/2026/03/{kept.code}/orphan-mat.pdf", ContentFile(PDF))
    fresh = storage.save(f"dossiers/2026/03/{kept.code}/dang-ghi.pdf", ContentFile(PDF))
    old = time.time() - 7200
    for name in (orphan, kept_file.file.name):
        os.utime(storage.path(name), (old, old))
    with transaction.atomic():
        call_command("dossier_files_sweep", "--grace-minutes", "60")
    assert not storage.exists(orphan), "an old file no row refers to is removed"
    assert storage.exists(kept_file.file.name), "a referenced file stays, however old"
    assert storage.exists(fresh), "a recent file may belong to a transaction in progress"
    storage.delete(fresh)


def test_public_lookup_statement_reads_what_the_orm_reads(world):
    """The public lookup runs a hand-written statement: it must return the ORM's values,
    converted by the backend (aware datetimes on SQLite too), for each code it is given."""
    from chinhquyen.dossiers.models import Dossier
    from chinhquyen.dossiers.selectors import _PUBLIC_FIELDS, dossier_get_public
    from chinhquyen.dossiers.services import dossier_act, dossier_submit

    first, second = (
        dossier_submit(
            user=world.citizen,
            procedure_code="1.000001",
            agency_id=world.agency_a.agency_id,
            form_data=VALID_FORM,
        )
        for _ in range(2)
    )
    dossier_act(user=world.counter_a, code=second.code, action="accept")
    for d in (first, second, first):
        got = dossier_get_public(code=d.code)
        want = Dossier.objects.filter(code=d.code).values(*_PUBLIC_FIELDS).get()
        assert {k: getattr(got, k) for k in want if "__" not in k} == {
            k: v for k, v in want.items() if "__" not in k
        }
        assert got.agency.agency_id == d.agency.agency_id and got.agency.name == d.agency.name
        assert got.procedure_version.name == d.procedure_version.name
        assert got.procedure.code == d.procedure.code
    assert dossier_get_public(code=second.code).received_at.tzinfo is not None
    assert dossier_get_public(code=first.code).received_at is None


def test_a_renamed_agency_shows_in_the_public_lookup_within_a_minute(world, monkeypatch):
    from chinhquyen.core import proccache
    from chinhquyen.dossiers import selectors
    from chinhquyen.dossiers.services import dossier_submit
    from chinhquyen.units.models import Agency

    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    assert Api().get(f"/api/v1/dossiers/{d.code}/status").json()["agency_name"] == d.agency.name
    Agency.objects.filter(pk=d.agency_id).update(name="UBND phường Mới")
    clock = [proccache.time.monotonic()]
    monkeypatch.setattr(proccache.time, "monotonic", lambda: clock[0])
    clock[0] += selectors.AGENCY_NAMES_TTL + 1
    assert Api().get(f"/api/v1/dossiers/{d.code}/status").json()["agency_name"] == "UBND phường Mới"


@pytest.mark.parametrize(
    "body",
    [
        {"procedure": "1.000001", "agency": "000.01.31.H26", "form_data": VALID_FORM},
        {
            "procedure": "1.000001",
            "agency": "000.01.31.H26",
            "form_data": {"a": {"b": [1, 2.5, None, "chữ"]}},
            "channel": 1,
            "applicant": {"name": "Trần Thị B", "id_number": "031090001234"},
        },
    ],
)
def test_the_submission_reads_the_body_as_the_schema_dumps_it(body):
    """The view skips ``payload.dict()`` (a deep copy of the e-form); what it reads instead is
    the same, so the idempotency fingerprint and the stored form are too. A field added to the
    schema and forgotten there fails this."""
    payload = DossierIn.model_validate(body)
    assert submission_data(payload) == payload.dict()


def test_no_api_route_is_shadowed_by_one_tried_before_it():
    """Django tries the API's routes in order (the dossiers' first, config/api.py): a path of
    each route, with sample values for its parameters, resolves to that route."""
    import re
    import uuid

    from django.urls import resolve

    from config.api import api

    samples = {"int": "7", "str": "x-1", "slug": "x-1", "uuid": str(uuid.uuid4()), "path": "a/b"}
    checked = 0
    for pattern in api.urls[0]:
        route = str(pattern.pattern)
        sample = re.sub(r"<(?:(\w+):)?\w+>", lambda m: samples[m.group(1) or "str"], route)
        match = resolve(f"/api/v1/{sample}")
        assert match.route == f"api/v1/{route}", (route, match.route)
        checked += 1
    assert checked > 40


def test_an_upload_with_a_183_letter_vietnamese_name_is_accepted_under_that_name(world, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from chinhquyen.dossiers.models import DossierFile

    name = "Giấy chứng nhận quyền sử dụng đất " * 5 + "bản chính.pdf"
    assert len(name) >= 180 and len(name.encode()) > 255
    citizen = api(world.citizen)
    code = citizen.post("/api/v1/dossiers", body(world)).json()["code"]
    resp = citizen.upload(
        f"/api/v1/dossiers/{code}/files",
        {"file": SimpleUploadedFile(name, PDF, "application/pdf"), "document": "to-khai"},
    )
    assert resp.status_code == 201, resp.content[:300]
    assert DossierFile.objects.get(dossier__code=code).name == name
