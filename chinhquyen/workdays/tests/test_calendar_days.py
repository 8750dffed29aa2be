"""Which days are working days: weekends, the Labour Code holidays, Tết, swaps."""

from __future__ import annotations

import datetime as dt

import pytest

from chinhquyen.core.errors import ValidationFailed
from chinhquyen.workdays.calendar import (
    is_working_day,
    named_days,
    next_working_day,
    previous_working_day,
    working_days_between,
)

pytestmark = pytest.mark.django_db

D = dt.date


def test_monday_to_friday_are_working_days_and_the_weekend_is_not():
    week = [D(2025, 3, 10) + dt.timedelta(days=i) for i in range(7)]
    assert [is_working_day(d) for d in week] == [True, True, True, True, True, False, False]


def test_next_working_day_skips_the_weekend_and_previous_working_day_goes_back_over_it():
    assert next_working_day(D(2025, 3, 7)) == D(2025, 3, 10)
    assert next_working_day(D(2025, 3, 8)) == D(2025, 3, 10)
    assert next_working_day(D(2025, 3, 10)) == D(2025, 3, 11)
    assert previous_working_day(D(2025, 3, 10)) == D(2025, 3, 7)
    assert previous_working_day(D(2025, 3, 9)) == D(2025, 3, 7)


@pytest.mark.parametrize(
    "day",
    [
        D(2025, 1, 1),  # Tết Dương lịch (Wed)
        D(2025, 4, 30),  # Ngày Chiến thắng (Wed)
        D(2025, 5, 1),  # Quốc tế Lao động (Thu)
        D(2025, 9, 2),  # Quốc khánh (Tue)
        D(2026, 1, 1),  # Thu
        D(2026, 4, 30),  # Thu
        D(2026, 5, 1),  # Fri
        D(2026, 9, 2),  # Wed
        D(2027, 1, 1),  # Fri
    ],
)
def test_each_fixed_public_holiday_on_a_weekday_is_a_day_off(day):
    assert day.weekday() < 5
    assert not is_working_day(day)


@pytest.mark.parametrize(
    ("holiday", "compensation"),
    [
        (D(2022, 1, 1), D(2022, 1, 3)),  # New Year on a Saturday -> Monday
        (D(2021, 5, 1), D(2021, 5, 3)),  # Labour Day on a Saturday -> Monday
        (D(2027, 5, 1), D(2027, 5, 3)),
        (D(2022, 4, 30), D(2022, 5, 2)),  # 30/4 and 1/5 on a weekend -> Mon and Tue
        (D(2022, 5, 1), D(2022, 5, 3)),
    ],
)
def test_a_holiday_on_a_weekend_gives_a_compensating_working_day_off(holiday, compensation):
    assert holiday.weekday() >= 5
    assert not is_working_day(compensation)


@pytest.mark.parametrize(
    ("year", "days_off", "back_to_work"),
    [
        (2021, [D(2021, 9, 2), D(2021, 9, 3)], D(2021, 9, 6)),  # Thu + Fri after
        (2024, [D(2024, 9, 2), D(2024, 9, 3)], D(2024, 9, 4)),  # Mon + Tue after
        (2025, [D(2025, 9, 1), D(2025, 9, 2)], D(2025, 9, 3)),  # Mon before + Tue
        (2027, [D(2027, 9, 2), D(2027, 9, 3)], D(2027, 9, 6)),
    ],
)
def test_national_day_comes_with_one_adjacent_day_off(year, days_off, back_to_work):
    assert all(not is_working_day(d) for d in days_off)
    assert next_working_day(days_off[-1]) == back_to_work
    # Exactly these days are added: the last working day before and the return are adjacent.
    assert working_days_between(previous_working_day(days_off[0]), back_to_work) == 1


def test_national_day_2023_on_a_saturday_keeps_friday_off_and_gives_monday():
    assert not is_working_day(D(2023, 9, 1))
    assert not is_working_day(D(2023, 9, 4))
    assert is_working_day(D(2023, 9, 5))


def test_the_2026_national_day_swap_makes_monday_31_august_off_and_saturday_22_august_a_working_day():
    assert not is_working_day(D(2026, 8, 31))
    assert is_working_day(D(2026, 8, 22))
    assert not is_working_day(D(2026, 8, 23))  # the Sunday stays off
    assert next_working_day(D(2026, 8, 28)) == D(2026, 9, 3)


def test_hung_kings_day_2025_is_monday_7_april():
    assert not is_working_day(D(2025, 4, 7))
    assert is_working_day(D(2025, 4, 4))
    assert is_working_day(D(2025, 4, 8))


def test_hung_kings_day_2026_falls_on_sunday_26_april_and_monday_27_april_is_the_compensating_day():
    assert not is_working_day(D(2026, 4, 27))
    assert is_working_day(D(2026, 4, 28))
    names = {n.date: n.name for n in named_days(2026)}
    assert "Hùng Vương" in names[D(2026, 4, 26)]
    assert "Hùng Vương" in names[D(2026, 4, 27)]


def test_tet_2025_in_late_january_closes_monday_27_to_friday_31_january():
    assert is_working_day(D(2025, 1, 24))
    assert [is_working_day(D(2025, 1, d)) for d in range(27, 32)] == [False] * 5
    assert next_working_day(D(2025, 1, 24)) == D(2025, 2, 3)
    assert working_days_between(D(2025, 1, 24), D(2025, 2, 3)) == 1


def test_tet_2026_in_mid_february_closes_monday_16_to_friday_20_february():
    assert is_working_day(D(2026, 2, 13))
    assert [is_working_day(D(2026, 2, d)) for d in range(16, 21)] == [False] * 5
    assert next_working_day(D(2026, 2, 13)) == D(2026, 2, 23)


def test_the_lunar_tet_moves_so_the_same_calendar_dates_differ_between_years():
    # Late January is Tết in 2025 but an ordinary week in 2026, and mid February the reverse.
    assert not is_working_day(D(2025, 1, 28))
    assert is_working_day(D(2026, 1, 27))
    assert is_working_day(D(2025, 2, 17))
    assert not is_working_day(D(2026, 2, 17))


def test_tet_2020_crosses_a_weekend_and_still_gives_five_weekdays_off():
    days = [D(2020, 1, 23) + dt.timedelta(days=i) for i in range(7)]
    assert [is_working_day(d) for d in days] == [False] * 7
    assert working_days_between(D(2020, 1, 22), D(2020, 1, 30)) == 1


def test_a_library_make_up_saturday_is_a_working_day_and_its_swap_day_is_off():
    # 30/4/2025: Friday 2/5 off, worked on Saturday 26/4.
    assert is_working_day(D(2025, 4, 26))
    assert not is_working_day(D(2025, 5, 2))
    # A swap announced for 2018 whose make-up Saturday falls in 2019.
    assert is_working_day(D(2019, 1, 5))


def test_working_days_between_counts_the_days_after_start_up_to_and_including_end():
    assert working_days_between(D(2025, 3, 10), D(2025, 3, 17)) == 5
    assert working_days_between(D(2025, 3, 10), D(2025, 3, 10)) == 0
    assert working_days_between(D(2025, 3, 17), D(2025, 3, 10)) == -5
    assert working_days_between(D(2025, 3, 8), D(2025, 3, 9)) == 0  # a weekend


def test_working_days_between_crosses_new_year_and_several_years():
    # 31/12/2025 (Wed) -> 5/1/2026 (Mon): Thu 1/1 is off, Fri 2/1 and Mon 5/1 count.
    assert working_days_between(D(2025, 12, 31), D(2026, 1, 5)) == 2
    start, end = D(2024, 12, 31), D(2027, 12, 31)
    days = [start + dt.timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert working_days_between(start, end) == sum(1 for d in days if is_working_day(d))


def test_named_days_lists_holidays_with_vietnamese_names():
    names = {n.date: (n.name, n.kind, n.source) for n in named_days(2025)}
    assert names[D(2025, 1, 29)] == ("Tết Nguyên Đán", "day_off", "base")
    assert names[D(2025, 4, 26)][1:] == ("working_day", "base")
    assert "02/05/2025" in names[D(2025, 4, 26)][0]
    assert D(2025, 3, 8) not in names  # plain weekends are not listed


def test_a_year_outside_the_supported_range_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        is_working_day(D(2150, 1, 2))
    assert exc.value.code == "calendar_out_of_range"
