"""Who may see and do what, as a matrix of the fixed personas × actions, through the API."""

from __future__ import annotations

import pytest

from chinhquyen.dossiers.services import dossier_act, dossier_submit
from conftest import VALID_FORM, Api

pytestmark = pytest.mark.django_db

PERSONAS = [
    "citizen",
    "citizen2",
    "counter_a",
    "handler_a",
    "leader_a",
    "counter_b",
    "handler_b",
    "sysadmin",
    "outsider",
]


@pytest.fixture
def dossier(world):
    return dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )


# persona -> expected status of GET /api/v1/dossiers/{code}
VIEW = {
    "citizen": 200,
    "citizen2": 404,
    "counter_a": 200,
    "handler_a": 200,
    "leader_a": 200,
    "counter_b": 404,
    "handler_b": 404,
    "sysadmin": 200,
    "outsider": 404,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_can_read_a_dossier(world, dossier, persona):
    resp = Api(getattr(world, persona)).get(f"/api/v1/dossiers/{dossier.code}")
    assert resp.status_code == VIEW[persona]
    if resp.status_code == 404:
        # Another agency's dossier is not found: nothing confirms that it exists.
        assert resp.json()["code"] == "dossier_not_found"
        assert resp["Content-Type"] == "application/problem+json"


def test_anonymous_callers_must_log_in_to_read_a_dossier(world, dossier):
    resp = Api().get(f"/api/v1/dossiers/{dossier.code}")
    assert resp.status_code == 401
    assert resp.json()["code"] == "unauthenticated"


# persona -> expected status of POST .../actions {"action": "accept"} on a newly submitted dossier
ACCEPT = {
    "citizen": 403,
    "citizen2": 404,
    "counter_a": 200,
    "handler_a": 403,
    "leader_a": 403,
    "counter_b": 404,
    "handler_b": 404,
    "sysadmin": 403,
    "outsider": 404,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_can_accept_a_dossier(world, dossier, persona):
    resp = Api(getattr(world, persona)).post(
        f"/api/v1/dossiers/{dossier.code}/actions", {"action": "accept"}
    )
    assert resp.status_code == ACCEPT[persona], resp.content
    dossier.refresh_from_db()
    assert dossier.state == ("accepted" if ACCEPT[persona] == 200 else "submitted")


# action -> the personas allowed to take it in a state where it is possible (everyone else is refused)
ALLOWED = {
    "assign": {"leader_a", "counter_a"},
    "approve": {"leader_a"},
    "request_payment": {"handler_a", "counter_a", "leader_a"},
    "extend": {"leader_a"},
    "stop": {"leader_a"},
    "withdraw": {"citizen", "counter_a"},
}
PARAMS = {
    "assign": {"assignee": "chuyenvien"},
    "extend": {"days": 2},
    "request_payment": {"amount": 10000},
}


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_role_matrix_of_processing_actions(world, dossier, persona, action):
    dossier_act(user=world.counter_a, code=dossier.code, action="accept")
    if action != "assign":
        dossier_act(
            user=world.leader_a,
            code=dossier.code,
            action="assign",
            params={"assignee": "chuyenvien"},
        )
    resp = Api(getattr(world, persona)).post(
        f"/api/v1/dossiers/{dossier.code}/actions",
        {"action": action, "comment": "lý do", "params": PARAMS.get(action, {})},
    )
    if persona in ALLOWED[action]:
        assert resp.status_code == 200, resp.content
    else:
        assert resp.status_code in (403, 404), resp.content
        assert resp.status_code == (403 if VIEW[persona] == 200 else 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_may_look_up_progress_without_personal_data(world, dossier, persona):
    resp = Api(getattr(world, persona)).get(f"/api/v1/dossiers/{dossier.code}/status")
    assert resp.status_code == 200
    text = resp.content.decode()
    for secret in (
        "031090001234",
        "0912345678",
        "congdan",
        "Congdan",
        "Nguyễn Văn Bé",
        "example.vn",
    ):
        assert secret not in text


def test_lists_show_citizens_their_own_and_officers_their_agencys(world, dossier):
    other = dossier_submit(
        user=world.citizen2,
        procedure_code="1.000001",
        agency_id=world.agency_b.agency_id,
        form_data=VALID_FORM,
    )

    def codes(persona):
        return {
            i["code"] for i in Api(getattr(world, persona)).get("/api/v1/dossiers").json()["items"]
        }

    assert codes("citizen") == {dossier.code}
    assert codes("citizen2") == {other.code}
    assert codes("counter_a") == {dossier.code}
    assert codes("counter_b") == {other.code}
    assert codes("outsider") == set()
    assert codes("sysadmin") == {dossier.code, other.code}


def test_a_forwarded_dossier_becomes_visible_to_the_receiving_agency(world, dossier):
    assert Api(world.handler_b).get(f"/api/v1/dossiers/{dossier.code}").status_code == 404
    dossier_act(user=world.counter_a, code=dossier.code, action="accept")
    dossier_act(
        user=world.leader_a, code=dossier.code, action="assign", params={"assignee": "chuyenvien"}
    )
    dossier_act(
        user=world.handler_a,
        code=dossier.code,
        action="forward",
        params={"agency": world.agency_b.agency_id},
    )
    resp = Api(world.handler_b).get(f"/api/v1/dossiers/{dossier.code}")
    assert resp.status_code == 200
    assert [a["code"] for a in resp.json()["actions"]] == ["complete_step"]
