"""due_date: when the clock starts, how days and hours are counted, and what is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from chinhquyen.core.errors import ValidationFailed
from chinhquyen.workdays.calendar import VN_TZ, due_date, effective_start, working_days_between
from chinhquyen.workdays.services import calendar_seed_demo

from .conftest import vn

pytestmark = pytest.mark.django_db

# Monday 10 March 2025 starts an ordinary week with no holiday.
MON, TUE, WED, FRI = (2025, 3, 10), (2025, 3, 11), (2025, 3, 12), (2025, 3, 14)


# --- days ---------------------------------------------------------------------------------------


def test_five_working_days_from_monday_morning_is_next_monday_at_the_same_time():
    assert due_date(vn(*MON, 10), days=5) == vn(2025, 3, 17, 10)


def test_a_friday_dossier_after_the_cutoff_starts_on_monday_morning_and_one_day_is_monday_close():
    assert effective_start(vn(*FRI, 16)) == vn(2025, 3, 17, 7, 30)
    assert due_date(vn(*FRI, 16), days=1) == vn(2025, 3, 17, 17)
    assert due_date(vn(*FRI, 16), days=2) == vn(2025, 3, 18, 17)


def test_zero_days_is_the_effective_start_itself():
    assert due_date(vn(*MON, 10), days=0) == vn(*MON, 10)
    assert due_date(vn(2025, 3, 8, 10), days=0) == vn(*MON, 7, 30)  # a Saturday


def test_half_a_day_is_four_working_hours():
    # 09:00 -> 11:30 is 2.5 h, the remaining 1.5 h run from 13:00.
    assert due_date(vn(*MON, 9), days=Decimal("0.5")) == vn(*MON, 14, 30)
    assert due_date(vn(*MON, 9), days=0.5) == vn(*MON, 14, 30)


def test_one_and_a_half_days_is_one_day_then_four_hours():
    assert due_date(vn(*MON, 10), days=Decimal("1.5")) == vn(*TUE, 15, 30)


def test_a_dossier_accepted_the_day_before_tet_2025_with_five_days_is_due_after_the_holiday():
    # Friday 24/1/2025; Tết closes Mon 27/1 - Fri 31/1; days 1..5 are 3/2..7/2.
    assert due_date(vn(2025, 1, 24, 10), days=5) == vn(2025, 2, 7, 10)


def test_a_dossier_accepted_the_day_before_tet_2026_with_five_days_is_due_after_the_holiday():
    # Friday 13/2/2026; Tết closes Mon 16/2 - Fri 20/2; days 1..5 are 23/2..27/2.
    assert due_date(vn(2026, 2, 13, 10), days=5) == vn(2026, 2, 27, 10)


def test_a_paper_dossier_received_after_the_cutoff_before_tet_starts_after_tet():
    assert effective_start(vn(2025, 1, 24, 15, 30)) == vn(2025, 2, 3, 7, 30)
    assert due_date(vn(2025, 1, 24, 15, 30), days=1) == vn(2025, 2, 3, 17)


def test_a_deadline_crossing_new_year_skips_the_first_of_january():
    # Tue 31/12/2024 + 1 working day: Wed 1/1/2025 is off -> Thu 2/1/2025.
    assert due_date(vn(2024, 12, 31, 9), days=1) == vn(2025, 1, 2, 9)


def test_a_deadline_crossing_new_year_2026_follows_the_announced_swap_once_it_is_entered():
    start = vn(2025, 12, 30, 10)  # Tuesday
    # Base calendar: Wed 31/12 (1), Thu 1/1 off, Fri 2/1 (2).
    assert due_date(start, days=2) == vn(2026, 1, 2, 10)
    calendar_seed_demo()
    # Announced: Fri 2/1/2026 off (worked on Sat 10/1) -> Mon 5/1.
    assert due_date(start, days=2) == vn(2026, 1, 5, 10)


def test_due_date_and_working_days_between_agree_for_every_working_day_of_a_year():
    day = dt.date(2025, 1, 1)
    while day.year == 2025:
        start = dt.datetime.combine(day, dt.time(9), tzinfo=VN_TZ)
        if effective_start(start) == start:
            for n in (1, 5, 20):
                assert working_days_between(day, due_date(start, days=n).date()) == n
        day += dt.timedelta(days=1)


# --- when the clock starts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "starts"),
    [
        ((14, 59), vn(*MON, 14, 59)),
        ((15, 0), vn(*MON, 15, 0)),  # 15:00 itself is not "after 15:00"
        ((15, 1), vn(*TUE, 7, 30)),
    ],
)
def test_the_15_00_cutoff_counts_later_paper_dossiers_from_the_next_working_day(received, starts):
    assert effective_start(vn(*MON, *received)) == starts


def test_one_day_from_14_59_15_00_and_15_01():
    assert due_date(vn(*MON, 14, 59), days=1) == vn(*TUE, 14, 59)
    assert due_date(vn(*MON, 15, 0), days=1) == vn(*TUE, 15, 0)
    # After the cut-off the day counts from Tuesday's opening and ends at Tuesday's close: the
    # same working time as Wednesday 07:30, written on the day the law names.
    assert due_date(vn(*MON, 15, 0, 1), days=1) == vn(*TUE, 17)
    assert due_date(vn(*MON, 15, 1), days=1) == vn(*TUE, 17)


def test_without_the_cutoff_an_afternoon_dossier_starts_the_same_day():
    assert effective_start(vn(*MON, 15, 1), apply_cutoff=False) == vn(*MON, 15, 1)
    assert due_date(vn(*MON, 15, 1), days=1, apply_cutoff=False) == vn(*TUE, 15, 1)
    assert due_date(vn(*MON, 16, 59), days=1, apply_cutoff=False) == vn(*TUE, 16, 59)


def test_before_opening_the_clock_starts_at_the_morning_start():
    assert effective_start(vn(*MON, 6)) == vn(*MON, 7, 30)
    assert effective_start(vn(*MON, 7, 29, 59)) == vn(*MON, 7, 30)
    assert effective_start(vn(*MON, 7, 30)) == vn(*MON, 7, 30)


def test_during_the_lunch_break_the_clock_starts_at_the_afternoon_start():
    assert effective_start(vn(*MON, 11, 30, 1)) == vn(*MON, 13)
    assert effective_start(vn(*MON, 12, 15)) == vn(*MON, 13)
    assert effective_start(vn(*MON, 12, 59, 59)) == vn(*MON, 13)
    assert due_date(vn(*MON, 12, 15), days=1) == vn(*TUE, 13)


def test_the_ends_of_the_office_hour_windows_still_count_as_office_hours():
    assert effective_start(vn(*MON, 11, 30)) == vn(*MON, 11, 30)
    assert due_date(vn(*MON, 11, 30), days=1) == vn(*TUE, 11, 30)
    assert effective_start(vn(*MON, 17), apply_cutoff=False) == vn(*MON, 17)
    assert due_date(vn(*MON, 17), days=1, apply_cutoff=False) == vn(*TUE, 17)
    # ... but no working time is left in them.
    assert due_date(vn(*MON, 11, 30), hours=1) == vn(*MON, 14)
    assert due_date(vn(*MON, 17), hours=1, apply_cutoff=False) == vn(*TUE, 8, 30)


def test_deadlines_can_be_chained_from_a_due_time_at_the_end_of_a_day():
    start = vn(*MON, 9)
    for first, second in [(8, 8), (2.5, 5.5), (4, 12), (11, 0.5)]:
        middle = due_date(start, hours=first)
        chained = due_date(middle, hours=second, apply_cutoff=False)
        assert chained == due_date(start, hours=first + second), (first, second)
    end_of_day = due_date(vn(*MON, 7, 30), hours=8)
    assert end_of_day == vn(*MON, 17)
    assert due_date(end_of_day, days=2, apply_cutoff=False) == vn(*WED, 17)


def test_after_closing_and_on_days_off_the_clock_starts_next_working_morning():
    assert effective_start(vn(*MON, 17, 0, 1), apply_cutoff=False) == vn(*TUE, 7, 30)
    assert effective_start(vn(*MON, 21), apply_cutoff=False) == vn(*TUE, 7, 30)
    assert effective_start(vn(2025, 3, 8, 10)) == vn(*MON, 7, 30)  # Saturday
    assert effective_start(vn(2025, 4, 30, 9)) == vn(2025, 5, 5, 7, 30)  # 30/4, 1/5, 2/5, weekend


# --- hours --------------------------------------------------------------------------------------


def test_hours_run_through_the_evening_to_the_next_morning():
    # 16:00 -> 17:00 is 1 h; 2 h more from Tuesday 07:30.
    assert due_date(vn(*MON, 16), hours=3, apply_cutoff=False) == vn(*TUE, 9, 30)


def test_hours_with_the_cutoff_start_from_the_next_morning():
    assert due_date(vn(*MON, 16), hours=3) == vn(*TUE, 10, 30)


def test_hours_skip_the_lunch_break():
    assert due_date(vn(*MON, 10, 30), hours=2) == vn(*MON, 14)
    assert due_date(vn(*MON, 11, 15), hours=Decimal("0.75")) == vn(*MON, 13, 30)


def test_hours_that_end_exactly_at_a_window_end_stay_on_that_day():
    assert due_date(vn(*MON, 7, 30), hours=4) == vn(*MON, 11, 30)
    assert due_date(vn(*MON, 7, 30), hours=8) == vn(*MON, 17)
    assert due_date(vn(*MON, 7, 30), hours=Decimal("8.5")) == vn(*TUE, 8)


def test_hours_skip_the_weekend():
    # Friday 14:00 -> 17:00 is 3 h; the 4th hour is Monday 07:30 -> 08:30.
    assert due_date(vn(*FRI, 14), hours=4) == vn(2025, 3, 17, 8, 30)


def test_hours_skip_tet():
    # Fri 24/1/2025 14:00: 3 h that day, then 4 h + 1 h on Monday 3/2.
    assert due_date(vn(2025, 1, 24, 14), hours=8) == vn(2025, 2, 3, 14)


def test_zero_hours_is_the_effective_start():
    assert due_date(vn(*MON, 12), hours=0) == vn(*MON, 13)


# --- time zones ---------------------------------------------------------------------------------


def test_an_aware_utc_start_is_read_in_vietnam_time_and_the_result_is_in_vietnam_time():
    start = dt.datetime(2025, 3, 10, 3, 0, tzinfo=dt.UTC)  # 10:00 in Hà Nội
    due = due_date(start, days=5)
    assert due == vn(2025, 3, 17, 10)
    assert due.utcoffset() == dt.timedelta(hours=7)
    assert due.tzinfo == VN_TZ


def test_a_utc_sunday_evening_is_a_vietnam_monday_morning():
    assert effective_start(dt.datetime(2025, 3, 9, 23, 30, tzinfo=dt.UTC)) == vn(*MON, 7, 30)


def test_a_naive_start_is_taken_as_vietnam_time():
    assert due_date(dt.datetime(2025, 3, 10, 10), days=5) == vn(2025, 3, 17, 10)


# --- refused input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "days"),
        ({"days": 1, "hours": 1}, "hours"),
        ({"days": -1}, "days"),
        ({"hours": Decimal("-0.5")}, "hours"),
        ({"days": 3651}, "days"),
        ({"hours": 29201}, "hours"),
        ({"days": True}, "days"),
        ({"days": "5"}, "days"),
        ({"days": Decimal("NaN")}, "days"),
        ({"hours": float("inf")}, "hours"),
    ],
)
def test_bad_amounts_are_refused_with_a_field_error(kwargs, field):
    with pytest.raises(ValidationFailed) as exc:
        due_date(vn(*MON, 10), **kwargs)
    assert field in exc.value.fields
    assert exc.value.code == "validation_failed"


def test_the_largest_allowed_amounts_are_accepted():
    assert due_date(vn(*MON, 10), days=3650).year == 2039
    assert due_date(vn(*MON, 10), hours=29200) > vn(2039, 1, 1)


def test_a_date_without_a_time_is_refused_as_start():
    with pytest.raises(ValidationFailed) as exc:
        due_date(dt.date(2025, 3, 10), days=1)
    assert "start" in exc.value.fields


def test_a_start_outside_the_supported_years_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        due_date(vn(1999, 6, 1, 10), days=1)
    assert "start" in exc.value.fields
