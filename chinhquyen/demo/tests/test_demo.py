"""The demo that `make run` loads: idempotent, documented accounts, a usable catalogue."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.files.uploadedfile import SimpleUploadedFile

from chinhquyen.catalogue.models import Procedure
from chinhquyen.demo.services import DEMO_PASSWORD, DEMO_USERS, demo_load
from chinhquyen.dossiers.forms import form_validate
from conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db, monkeypatch, settings, tmp_path):
    from chinhquyen.dossiers.services import workflow_install_standard

    # The 2019 inspection scenario has its own tests (reporting/tests/test_scenario2019.py) and
    # takes ~10 s to load: here it is only checked that the demo asks for it.
    asked = []
    monkeypatch.setattr(
        "chinhquyen.reporting.scenario2019.scenario2019_load",
        lambda stdout=None: asked.append(stdout) or {"loaded": False, "reason": "not in this test"},
    )
    # The developer profile's key passphrase: the demo's leader and seal sign with key files.
    settings.SIGNATURES_KEY_PASSPHRASE = "chinhquyen-demo-keys"
    settings.SIGNATURES_KEY_DIR = str(tmp_path / "keys")
    settings.SIGNATURES_DEFAULT_LEVEL = "B-B"
    settings.SIGNATURES_TSA_URL = ""
    settings.MEDIA_ROOT = tmp_path / "media"
    workflow_install_standard()
    loaded = demo_load()
    assert asked
    return loaded


def test_the_demo_loads_twice_without_duplicates(demo):
    again = demo_load()
    assert again["users_created"] == [] and again["dossiers"] == []
    assert Procedure.objects.count() >= 30
    assert len(demo["dossiers"]) == 8


def test_the_demo_inboxes_show_dossiers_in_several_states(demo):
    api = Api(authenticate(username="motcua", password=DEMO_PASSWORD), DEMO_PASSWORD)
    states = {item["status"] for item in api.get("/api/v1/dossiers").json()["items"]}
    assert {"submitted", "accepted", "in_process", "supplement_requested", "done"} <= states
    leader = Api(authenticate(username="lanhdao", password=DEMO_PASSWORD), DEMO_PASSWORD)
    waiting = [
        i
        for i in leader.get("/api/v1/dossiers").json()["items"]
        if i["status"] == "pending_approval"
    ]
    assert len(waiting) == 3  # a batch to sign from the inbox
    mine = Api(authenticate(username="congdan", password=DEMO_PASSWORD), DEMO_PASSWORD)
    assert mine.get("/api/v1/dossiers").json()["count"] == 8
    other = Api(authenticate(username="motcua2", password=DEMO_PASSWORD), DEMO_PASSWORD)
    assert other.get("/api/v1/dossiers").json()["count"] == 0


def test_every_documented_account_logs_in_with_its_role(demo):
    for username, _name, roles, agency_key, _extra in DEMO_USERS:
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        me = Api(user, DEMO_PASSWORD).get("/api/v1/me").json()
        assert set(roles) <= set(me["roles"])
        if agency_key:
            assert me["agency"]["id"] == demo["agencies"][agency_key].agency_id
    motcua = (
        Api(authenticate(username="motcua", password=DEMO_PASSWORD), DEMO_PASSWORD)
        .get("/api/v1/me")
        .json()
    )
    motcua2 = (
        Api(authenticate(username="motcua2", password=DEMO_PASSWORD), DEMO_PASSWORD)
        .get("/api/v1/me")
        .json()
    )
    assert motcua["agency"]["id"] != motcua2["agency"]["id"]


def test_every_demo_procedure_is_offered_somewhere_and_its_example_form_is_valid(demo):
    for procedure in Procedure.objects.select_related("current").prefetch_related("agencies"):
        assert procedure.agencies.exists(), procedure.code
        version = procedure.current
        example = version.form_schema["examples"][0]
        form_validate(
            version_id=version.pk,
            stamp=version.created_at,
            schema=version.form_schema,
            data=example,
        )


def test_the_catalogue_covers_commune_and_province_levels(demo):
    levels = [lvl for p in Procedure.objects.select_related("current") for lvl in p.current.levels]
    assert levels.count("commune") >= 15 and levels.count("province") >= 10


def test_a_demo_citizen_applies_for_a_birth_registration_and_the_demo_officers_process_it(demo):
    commune = demo["agencies"]["commune_a"].agency_id
    found = Api().get("/api/v1/procedures?q=dang ky khai sinh").json()["items"]
    birth = next(p for p in found if p["code"] == "1.001193")
    detail = Api().get(f"/api/v1/procedures/{birth['code']}").json()
    citizen = Api(authenticate(username="congdan", password=DEMO_PASSWORD), DEMO_PASSWORD)
    resp = citizen.post(
        "/api/v1/dossiers",
        {
            "procedure": birth["code"],
            "agency": commune,
            "form_data": detail["form_schema"]["examples"][0],
        },
    )
    assert resp.status_code == 201, resp.content
    code = resp.json()["code"]

    def act(username, action, **params):
        api = Api(authenticate(username=username, password=DEMO_PASSWORD), DEMO_PASSWORD)
        r = api.post(
            f"/api/v1/dossiers/{code}/actions", {"action": action, "comment": "ok", **params}
        )
        assert r.status_code == 200, r.content
        return r.json()

    from chinhquyen.demo.services import demo_result_pdf
    from chinhquyen.dossiers.results import result_official
    from chinhquyen.dossiers.selectors import dossier_get_for_user
    from chinhquyen.signatures.batches import signing_batch_start
    from chinhquyen.signatures.validation import validate_pdf

    def user(username):
        return authenticate(username=username, password=DEMO_PASSWORD)

    act("motcua", "accept")
    act("lanhdao", "assign", assignee="chuyenvien")
    handler = Api(user("chuyenvien"), DEMO_PASSWORD)
    upload = handler.upload(
        f"/api/v1/dossiers/{code}/files",
        {
            "document": "result",
            "file": SimpleUploadedFile(
                "giay-khai-sinh.pdf",
                demo_result_pdf(title="Giấy khai sinh", lines=["Cấp cho: Nguyễn Văn Bé"]),
                content_type="application/pdf",
            ),
        },
    )
    assert upload.status_code == 201, upload.content
    act("chuyenvien", "submit_for_approval")
    for username, purpose in (("lanhdao", "approve"), ("motcua", "seal")):
        batch = signing_batch_start(user=user(username), codes=[code], purpose=purpose)
        assert batch.items.get().state == "done", batch.items.get().message
    official = result_official(dossier=dossier_get_for_user(user=user("congdan"), code=code))
    with official.file.open("rb") as fh:
        assert validate_pdf(fh.read()).decree30_ok
    assert act("motcua", "return_result")["status_code"] == 10
    assert (
        Api(authenticate(username="motcua2", password=DEMO_PASSWORD), DEMO_PASSWORD)
        .get(f"/api/v1/dossiers/{code}")
        .status_code
        == 404
    )


def test_a_step_forwarded_to_the_other_demo_agency_is_answered_by_its_handler_and_leader(demo):
    def api(username):
        return Api(authenticate(username=username, password=DEMO_PASSWORD), DEMO_PASSWORD)

    commune_b = demo["agencies"]["commune_b"].agency_id
    handler = api("chuyenvien")
    # The dossier with the most time left: a step may not be due after its dossier.
    code = max(
        (i for i in handler.get("/api/v1/dossiers").json()["items"] if i["status"] == "in_process"),
        key=lambda item: item["due_at"],
    )["code"]
    for answerer in ("chuyenvien2", "lanhdao2"):
        forwarded = handler.post(
            f"/api/v1/dossiers/{code}/actions",
            {
                "action": "forward",
                "comment": "Xin ý kiến xác minh",
                "agency": commune_b,
                "days": "0.5",
            },
        )
        assert forwarded.status_code == 200, forwarded.content
        other = api(answerer)
        detail = other.get(f"/api/v1/dossiers/{code}").json()
        assert "complete_step" in [a["code"] for a in detail["actions"]], answerer
        # The counter officer of that agency sees it but may not answer.
        counter = api("motcua2").get(f"/api/v1/dossiers/{code}").json()
        assert "complete_step" not in [a["code"] for a in counter["actions"]]
        answered = other.post(
            f"/api/v1/dossiers/{code}/actions",
            {"action": "complete_step", "comment": "Thông tin đúng với hồ sơ lưu."},
        )
        assert answered.status_code == 200, answered.content
        steps = answered.json()["steps"]
        assert steps[-1]["completed_at"] and steps[-1]["answer"] == "Thông tin đúng với hồ sơ lưu."
