"""Deadline rules of a dossier: fixed at acceptance, paused and restarted by supplements, moved once
by an apology, and the on-time / due-soon / overdue state."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chinhquyen.core.errors import Conflict, ValidationFailed
from chinhquyen.dossiers.services import deadline_state, dossier_act, dossier_submit, is_on_time
from chinhquyen.workdays.services import calendar_seed_demo
from conftest import VALID_FORM

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def accepted(world, when):
    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        at=when,
    )
    return dossier_act(user=world.counter_a, code=d.code, action="accept", at=when)


def in_process(world, when):
    d = accepted(world, when)
    return dossier_act(
        user=world.leader_a,
        code=d.code,
        action="assign",
        params={"assignee": "chuyenvien"},
        at=when,
    )


def test_due_date_is_fixed_at_acceptance_from_the_time_limit_in_working_days(world):
    d = accepted(world, at(2026, 3, 2, 9))  # Monday, 5 working days
    assert d.received_at == at(2026, 3, 2, 9)
    assert d.due_at == at(2026, 3, 9, 9)
    assert d.original_due_at == d.due_at


def test_acceptance_after_the_15_oclock_cutoff_counts_from_the_next_working_day(world):
    d = accepted(world, at(2026, 3, 6, 15, 30))  # Friday after 15:00 -> from Monday morning
    # 5 working days from Monday 9/3 07:30 end at the close of Friday 13/3, not Monday 16/3 07:30.
    assert d.due_at == at(2026, 3, 13, 17, 0)


def test_tet_2025_is_skipped_when_a_dossier_is_accepted_the_day_before(world):
    calendar_seed_demo()
    d = accepted(world, at(2025, 1, 24, 9))  # last working day before the 25/1–2/2/2025 break
    assert d.due_at == at(2025, 2, 7, 9)


def test_a_time_limit_in_hours_counts_working_hours(world):
    from chinhquyen.catalogue.services import procedure_save
    from conftest import procedure_data

    version, _ = procedure_save(data=procedure_data(processing_time=4, time_unit="hours"))
    d = accepted(world, at(2026, 3, 2, 10))
    assert d.procedure_version == version
    assert d.due_at == at(2026, 3, 2, 15, 30), "10:00 + 1h30 morning + 2h30 afternoon"


def test_a_dossier_keeps_the_procedure_version_it_was_received_under(world):
    from chinhquyen.catalogue.services import procedure_save
    from conftest import procedure_data

    d = accepted(world, at(2026, 3, 2, 9))
    procedure_save(data=procedure_data(processing_time=10))
    d.refresh_from_db()
    assert d.procedure_version.processing_time == 5
    dossier_act(
        user=world.leader_a, code=d.code, action="assign", params={"assignee": "chuyenvien"}
    )
    d.refresh_from_db()
    assert d.due_at == at(2026, 3, 9, 9)


def test_a_supplement_request_pauses_the_clock_and_the_limit_restarts_in_full(world):
    d = in_process(world, at(2026, 3, 2, 9))
    d = dossier_act(
        user=world.handler_a,
        code=d.code,
        action="request_supplement",
        comment="Thiếu bản sao CCCD của người cha",
        at=at(2026, 3, 4, 10),
    )
    assert (d.state, d.status_code) == ("supplement_requested", 5)
    assert d.paused_at == at(2026, 3, 4, 10)
    # Paused: the due date passing while the applicant is away does not make it overdue.
    assert deadline_state(d, now=at(2026, 3, 20, 9)) == "paused"
    d = dossier_act(
        user=world.citizen, code=d.code, action="submit_supplement", at=at(2026, 3, 9, 11)
    )
    assert d.state == "in_process", "back to where it was"
    assert d.paused_at is None
    assert d.due_at == at(2026, 3, 16, 11), "5 full working days from the complete dossier"
    assert d.paused_total_seconds == int((at(2026, 3, 9, 11) - at(2026, 3, 4, 10)).total_seconds())
    assert d.events.last().data["clock"] == "restarted"


def test_a_supplement_request_needs_the_full_list_of_reasons(world):
    d = in_process(world, at(2026, 3, 2, 9))
    with pytest.raises(ValidationFailed) as err:
        dossier_act(user=world.handler_a, code=d.code, action="request_supplement", comment="")
    assert err.value.code == "comment_required"


def test_a_second_supplement_request_is_flagged_against_the_agency(world):
    d = in_process(world, at(2026, 3, 2, 9))
    d = dossier_act(
        user=world.handler_a,
        code=d.code,
        action="request_supplement",
        comment="Thiếu A",
        at=at(2026, 3, 3),
    )
    assert not d.repeated_supplement
    d = dossier_act(user=world.citizen, code=d.code, action="submit_supplement", at=at(2026, 3, 4))
    d = dossier_act(
        user=world.handler_a,
        code=d.code,
        action="request_supplement",
        comment="Thiếu B",
        at=at(2026, 3, 5),
    )
    assert d.repeated_supplement and d.supplement_count == 2
    assert d.events.last().data["repeated_supplement"] is True


def test_a_supplement_request_later_than_3_working_days_after_receipt_is_recorded_as_late(world):
    d = in_process(world, at(2026, 3, 2, 9))
    d = dossier_act(
        user=world.handler_a,
        code=d.code,
        action="request_supplement",
        comment="Thiếu A",
        at=at(2026, 3, 6, 9),
    )
    assert "late_request" in d.events.last().data


def test_a_supplement_at_intake_does_not_start_the_clock(world):
    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        at=at(2026, 3, 2),
    )
    d = dossier_act(
        user=world.counter_a, code=d.code, action="request_supplement", comment="Thiếu tờ khai"
    )
    assert d.paused_at is None and d.supplement_count == 0
    d = dossier_act(user=world.citizen, code=d.code, action="submit_supplement")
    assert d.state == "submitted"


def test_the_extension_with_apology_is_allowed_once_and_moves_the_due_date(world):
    d = in_process(world, at(2026, 3, 2, 9))  # due Mon 9/3 09:00
    d = dossier_act(
        user=world.leader_a,
        code=d.code,
        action="extend",
        comment="Xin lỗi, cần xác minh thêm",
        params={"days": 3},
        at=at(2026, 3, 6, 16),
    )  # Friday: one working day before
    assert d.due_at == at(2026, 3, 12, 9)
    assert d.original_due_at == at(2026, 3, 9, 9)
    with pytest.raises(Conflict) as err:
        dossier_act(
            user=world.leader_a,
            code=d.code,
            action="extend",
            comment="Lần nữa",
            params={"days": 1},
            at=at(2026, 3, 9),
        )
    assert err.value.code == "extension_already_used"


def test_the_extension_is_refused_later_than_one_working_day_before_the_due_date(world):
    d = in_process(world, at(2026, 3, 2, 9))  # due Mon 9/3
    with pytest.raises(Conflict) as err:
        dossier_act(
            user=world.leader_a,
            code=d.code,
            action="extend",
            comment="Xin lỗi",
            params={"days": 2},
            at=at(2026, 3, 9, 8),
        )
    assert err.value.code == "extension_too_late"


def test_the_extension_needs_a_reason_and_a_later_date(world):
    d = in_process(world, at(2026, 3, 2, 9))
    with pytest.raises(ValidationFailed):
        dossier_act(
            user=world.leader_a, code=d.code, action="extend", params={"days": 2}, at=at(2026, 3, 3)
        )
    with pytest.raises(ValidationFailed):
        dossier_act(
            user=world.leader_a,
            code=d.code,
            action="extend",
            comment="x",
            params={"new_due_at": "2026-03-05T09:00:00+07:00"},
            at=at(2026, 3, 3),
        )
    d = dossier_act(
        user=world.leader_a,
        code=d.code,
        action="extend",
        comment="x",
        params={"new_due_at": "2026-03-13T16:00:00+07:00"},
        at=at(2026, 3, 3),
    )
    assert d.due_at == at(2026, 3, 13, 16)


def test_deadline_state_goes_from_on_time_to_due_soon_to_overdue(world):
    d = in_process(world, at(2026, 3, 2, 9))  # due Mon 9/3 09:00
    assert deadline_state(d, now=at(2026, 3, 4, 9)) == "on_time"
    assert (
        deadline_state(d, now=at(2026, 3, 6, 9)) == "due_soon"
    )  # Friday: the next working day is the due day
    assert deadline_state(d, now=at(2026, 3, 9, 8)) == "due_soon"
    assert deadline_state(d, now=at(2026, 3, 9, 9, 1)) == "overdue"
    assert is_on_time(d, now=at(2026, 3, 9, 9, 1)) is False


def test_a_dossier_finished_after_its_due_date_stays_late(world):
    d = in_process(world, at(2026, 3, 2, 9))
    d = dossier_act(user=world.leader_a, code=d.code, action="approve", at=at(2026, 3, 10))
    d = dossier_act(user=world.handler_a, code=d.code, action="finish", at=at(2026, 3, 10, 10))
    assert d.events.last().data["on_time"] is False
    assert deadline_state(d, now=at(2026, 3, 1)) == "overdue"
    assert is_on_time(d) is False


def test_waiting_for_payment_does_not_count_against_the_agency(world):
    d = in_process(world, at(2026, 3, 2, 9))  # due 9/3 09:00
    d = dossier_act(user=world.leader_a, code=d.code, action="approve", at=at(2026, 3, 3, 9))
    d = dossier_act(
        user=world.handler_a, code=d.code, action="request_payment", at=at(2026, 3, 3, 10)
    )
    assert (d.state, d.status_code) == ("payment_required", 6)
    d = dossier_act(
        user=world.counter_a, code=d.code, action="confirm_payment", at=at(2026, 3, 5, 10)
    )
    assert d.state == "approved"
    assert d.due_at == at(2026, 3, 11, 9), "moved by the 2 working days spent waiting"


def test_a_version_published_ahead_of_its_date_does_not_replace_the_one_in_force(world):
    from chinhquyen.catalogue.services import procedure_save
    from conftest import procedure_data

    procedure_save(data=procedure_data(processing_time=12, effective_from="2026-06-01"))
    before = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        at=at(2026, 5, 29),
    )
    after = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        at=at(2026, 6, 1),
    )
    assert before.procedure_version.processing_time == 5
    assert after.procedure_version.processing_time == 12
