"""The citizen withdraws a dossier from "Hồ sơ của tôi" (the workflow's ``withdraw`` action,
which the standard workflow lets the applicant take until a result exists)."""

from __future__ import annotations

import pytest
from django.test import Client

from chinhquyen.dossiers.models import Dossier
from chinhquyen.dossiers.services import dossier_act, dossier_submit
from conftest import PASSWORD, VALID_FORM

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def submit(world) -> Dossier:
    return dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )


def test_the_detail_offers_withdrawal_while_the_workflow_allows_it(world):
    dossier = submit(world)
    client = client_for(world.citizen)
    url = f"/ho-so-cua-toi/{dossier.code}/"
    assert f'href="{url}rut/"' in client.get(url).content.decode()

    dossier_act(user=world.counter_a, code=dossier.code, action="accept")
    assert f'href="{url}rut/"' in client.get(url).content.decode()


def test_withdrawing_asks_for_confirmation_then_ends_the_dossier_with_the_reason(world):
    dossier = submit(world)
    dossier_act(user=world.counter_a, code=dossier.code, action="accept")
    client = client_for(world.citizen)
    url = f"/ho-so-cua-toi/{dossier.code}/rut/"

    page = client.get(url)
    assert page.status_code == 200
    assert "Xác nhận rút hồ sơ" in page.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == "accepted"  # opening the page changes nothing

    response = client.post(url, {"comment": "Đã làm thủ tục ở nơi khác."})

    assert response.status_code == 302
    assert response["Location"] == f"/ho-so-cua-toi/{dossier.code}/?da_rut=1"
    dossier.refresh_from_db()
    assert (dossier.state, dossier.status_code) == ("withdrawn", 7)
    event = dossier.events.get(action="withdraw")
    assert (event.actor, event.actor_role, event.comment) == (
        world.citizen,
        "citizen",
        "Đã làm thủ tục ở nơi khác.",
    )
    html = client.get(response["Location"]).content.decode()
    assert "Đã rút hồ sơ." in html and 'rut/"' not in html
    assert "<strong>Nộp hồ sơ</strong>" in html and "<strong>Rút hồ sơ</strong>" in html


def test_a_dossier_with_a_result_cannot_be_withdrawn(world):
    dossier = submit(world)
    for user, action, params in (
        (world.counter_a, "accept", {}),
        (world.leader_a, "assign", {"assignee": "chuyenvien"}),
        (world.leader_a, "approve", {}),
        (world.handler_a, "finish", {}),
    ):
        dossier_act(user=user, code=dossier.code, action=action, params=params)
    client = client_for(world.citizen)

    assert 'rut/"' not in client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    response = client.post(f"/ho-so-cua-toi/{dossier.code}/rut/")
    assert response.status_code == 409
    assert "không thể rút ở trạng thái hiện tại" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == "done"


def test_only_the_owner_may_withdraw(world):
    dossier = submit(world)
    assert client_for(world.citizen2).post(f"/ho-so-cua-toi/{dossier.code}/rut/").status_code == 404
    assert (
        client_for(world.counter_a).post(f"/ho-so-cua-toi/{dossier.code}/rut/").status_code == 403
    )
    assert Client().post(f"/ho-so-cua-toi/{dossier.code}/rut/").status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "submitted"
