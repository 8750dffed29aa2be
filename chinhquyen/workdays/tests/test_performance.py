"""due_date is called on every submission and in every list: once warm it must neither query the
database nor rebuild its year tables. (Timings are for `make bench` and the docs, not for tests:
the suite must not fail because the machine is slow.)"""

from __future__ import annotations

import pytest

from chinhquyen.workdays import calendar
from chinhquyen.workdays.calendar import deadline_state, due_date

from .conftest import vn

pytestmark = pytest.mark.django_db


def test_a_warm_calendar_answers_without_queries_or_rebuilding_years(
    django_assert_num_queries, monkeypatch
):
    start = vn(2025, 12, 15, 16, 30)  # after the cut-off, crossing New Year
    due = due_date(start, days=20)  # warm-up: builds the year tables
    due_date(vn(2025, 1, 24, 14), hours=40)
    builds = []
    original = calendar._build_year
    monkeypatch.setattr(
        calendar, "_build_year", lambda *a, **kw: builds.append(a) or original(*a, **kw)
    )
    with django_assert_num_queries(0):
        for _ in range(200):
            assert due_date(start, days=20) == due
            due_date(vn(2025, 1, 24, 14), hours=40)
            deadline_state(due, now=start)
    assert builds == []
