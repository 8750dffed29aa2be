"""The standard one-stop flow, transition by transition, through the real services."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chinhquyen.audit.models import AuditRecord
from chinhquyen.core.errors import Conflict, PermissionDenied, ValidationFailed
from chinhquyen.dossiers.models import Channel, DossierEvent, DossierStep
from chinhquyen.dossiers.services import Applicant, dossier_act, dossier_submit
from conftest import VALID_FORM

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def submit(world, when=None, **kw):
    return dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        at=when or at(2026, 3, 2),
        **kw,
    )


pytestmark = pytest.mark.django_db


def test_online_submission_is_newly_registered_with_a_dated_agency_code(world):
    d = submit(world)
    assert d.code == f"{world.agency_a.agency_id}-260302-0001"
    assert (d.state, d.status_code, d.channel) == ("submitted", 1, Channel.ONLINE)
    assert d.applicant == world.citizen
    assert d.applicant_id_number == "031090001234"
    assert d.due_at is None, "the clock starts only at acceptance"
    assert list(d.events.values_list("action", flat=True)) == ["submit"]
    assert (
        AuditRecord.objects.filter(chain=f"dossier:{d.code}", event="dossier.submitted").count()
        == 1
    )


def test_the_whole_standard_flow_maps_each_state_to_its_national_code(world):
    d = submit(world)
    steps = [
        (world.counter_a, "accept", {}, "accepted", 2),
        (world.leader_a, "assign", {"assignee": "chuyenvien"}, "in_process", 4),
        (
            world.handler_a,
            "forward",
            {"agency": world.agency_b.agency_id, "days": 2, "kind": "consult"},
            "in_process",
            4,
        ),
        (world.handler_b, "complete_step", {}, "in_process", 4),
        (world.leader_a, "approve", {}, "approved", 4),
        (world.handler_a, "request_payment", {"amount": 50000}, "payment_required", 6),
        (world.counter_a, "confirm_payment", {}, "approved", 4),
        (world.handler_a, "finish", {"result_code": "GKS-001"}, "done", 9),
        (world.counter_a, "return_result", {}, "returned", 10),
    ]
    when = at(2026, 3, 2, 10)
    for i, (user, action, params, state, status) in enumerate(steps):
        d = dossier_act(
            user=user,
            code=d.code,
            action=action,
            comment=f"bước {i}",
            params=params,
            at=when.replace(hour=10 + i % 6, day=2 + i // 6),
        )
        assert (d.state, d.status_code) == (state, status), action
    assert d.assignee == world.handler_a
    assert d.result_code == "GKS-001"
    assert d.finished_at is not None and d.returned_at is not None and d.closed_at is not None
    history = list(DossierEvent.objects.filter(dossier=d).order_by("seq"))
    assert [e.action for e in history] == ["submit"] + [s[1] for s in steps]
    assert [e.seq for e in history] == list(range(1, len(steps) + 2))
    assert history[4].agency == world.agency_b and history[4].actor == world.handler_b
    assert AuditRecord.objects.filter(chain=f"dossier:{d.code}").count() == len(steps) + 1
    step = DossierStep.objects.get(dossier=d)
    assert step.completed_by == world.handler_b and step.kind == "consult"


def test_counter_intake_takes_the_applicant_from_the_officer(world):
    d = dossier_submit(
        user=world.counter_a,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        channel=Channel.COUNTER,
        applicant=Applicant(name="Đỗ Văn Giấy", id_number="031090005555"),
        at=at(2026, 3, 2),
    )
    assert d.channel == 1 and d.applicant is None and d.applicant_name == "Đỗ Văn Giấy"
    assert d.events.get().agency == world.agency_a


def test_counter_intake_without_applicant_name_is_refused_with_a_field_error(world):
    with pytest.raises(ValidationFailed) as err:
        dossier_submit(
            user=world.counter_a,
            procedure_code="1.000001",
            agency_id=world.agency_a.agency_id,
            form_data=VALID_FORM,
            channel=Channel.POST,
            applicant=None,
        )
    assert "applicant.name" in err.value.fields


def test_an_officer_cannot_take_paper_dossiers_for_another_agency(world):
    with pytest.raises(PermissionDenied):
        dossier_submit(
            user=world.counter_b,
            procedure_code="1.000001",
            agency_id=world.agency_a.agency_id,
            form_data=VALID_FORM,
            channel=Channel.COUNTER,
            applicant=Applicant(name="X"),
        )


def test_a_citizen_cannot_use_the_counter_channel(world):
    with pytest.raises(PermissionDenied):
        submit(world, channel=Channel.COUNTER, applicant=Applicant(name="X"))


def test_the_form_is_validated_against_the_procedure_schema_with_messages_per_field(world):
    with pytest.raises(ValidationFailed) as err:
        dossier_submit(
            user=world.citizen,
            procedure_code="1.000001",
            agency_id=world.agency_a.agency_id,
            form_data={
                "ngay_sinh": "15/01/2026",
                "so_cccd": "123",
                "gioi_tinh": "x",
                "thanh_vien": [{"ten": "A"}, {}],
            },
        )
    fields = err.value.fields
    assert fields["form_data.ho_ten"] == ["Bắt buộc nhập."]
    assert "Ngày không hợp lệ" in fields["form_data.ngay_sinh"][0]
    assert fields["form_data.so_cccd"] == ["Cần đúng 12 chữ số, không có chữ cái hay dấu cách."]
    assert "form_data.gioi_tinh" in fields
    assert fields["form_data.thanh_vien[1].ten"] == ["Bắt buộc nhập."]


def test_unknown_procedure_or_agency_or_unoffered_pair_is_a_field_error(world):
    from chinhquyen.units.services import agency_create

    with pytest.raises(ValidationFailed) as err:
        dossier_submit(
            user=world.citizen,
            procedure_code="9.999999",
            agency_id=world.agency_a.agency_id,
            form_data={},
        )
    assert "procedure" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        dossier_submit(
            user=world.citizen, procedure_code="1.000001", agency_id="000.99.99.H99", form_data={}
        )
    assert "agency" in err.value.fields
    other = agency_create(agency_id="000.03.31.H26", name="UBND xã Không Liên Quan", kind="ubnd_xa")
    with pytest.raises(ValidationFailed) as err:
        dossier_submit(
            user=world.citizen,
            procedure_code="1.000001",
            agency_id=other.agency_id,
            form_data=VALID_FORM,
        )
    assert err.value.code == "procedure_not_offered"


def test_an_action_not_allowed_in_the_current_state_is_refused_with_the_allowed_ones(world):
    d = submit(world)
    with pytest.raises(Conflict) as err:
        dossier_act(user=world.leader_a, code=d.code, action="approve")
    assert err.value.code == "action_not_allowed_in_state"
    assert set(err.value.extra["allowed_actions"]) == {
        "accept",
        "refuse",
        "request_supplement",
        "withdraw",
    }


def test_an_action_is_refused_for_a_role_that_may_not_take_it(world):
    d = submit(world)
    with pytest.raises(PermissionDenied) as err:
        dossier_act(user=world.handler_a, code=d.code, action="accept")
    assert err.value.code == "action_not_allowed_for_role"


def test_an_unknown_action_names_the_known_ones(world):
    d = submit(world)
    with pytest.raises(ValidationFailed) as err:
        dossier_act(user=world.counter_a, code=d.code, action="teleport")
    assert err.value.code == "unknown_action"


def test_refusal_needs_reasons_and_closes_the_dossier(world):
    d = submit(world)
    with pytest.raises(ValidationFailed):
        dossier_act(user=world.counter_a, code=d.code, action="refuse", comment="  ")
    d = dossier_act(
        user=world.counter_a, code=d.code, action="refuse", comment="Không thuộc thẩm quyền"
    )
    assert (d.state, d.status_code) == ("refused", 3) and d.closed_at is not None
    with pytest.raises(Conflict):
        dossier_act(user=world.counter_a, code=d.code, action="accept")


def test_the_applicant_may_withdraw_and_the_officers_then_cannot_act(world):
    d = submit(world)
    dossier_act(user=world.counter_a, code=d.code, action="accept")
    d = dossier_act(user=world.citizen, code=d.code, action="withdraw", comment="Không còn nhu cầu")
    assert (d.state, d.status_code) == ("withdrawn", 7)
    assert d.events.last().actor_role == "citizen"


def test_another_citizen_cannot_withdraw_someone_elses_dossier(world):
    from chinhquyen.core.errors import NotFound

    d = submit(world)
    with pytest.raises(NotFound):
        dossier_act(user=world.citizen2, code=d.code, action="withdraw")


def test_the_leader_may_stop_processing_with_a_reason(world):
    d = submit(world)
    dossier_act(user=world.counter_a, code=d.code, action="accept")
    with pytest.raises(ValidationFailed):
        dossier_act(user=world.leader_a, code=d.code, action="stop")
    d = dossier_act(
        user=world.leader_a, code=d.code, action="stop", comment="Người nộp đề nghị dừng"
    )
    assert (d.state, d.status_code) == ("stopped", 8)


def test_assignment_only_to_a_handler_of_the_same_agency(world):
    d = submit(world)
    dossier_act(user=world.counter_a, code=d.code, action="accept")
    with pytest.raises(ValidationFailed) as err:
        dossier_act(
            user=world.leader_a, code=d.code, action="assign", params={"assignee": "chuyenvien2"}
        )
    assert "assignee" in err.value.fields
    with pytest.raises(ValidationFailed):
        dossier_act(
            user=world.leader_a, code=d.code, action="assign", params={"assignee": "motcua"}
        )


def test_approval_waits_for_open_inter_agency_steps(world):
    d = submit(world)
    dossier_act(user=world.counter_a, code=d.code, action="accept")
    dossier_act(
        user=world.leader_a, code=d.code, action="assign", params={"assignee": "chuyenvien"}
    )
    dossier_act(
        user=world.handler_a,
        code=d.code,
        action="forward",
        params={"agency": world.agency_b.agency_id},
    )
    with pytest.raises(Conflict) as err:
        dossier_act(user=world.leader_a, code=d.code, action="approve")
    assert err.value.code == "open_steps"
    # The other agency's handler sees the forwarded dossier and answers; its counter may not.
    with pytest.raises(PermissionDenied):
        dossier_act(user=world.counter_b, code=d.code, action="complete_step", comment="x")
    dossier_act(user=world.handler_b, code=d.code, action="complete_step", comment="Đồng ý")
    assert dossier_act(user=world.leader_a, code=d.code, action="approve").state == "approved"


def test_the_forwarded_agency_cannot_take_the_owning_agencys_actions(world):
    d = submit(world)
    dossier_act(user=world.counter_a, code=d.code, action="accept")
    dossier_act(
        user=world.leader_a, code=d.code, action="assign", params={"assignee": "chuyenvien"}
    )
    dossier_act(
        user=world.handler_a,
        code=d.code,
        action="forward",
        params={"agency": world.agency_b.agency_id},
    )
    with pytest.raises(PermissionDenied):
        dossier_act(user=world.leader_b, code=d.code, action="approve")


def test_payment_request_needs_a_positive_whole_amount(world):
    d = submit(world)
    dossier_act(user=world.counter_a, code=d.code, action="accept")
    dossier_act(
        user=world.leader_a, code=d.code, action="assign", params={"assignee": "chuyenvien"}
    )
    for bad in (0, -5, "abc", 10.5):
        with pytest.raises(ValidationFailed):
            dossier_act(
                user=world.handler_a, code=d.code, action="request_payment", params={"amount": bad}
            )
    d = dossier_act(user=world.handler_a, code=d.code, action="request_payment")
    assert d.payment_amount == 50000, "defaults to the procedure's fees"
