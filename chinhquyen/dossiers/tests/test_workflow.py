"""The standard workflow as configured data, and the append-only history."""

from __future__ import annotations

import pytest

from chinhquyen.dossiers.models import DossierEvent, Workflow, WorkflowAction, WorkflowState
from chinhquyen.dossiers.services import dossier_act, dossier_submit
from chinhquyen.dossiers.workflow import workflow_cache_clear
from conftest import VALID_FORM

pytestmark = pytest.mark.django_db

STANDARD_ACTIONS = {
    "accept",
    "refuse",
    "request_supplement",
    "submit_supplement",
    "assign",
    "forward",
    "approve",
    "request_payment",
    "confirm_payment",
    "finish",
    "return_result",
    "extend",
    "withdraw",
    "stop",
}


def test_the_standard_workflow_covers_the_ten_national_codes_and_the_standard_actions(world):
    wf = Workflow.objects.get(code="standard", is_default=True)
    assert set(wf.states.values_list("national_status", flat=True)) == set(range(1, 11))
    assert set(wf.actions.values_list("code", flat=True)) >= STANDARD_ACTIONS
    shares = sum(s.time_share for s in wf.states.all())
    assert shares == 100


def test_history_rows_cannot_be_edited_or_deleted(world):
    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    event = DossierEvent.objects.get(dossier=d)
    event.comment = "rewritten"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_an_agency_configured_action_without_a_rule_just_moves_the_state(world):
    """Configuration, not code: an admin adds a 'verify' step between in_process and approved."""
    wf = Workflow.objects.get(code="standard")
    verifying = WorkflowState.objects.create(
        workflow=wf, code="verifying", name="Đang thẩm tra", national_status=4, position=30
    )
    verify = WorkflowAction.objects.create(
        workflow=wf,
        code="verify",
        name="Chuyển thẩm tra",
        to_state=verifying,
        roles=["handler"],
        position=40,
    )
    verify.from_states.set([wf.states.get(code="in_process")])
    done = WorkflowAction.objects.create(
        workflow=wf,
        code="verified",
        name="Thẩm tra xong",
        to_state=wf.states.get(code="in_process"),
        roles=["leader"],
        position=41,
    )
    done.from_states.set([verifying])
    workflow_cache_clear()
    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    dossier_act(user=world.counter_a, code=d.code, action="accept")
    dossier_act(
        user=world.leader_a, code=d.code, action="assign", params={"assignee": "chuyenvien"}
    )
    d = dossier_act(user=world.handler_a, code=d.code, action="verify")
    assert (d.state, d.status_code) == ("verifying", 4)
    d = dossier_act(user=world.leader_a, code=d.code, action="verified")
    assert d.state == "in_process"
