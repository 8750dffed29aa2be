"""Numbers and dates an officer may type into the forward and extend actions: each is either
used as the law reads it or refused with the reason, never a 500 (docs/security.md, "Bad input")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chinhquyen.catalogue.services import procedure_save
from chinhquyen.core.errors import ValidationFailed
from chinhquyen.dossiers.models import DossierStep
from chinhquyen.dossiers.services import dossier_act, dossier_submit
from chinhquyen.workdays import calendar
from conftest import VALID_FORM, procedure_data

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=VN)


MONDAY = at(2026, 12, 7, 9)  # 5 working days: due Monday 14/12 09:00


def in_process(world, when=MONDAY):
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


def extend(world, d, when=MONDAY, **params):
    return dossier_act(
        user=world.leader_a, code=d.code, action="extend", comment="Xin lỗi", params=params, at=when
    )


def forward(world, d, when=MONDAY, **params):
    return dossier_act(
        user=world.leader_a,
        code=d.code,
        action="forward",
        params={"agency": world.agency_b.agency_id, **params},
        at=when,
    )


@pytest.mark.parametrize("days", ["NaN", "sNaN", "-NaN", "Infinity", "-Infinity", "1e999", "0"])
def test_a_number_of_days_that_is_no_number_is_a_422_on_days(world, api, days):
    d = in_process(world, at(2026, 12, 7, 9))
    for action in ("forward", "extend"):
        resp = api(world.leader_a).post(
            f"/api/v1/dossiers/{d.code}/actions",
            {
                "action": action,
                "comment": "Xin lỗi",
                "params": {"agency": world.agency_b.agency_id, "days": days},
            },
        )
        assert resp.status_code == 422, resp.content[:300]
        assert resp["Content-Type"] == "application/problem+json"
        assert "days" in resp.json()["fields"]


@pytest.mark.parametrize(
    "typed",
    ["9999-12-31", "31/12/9999", "9999-12-31T10:00:00+07:00", "2027-12-31", "2999-01-02"],
)
def test_an_extension_beyond_the_configured_bound_is_refused_with_it(world, settings, typed):
    settings.DOSSIER_EXTENSION_MAX_DAYS = 90
    d = in_process(world)
    with pytest.raises(ValidationFailed) as err:
        extend(world, d, new_due_at=typed)
    assert "90 ngày làm việc" in err.value.fields["new_due_at"][0]
    with pytest.raises(ValidationFailed) as err:
        extend(world, d, days=91)
    assert "90" in err.value.fields["days"][0]


@pytest.mark.parametrize(
    "typed",
    [
        "2026-12-19T10:00:00+07:00",  # a Saturday
        "2026-12-20T02:00:00+07:00",  # a Sunday, at night
        "2026-12-20T02:00:00",  # the same, without a zone: Vietnam time
        "2026-12-18",  # a bare date: not its midnight
        "2026-12-18T00:00:00+07:00",  # that midnight typed out
    ],
)
def test_an_extension_lands_on_a_working_day_within_working_hours(world, typed):
    d = extend(world, in_process(world), new_due_at=typed)
    local = calendar.as_vietnam_time(d.due_at)
    assert calendar.is_working_day(local.date())
    hours = calendar.working_hours(local.date())
    assert hours.morning_start < local.time() <= hours.afternoon_end
    assert d.due_at > at(2026, 12, 14, 9)


def test_a_forwarded_step_may_not_outlast_the_dossier(world):
    d = in_process(world)  # due Monday 14/12 09:00
    with pytest.raises(ValidationFailed) as err:
        forward(world, d, days=10)
    assert err.value.code == "step_due_after_dossier_due"
    assert "14/12/2026" in err.value.fields["days"][0]
    assert not DossierStep.objects.filter(dossier=d).exists()
    forward(world, d, days=4)  # Friday 11/12 09:00
    step = DossierStep.objects.get(dossier=d)
    assert step.due_at <= d.due_at


def test_a_forwarded_step_may_not_outlast_the_dossier_through_the_api(world, api):
    procedure_save(data=procedure_data(processing_time=2))
    d = in_process(world, at(2026, 12, 7, 9))
    resp = api(world.leader_a).post(
        f"/api/v1/dossiers/{d.code}/actions",
        {"action": "forward", "params": {"agency": world.agency_b.agency_id, "days": 3}},
    )
    assert resp.status_code == 422 and resp.json()["code"] == "step_due_after_dossier_due"
