"""A time limit ends at the close of its last working day, and is written that way for people:
"17:00 thứ Ba 08/12", never "07:30 09/12" (docs/decisions/0002-…)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from chinhquyen.workdays.calendar import deadline_end, deadline_state, due_date
from chinhquyen.workdays.services import calendar_seed_demo, working_time_policy_set
from chinhquyen.workdays.text import date_text, deadline_text, time_limit_text, when_text

from .catalogue import install_catalogue
from .conftest import vn

pytestmark = pytest.mark.django_db

# Monday 7 December 2026: an ordinary week (the example).
MON, TUE, WED = (2026, 12, 7), (2026, 12, 8), (2026, 12, 9)
NOW = vn(*MON, 9)


# --- the stored instant ------------------------------------------------------------------------


def test_one_day_received_at_14_59_on_monday_is_due_on_tuesday_at_14_59():
    assert due_date(vn(*MON, 14, 59), days=1) == vn(*TUE, 14, 59)


def test_one_day_received_at_15_01_on_monday_is_due_at_the_close_of_tuesday():
    due = due_date(vn(*MON, 15, 1), days=1)
    assert due == vn(*TUE, 17)
    assert deadline_text(due, now=NOW) == "17:00 thứ Ba 08/12"


def test_after_15_00_on_friday_one_day_ends_monday_and_two_days_end_tuesday():
    friday = vn(2026, 12, 4, 15, 30)
    assert due_date(friday, days=1) == vn(*MON, 17)
    assert due_date(friday, days=2) == vn(*TUE, 17)


def test_a_saturday_submission_counts_from_monday_and_ends_at_its_close():
    assert due_date(vn(2026, 12, 5, 10), days=1) == vn(*MON, 17)


def test_the_day_before_tet_2026_a_late_dossier_is_due_before_the_holiday_not_after_it():
    # Thursday 12/2/2026 after 15:00: counted from Friday 13/2, the last working day before the
    # Tết break (14–22/2 with the announced days). One day ends that Friday at 17:00, not on
    # Monday 23/2 at 07:30 ten days later.
    calendar_seed_demo()
    assert due_date(vn(2026, 2, 12, 15, 30), days=1) == vn(2026, 2, 13, 17)
    # Received on the Friday after 15:00: counted from Monday 23/2, due at its close.
    assert due_date(vn(2026, 2, 13, 15, 30), days=1) == vn(2026, 2, 23, 17)


def test_hung_kings_day_2025_is_skipped_and_the_limit_ends_before_it():
    # Monday 7/4/2025 is Giỗ Tổ Hùng Vương. Received Thursday 3/4 after 15:00: counted from
    # Friday 4/4; one day ends Friday 17:00, two days end Tuesday 8/4 17:00.
    assert due_date(vn(2025, 4, 3, 15, 30), days=1) == vn(2025, 4, 4, 17)
    assert due_date(vn(2025, 4, 3, 15, 30), days=2) == vn(2025, 4, 8, 17)
    # Friday 10:00 + 1 day keeps its time of day, across the holiday.
    assert due_date(vn(2025, 4, 4, 10), days=1) == vn(2025, 4, 8, 10)


def test_half_days_run_in_working_hours_and_are_not_moved():
    # From an opening: four hours, ending before lunch the same day.
    assert due_date(vn(*MON, 15, 1), days=Decimal("0.5")) == vn(*TUE, 11, 30)
    assert due_date(vn(*MON, 15, 1), days=Decimal("1.5")) == vn(*WED, 11, 30)
    assert due_date(vn(*MON, 13), days=Decimal("0.5")) == vn(*MON, 17)


def test_the_close_comes_from_the_working_time_policy_of_the_last_day():
    # From 1/12/2026 the office closes at 16:30.
    working_time_policy_set(
        effective_from=dt.date(2026, 12, 1),
        morning_start=dt.time(7, 30),
        morning_end=dt.time(11, 30),
        afternoon_start=dt.time(13),
        afternoon_end=dt.time(16, 30),
        cutoff=dt.time(15),
    )
    assert due_date(vn(*MON, 15, 1), days=1) == vn(*TUE, 16, 30)


def test_a_zero_limit_is_still_the_effective_start():
    assert due_date(vn(*MON, 15, 1), days=0) == vn(*TUE, 7, 30)


def test_deadline_end_reads_any_instant_as_the_law_counts_it():
    assert deadline_end(vn(*WED, 7, 30)) == vn(*TUE, 17)
    assert deadline_end(vn(*WED, 6)) == vn(*TUE, 17)
    assert deadline_end(vn(*TUE, 18)) == vn(*TUE, 17)
    assert deadline_end(vn(*MON, 7, 30)) == vn(2026, 12, 4, 17)  # Monday opening → Friday close
    assert deadline_end(vn(2026, 12, 6, 10)) == vn(2026, 12, 4, 17)  # Sunday → Friday close
    for inside in (vn(*TUE, 7, 31), vn(*TUE, 12), vn(*TUE, 13), vn(*TUE, 17)):
        assert deadline_end(inside) == inside
    assert deadline_end(dt.datetime(2026, 12, 9, 0, 30, tzinfo=dt.UTC)) == vn(*TUE, 17)


def test_due_soon_is_computed_from_the_close_of_the_due_day():
    due = due_date(vn(*MON, 15, 1), days=1)  # Tuesday 17:00
    assert deadline_state(due, now=vn(*MON, 16)) == "due_soon"
    assert deadline_state(due, now=vn(*TUE, 16, 59)) == "due_soon"
    assert deadline_state(due, now=vn(*TUE, 17, 1)) == "overdue"
    # A week's limit from the same Monday is not due soon on that Monday.
    assert deadline_state(due_date(vn(*MON, 15, 1), days=5), now=vn(*MON, 16)) == "on_time"


def test_finished_at_16_59_on_the_due_day_is_on_time_and_07_31_the_next_morning_is_late():
    due = due_date(vn(*MON, 15, 1), days=1)
    assert deadline_state(due, finished_at=vn(*TUE, 16, 59)) == "on_time"
    assert deadline_state(due, finished_at=vn(*TUE, 17)) == "on_time"
    assert deadline_state(due, finished_at=vn(*WED, 7, 31)) == "overdue"


# --- written for people ------------------------------------------------------------------------


def test_a_deadline_stored_as_the_next_opening_is_still_written_as_the_close():
    assert deadline_text(vn(*WED, 7, 30), now=NOW) == "17:00 thứ Ba 08/12"
    assert deadline_text(vn(*TUE, 10, 5), now=NOW) == "10:05 thứ Ba 08/12"


def test_the_year_is_written_when_it_is_not_the_current_one():
    assert deadline_text(vn(2027, 1, 4, 17), now=NOW) == "17:00 thứ Hai 04/01/2027"
    assert deadline_text(vn(*TUE, 17), now=NOW, year=True) == "17:00 thứ Ba 08/12/2026"
    assert deadline_text(vn(2027, 1, 4, 17), now=vn(2027, 1, 2)) == "17:00 thứ Hai 04/01"


def test_every_weekday_has_its_vietnamese_name():
    names = [deadline_text(vn(2026, 12, d, 10), now=NOW)[6:-6] for d in range(7, 12)]
    assert names == ["thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu"]
    assert when_text(vn(2026, 12, 12, 10), now=NOW) == "10:00 thứ Bảy 12/12"
    assert when_text(vn(2026, 12, 13, 10), now=NOW) == "10:00 Chủ nhật 13/12"


def test_english_writes_the_weekday_in_english_with_the_same_dates():
    with translation.override("en"):
        assert deadline_text(vn(*WED, 7, 30), now=NOW) == "17:00 Tue 08/12"
    assert deadline_text(vn(*TUE, 17), now=NOW, language="en") == "17:00 Tue 08/12"


def test_when_text_does_not_move_an_instant_outside_office_hours():
    assert when_text(vn(*TUE, 23, 59), now=NOW) == "23:59 thứ Ba 08/12"
    assert when_text(None) == "" and deadline_text(None) == ""


def test_dates_are_written_day_first():
    assert date_text("1995-03-15") == "15/03/1995"
    assert date_text(dt.date(2026, 12, 8)) == "08/12/2026"
    assert date_text(dt.datetime(2026, 12, 8, 20, tzinfo=dt.UTC)) == "09/12/2026"  # Vietnam
    assert date_text("không phải ngày") == "không phải ngày"
    assert date_text(None) == "" and date_text("") == ""


def test_time_limits_take_the_plural_their_count_needs():
    # Pinned: a request with the English cookie in an earlier test leaves English active.
    with translation.override("vi"):
        assert time_limit_text(1) == "1 ngày làm việc"
        assert time_limit_text(Decimal("0.5")) == "0,5 ngày làm việc"
        assert time_limit_text(Decimal("5.00"), "hours") == "5 giờ làm việc"
        assert time_limit_text("x") == ""


EN_PLURALS = """
msgid "%(count)s ngày làm việc"
msgid_plural "%(count)s ngày làm việc"
msgstr[0] "%(count)s working day"
msgstr[1] "%(count)s working days"
"""


@pytest.fixture
def english_plurals(settings, tmp_path):
    install_catalogue(settings, tmp_path, EN_PLURALS)


def test_english_says_1_working_day_and_5_working_days_once_translated(english_plurals):
    with translation.override("en"):
        assert time_limit_text(1) == "1 working day"
        assert time_limit_text(5) == "5 working days"
        assert time_limit_text(Decimal("0.5")) == "0.5 working days"


def test_before_the_plural_is_translated_english_keeps_the_units_translation():
    with translation.override("en"):
        assert time_limit_text(15) == "15 working days"
