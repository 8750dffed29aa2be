"""A dossier's deadline is the close of its last working day: stored, judged, extended, reported
and migrated that way (docs/decisions/0002-deadline-at-the-close-of-the-last-working-day.md)."""

from __future__ import annotations

import importlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db.models import Sum

from chinhquyen.catalogue.services import procedure_save
from chinhquyen.core.errors import Conflict, ValidationFailed
from chinhquyen.dossiers.models import Dossier, DossierStep
from chinhquyen.dossiers.services import (
    deadline_state,
    dossier_act,
    dossier_submit,
)
from conftest import VALID_FORM, procedure_data

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=VN)


MON_15_01 = at(2026, 12, 7, 15, 1)
TUE_CLOSE = at(2026, 12, 8, 17, 0)


@pytest.fixture
def one_day(world):
    procedure_save(data=procedure_data(processing_time=1))


def received(world, when=MON_15_01):
    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        at=when,
    )
    d = dossier_act(user=world.counter_a, code=d.code, action="accept", at=when)
    return dossier_act(
        user=world.leader_a,
        code=d.code,
        action="assign",
        params={"assignee": "chuyenvien"},
        at=when,
    )


def finished(world, d, when):
    dossier_act(user=world.leader_a, code=d.code, action="approve", at=when)
    return dossier_act(user=world.handler_a, code=d.code, action="finish", at=when)


def test_a_one_day_dossier_received_after_15_00_on_monday_is_due_at_the_close_of_tuesday(
    world, one_day
):
    d = received(world)
    assert d.due_at == TUE_CLOSE and d.original_due_at == TUE_CLOSE
    assert deadline_state(d, now=at(2026, 12, 7, 16)) == "due_soon"
    assert deadline_state(d, now=at(2026, 12, 8, 17, 1)) == "overdue"


@pytest.mark.parametrize(
    ("done", "on_time"),
    [
        (at(2026, 12, 8, 16, 59), True),
        (at(2026, 12, 8, 17, 0), True),
        (at(2026, 12, 9, 7, 31), False),
    ],
)
def test_finished_by_the_close_of_tuesday_is_on_time_and_the_next_morning_is_late(
    world, one_day, done, on_time
):
    from chinhquyen.reporting.models import DailyCounter

    d = finished(world, received(world), done)
    assert d.events.last().data["on_time"] is on_time
    assert deadline_state(d) == ("on_time" if on_time else "overdue")
    counted = DailyCounter.objects.aggregate(ok=Sum("finished_on_time"), late=Sum("finished_late"))
    assert (counted["ok"], counted["late"]) == ((1, 0) if on_time else (0, 1))


def test_the_extension_must_come_a_working_day_before_the_due_tuesday(world, one_day):
    d = received(world)
    with pytest.raises(Conflict) as err:
        dossier_act(
            user=world.leader_a,
            code=d.code,
            action="extend",
            comment="Xin lỗi",
            params={"days": 1},
            at=at(2026, 12, 8, 8),
        )
    assert err.value.code == "extension_too_late"
    assert "(07/12/2026)" in err.value.message
    d = dossier_act(
        user=world.leader_a,
        code=d.code,
        action="extend",
        comment="Xin lỗi",
        params={"days": 1},
        at=at(2026, 12, 7, 16),
    )
    assert d.due_at == at(2026, 12, 9, 17)


@pytest.mark.parametrize("typed", ["2026-12-10", "10/12/2026"])
def test_an_extension_to_a_date_is_the_close_of_that_working_day(world, one_day, typed):
    d = received(world)
    d = dossier_act(
        user=world.leader_a,
        code=d.code,
        action="extend",
        comment="Xin lỗi",
        params={"new_due_at": typed},
        at=at(2026, 12, 7, 16),
    )
    assert d.due_at == at(2026, 12, 10, 17)


def test_an_extension_to_a_day_off_or_to_nonsense_is_refused_with_the_reason(world, one_day):
    d = received(world)
    for typed, text in (("2026-12-12", "12/12/2026 là ngày nghỉ"), ("mai", "ngày/tháng/năm")):
        with pytest.raises(ValidationFailed) as err:
            dossier_act(
                user=world.leader_a,
                code=d.code,
                action="extend",
                comment="Xin lỗi",
                params={"new_due_at": typed},
                at=at(2026, 12, 7, 16),
            )
        assert text in err.value.fields["new_due_at"][0]


def test_an_extension_to_an_evening_is_the_close_of_that_day(world, one_day):
    d = received(world)
    d = dossier_act(
        user=world.leader_a,
        code=d.code,
        action="extend",
        comment="Xin lỗi",
        params={"new_due_at": "2026-12-10T19:00:00+07:00"},
        at=at(2026, 12, 7, 16),
    )
    assert d.due_at == at(2026, 12, 10, 17)


def test_a_forwarded_step_after_the_cutoff_is_due_at_a_close(world):
    d = received(world, at(2026, 12, 7, 10))  # five days: the step may not outlast the dossier
    dossier_act(
        user=world.handler_a,
        code=d.code,
        action="forward",
        comment="Xin ý kiến",
        params={"agency": world.agency_b.agency_id, "days": 1},
        at=MON_15_01,
    )
    assert DossierStep.objects.get(dossier=d).due_at == TUE_CLOSE


def test_the_api_gives_the_close_of_the_due_day(world, one_day, client):
    d = received(world)
    body = client.get(f"/api/v1/dossiers/{d.code}/status").json()
    assert body["due_at"] == "2026-12-08T17:00:00+07:00"


# --- the data migration --------------------------------------------------------------------------

migration = importlib.import_module("chinhquyen.dossiers.migrations.0009_due_end_of_day")


def test_the_migration_rewrites_running_dossiers_and_keeps_finished_ones(world, one_day):
    old_style = at(2026, 12, 9, 7, 30)  # how the deadline was stored before
    running, done = received(world), received(world)
    Dossier.objects.filter(pk__in=[running.pk, done.pk]).update(
        due_at=old_style, original_due_at=old_style, state_due_at=old_style
    )
    done = finished(world, done, at(2026, 12, 9, 7, 15))
    step = DossierStep.objects.create(
        dossier=running,
        kind="forward",
        agency=world.agency_b,
        requested_by=world.handler_a,
        requested_at=MON_15_01,
        due_at=old_style,
    )
    migration.forwards(apps, None)
    running.refresh_from_db()
    done.refresh_from_db()
    step.refresh_from_db()
    assert (running.due_at, running.original_due_at, running.state_due_at) == (TUE_CLOSE,) * 3
    assert step.due_at == TUE_CLOSE
    # Finished at 07:15 on Wednesday, judged on time against 07:30: the verdict stays.
    assert done.due_at == old_style
    assert deadline_state(done) == "on_time" and done.events.last().data["on_time"] is True
    migration.forwards(apps, None)  # twice changes nothing
    running.refresh_from_db()
    assert running.due_at == TUE_CLOSE
