"""Admin-entered overrides and office-hour policies: they win over the base, are audited, and the
cache sees them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chinhquyen.audit.models import AuditRecord
from chinhquyen.core.errors import NotFound, ValidationFailed
from chinhquyen.workdays import calendar
from chinhquyen.workdays.calendar import due_date, effective_start, is_working_day, named_days
from chinhquyen.workdays.models import CalendarOverride, OverrideKind, WorkingTimePolicy
from chinhquyen.workdays.services import (
    calendar_override_delete,
    calendar_override_set,
    calendar_seed_demo,
    working_time_policy_delete,
    working_time_policy_set,
)

from .conftest import vn

pytestmark = pytest.mark.django_db

D = dt.date
SATURDAY = D(2025, 3, 15)


@pytest.fixture
def officer(django_user_model):
    return django_user_model.objects.create_user(username="quantri", password="x")


def test_a_make_up_saturday_entered_by_an_admin_becomes_a_working_day(officer):
    assert due_date(vn(2025, 3, 14, 10), days=1) == vn(2025, 3, 17, 10)
    calendar_override_set(
        date=SATURDAY, kind=OverrideKind.WORKING_DAY, name="Làm việc bù", actor=officer
    )
    assert is_working_day(SATURDAY)
    assert due_date(vn(2025, 3, 14, 10), days=1) == vn(2025, 3, 15, 10)
    assert effective_start(vn(2025, 3, 15, 6)) == vn(2025, 3, 15, 7, 30)


def test_an_added_day_off_is_skipped_by_deadlines(officer):
    calendar_override_set(
        date=D(2025, 3, 12), kind=OverrideKind.DAY_OFF, name="Nghỉ hoán đổi", actor=officer
    )
    assert not is_working_day(D(2025, 3, 12))
    assert due_date(vn(2025, 3, 11, 10), days=1) == vn(2025, 3, 13, 10)
    assert due_date(vn(2025, 3, 11, 16), hours=2, apply_cutoff=False) == vn(2025, 3, 13, 8, 30)


def test_an_override_wins_over_a_public_holiday(officer):
    assert not is_working_day(D(2025, 9, 1))
    calendar_override_set(
        date=D(2025, 9, 1), kind=OverrideKind.WORKING_DAY, name="Thử", actor=officer
    )
    assert is_working_day(D(2025, 9, 1))


def test_deleting_an_override_returns_the_day_to_the_base_calendar(officer):
    calendar_override_set(
        date=SATURDAY, kind=OverrideKind.WORKING_DAY, name="Làm bù", actor=officer
    )
    assert is_working_day(SATURDAY)
    calendar_override_delete(date=SATURDAY, actor=officer)
    assert not is_working_day(SATURDAY)
    assert not CalendarOverride.objects.exists()


def test_the_service_refreshes_the_cache_at_once_even_with_a_long_recheck_interval(
    settings, officer
):
    settings.WORKDAYS_CALENDAR_RECHECK_SECONDS = 3600
    assert not is_working_day(SATURDAY)  # warm the cache
    calendar_override_set(
        date=SATURDAY, kind=OverrideKind.WORKING_DAY, name="Làm bù", actor=officer
    )
    assert is_working_day(SATURDAY)


def test_a_change_made_elsewhere_is_seen_after_the_recheck_interval(settings):
    # Another process writes the row; this process only notices through the generation token.
    settings.WORKDAYS_CALENDAR_RECHECK_SECONDS = 3600
    assert not is_working_day(SATURDAY)
    CalendarOverride.objects.create(date=SATURDAY, kind=OverrideKind.WORKING_DAY, name="Làm bù")
    assert not is_working_day(SATURDAY)  # still cached: within the interval nothing is queried
    settings.WORKDAYS_CALENDAR_RECHECK_SECONDS = 0
    assert is_working_day(SATURDAY)
    CalendarOverride.objects.filter(date=SATURDAY).update(
        kind=OverrideKind.DAY_OFF, updated_at=timezone.now() + dt.timedelta(seconds=1)
    )
    assert not is_working_day(SATURDAY)
    CalendarOverride.objects.create(date=D(2025, 3, 12), kind=OverrideKind.DAY_OFF, name="Nghỉ")
    CalendarOverride.objects.filter(date=SATURDAY).delete()
    assert not is_working_day(D(2025, 3, 12))


def test_no_query_is_made_while_the_cache_is_fresh(django_assert_num_queries):
    due_date(vn(2025, 3, 10, 10), days=20)
    with django_assert_num_queries(0):
        for _ in range(10):
            due_date(vn(2025, 3, 10, 10), days=20)
            is_working_day(D(2026, 2, 17))


def test_setting_an_override_is_audited_with_old_and_new_values(officer):
    calendar_override_set(
        date=SATURDAY, kind=OverrideKind.WORKING_DAY, name="Làm bù", actor=officer
    )
    calendar_override_set(
        date=SATURDAY,
        kind=OverrideKind.WORKING_DAY,
        name="Làm bù",
        legal_basis="TB 1/2025",
        actor=officer,
    )
    calendar_override_set(
        date=SATURDAY,
        kind=OverrideKind.WORKING_DAY,
        name="Làm bù",
        legal_basis="TB 1/2025",
        actor=officer,
    )  # unchanged: no record
    calendar_override_delete(date=SATURDAY, actor=officer)
    records = list(
        AuditRecord.objects.filter(object_type="calendar_override", object_id="2025-03-15")
    )
    assert [r.event for r in records] == [
        "calendar_override.set",
        "calendar_override.set",
        "calendar_override.deleted",
    ]
    assert all(r.actor_id == officer.pk for r in records)
    assert records[0].changes["kind"] == [None, "working_day"]
    assert records[1].changes == {"legal_basis": ["", "TB 1/2025"]}
    assert records[2].changes["kind"] == ["working_day", None]


def test_an_override_change_is_updated_in_place(officer):
    calendar_override_set(
        date=SATURDAY, kind=OverrideKind.WORKING_DAY, name="Làm bù", actor=officer
    )
    calendar_override_set(date=SATURDAY, kind=OverrideKind.DAY_OFF, name="Nghỉ", actor=officer)
    assert CalendarOverride.objects.get().kind == OverrideKind.DAY_OFF
    assert not is_working_day(SATURDAY)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"date": SATURDAY, "kind": "holiday", "name": "X"}, "kind"),
        ({"date": SATURDAY, "kind": OverrideKind.DAY_OFF, "name": "  "}, "name"),
        ({"date": SATURDAY, "kind": OverrideKind.DAY_OFF, "name": "x" * 201}, "name"),
        ({"date": vn(2025, 3, 15), "kind": OverrideKind.DAY_OFF, "name": "X"}, "date"),
        ({"date": D(2150, 1, 1), "kind": OverrideKind.DAY_OFF, "name": "X"}, "date"),
    ],
)
def test_an_invalid_override_is_refused_and_nothing_is_written(kwargs, field):
    with pytest.raises(ValidationFailed) as exc:
        calendar_override_set(**kwargs, actor=None)
    assert field in exc.value.fields
    assert not CalendarOverride.objects.exists()
    assert not AuditRecord.objects.exists()


def test_deleting_a_missing_override_is_not_found():
    with pytest.raises(NotFound):
        calendar_override_delete(date=SATURDAY, actor=None)


def test_named_days_show_overrides_with_their_source(officer):
    calendar_override_set(
        date=SATURDAY, kind=OverrideKind.WORKING_DAY, name="Làm bù thử", actor=officer
    )
    day = next(n for n in named_days(2025) if n.date == SATURDAY)
    assert (day.name, day.kind, day.source) == ("Làm bù thử", "working_day", "override")


# --- the demo seed ------------------------------------------------------------------------------


def test_the_seed_adds_only_what_the_holidays_package_lacks_and_is_idempotent():
    created = calendar_seed_demo()
    # holidays already knows Tết 2025 and 2026 and the 30/4/2025 swap; it lacks the
    # New Year 2026 swap (off Fri 2/1, worked Sat 10/1).
    assert {(o.date, o.kind) for o in created} == {
        (D(2026, 1, 2), OverrideKind.DAY_OFF),
        (D(2026, 1, 10), OverrideKind.WORKING_DAY),
    }
    assert calendar_seed_demo() == []
    assert CalendarOverride.objects.count() == 2


def test_after_the_seed_the_announced_tet_breaks_are_all_days_off():
    calendar_seed_demo()
    for first, last in [(D(2025, 1, 25), D(2025, 2, 2)), (D(2026, 2, 14), D(2026, 2, 22))]:
        day = first
        while day <= last:
            assert not is_working_day(day), day
            day += dt.timedelta(days=1)
        assert is_working_day(first - dt.timedelta(days=1))
        assert is_working_day(last + dt.timedelta(days=1))
    assert is_working_day(D(2025, 4, 26)) and not is_working_day(D(2025, 5, 2))
    assert is_working_day(D(2026, 1, 10)) and not is_working_day(D(2026, 1, 2))


def test_the_seed_leaves_an_admin_edit_alone(officer):
    calendar_override_set(
        date=D(2026, 1, 2), kind=OverrideKind.WORKING_DAY, name="Đi làm", actor=officer
    )
    calendar_seed_demo()
    assert CalendarOverride.objects.get(date=D(2026, 1, 2)).kind == OverrideKind.WORKING_DAY


# --- office hours -------------------------------------------------------------------------------


def test_without_a_policy_the_default_hours_and_cutoff_apply():
    hours = calendar.working_hours(D(2025, 3, 10))
    assert (
        hours.morning_start,
        hours.morning_end,
        hours.afternoon_start,
        hours.afternoon_end,
        hours.cutoff,
    ) == (
        dt.time(7, 30),
        dt.time(11, 30),
        dt.time(13),
        dt.time(17),
        dt.time(15),
    )
    assert hours.day_length == dt.timedelta(hours=8)


def test_a_new_policy_applies_from_its_effective_date_only(officer):
    working_time_policy_set(
        effective_from=D(2025, 6, 2),
        morning_start=dt.time(8),
        morning_end=dt.time(12),
        afternoon_start=dt.time(13, 30),
        afternoon_end=dt.time(17, 30),
        cutoff=dt.time(16),
        actor=officer,
    )
    # Friday 30/5 still uses the old hours.
    assert effective_start(vn(2025, 5, 30, 7, 45)) == vn(2025, 5, 30, 7, 45)
    assert effective_start(vn(2025, 5, 30, 15, 30)) == vn(2025, 6, 2, 8)
    # From Monday 2/6: opens at 08:00, cut-off 16:00, lunch until 13:30.
    assert effective_start(vn(2025, 6, 2, 7, 45)) == vn(2025, 6, 2, 8)
    assert effective_start(vn(2025, 6, 2, 15, 30)) == vn(2025, 6, 2, 15, 30)
    assert effective_start(vn(2025, 6, 2, 13, 15)) == vn(2025, 6, 2, 13, 30)
    assert due_date(vn(2025, 6, 2, 11), hours=2) == vn(2025, 6, 2, 14, 30)
    assert AuditRecord.objects.filter(event="working_time_policy.set").count() == 1
    working_time_policy_delete(effective_from=D(2025, 6, 2), actor=officer)
    assert effective_start(vn(2025, 6, 2, 7, 45)) == vn(2025, 6, 2, 7, 45)
    assert not WorkingTimePolicy.objects.exists()


def test_a_policy_with_hours_out_of_order_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        working_time_policy_set(
            effective_from=D(2025, 6, 2),
            morning_start=dt.time(12),
            morning_end=dt.time(11),
            actor=None,
        )
    assert "morning_end" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        working_time_policy_set(effective_from=D(2025, 6, 2), cutoff=dt.time(18), actor=None)
    assert "cutoff" in exc.value.fields
    assert not WorkingTimePolicy.objects.exists()
