from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chinhquyen.workdays.calendar import DeadlineState, deadline_state

from .conftest import vn

pytestmark = pytest.mark.django_db

DUE = vn(2025, 3, 12, 10)  # Wednesday 10:00


def test_finished_at_the_due_time_is_on_time_and_a_second_later_is_overdue():
    assert deadline_state(DUE, finished_at=DUE) == DeadlineState.ON_TIME
    assert deadline_state(DUE, finished_at=DUE - dt.timedelta(days=3)) == "on_time"
    assert deadline_state(DUE, finished_at=DUE + dt.timedelta(seconds=1)) == "overdue"


def test_a_finished_deadline_ignores_now():
    assert deadline_state(DUE, now=DUE + dt.timedelta(days=30), finished_at=DUE) == "on_time"


def test_an_open_deadline_is_overdue_only_after_the_due_time():
    assert deadline_state(DUE, now=DUE) == "due_soon"
    assert deadline_state(DUE, now=DUE + dt.timedelta(microseconds=1)) == "overdue"


def test_an_open_deadline_due_today_or_on_the_next_working_day_is_due_soon():
    assert deadline_state(DUE, now=vn(2025, 3, 12, 7)) == "due_soon"  # today
    assert deadline_state(DUE, now=vn(2025, 3, 11, 9)) == "due_soon"  # next working day
    assert deadline_state(DUE, now=vn(2025, 3, 10, 17)) == "on_time"  # two working days left


def test_due_soon_looks_across_the_weekend_and_tet():
    monday = vn(2025, 3, 17, 10)
    assert deadline_state(monday, now=vn(2025, 3, 14, 16)) == "due_soon"  # Friday
    assert deadline_state(monday, now=vn(2025, 3, 15, 10)) == "due_soon"  # Saturday
    assert deadline_state(monday, now=vn(2025, 3, 13, 16)) == "on_time"  # Thursday
    after_tet = vn(2025, 2, 3, 10)
    assert deadline_state(after_tet, now=vn(2025, 1, 24, 9)) == "due_soon"
    assert deadline_state(after_tet, now=vn(2025, 1, 23, 9)) == "on_time"


def test_due_soon_is_judged_on_vietnam_dates():
    # Monday 23:30 UTC is Tuesday 06:30 in Vietnam: one working day before the due Wednesday.
    now = dt.datetime(2025, 3, 10, 23, 30, tzinfo=dt.UTC)
    assert deadline_state(DUE, now=now) == "due_soon"
    assert deadline_state(DUE, now=dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC)) == "on_time"


def test_now_defaults_to_the_current_time():
    assert deadline_state(timezone.now() - dt.timedelta(minutes=1)) == "overdue"
    assert deadline_state(timezone.now() + dt.timedelta(days=60)) == "on_time"
