"""due_date is called on every submission and in every list: it must stay cheap once warm."""

from __future__ import annotations

import time

import pytest

from chinhquyen.workdays.calendar import deadline_state, due_date

from .conftest import vn

pytestmark = pytest.mark.django_db


def _median_seconds(fn, runs: int = 300) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    samples.sort()
    return samples[len(samples) // 2]


def test_due_date_for_twenty_working_days_takes_well_under_a_millisecond_when_warm():
    start = vn(2025, 12, 15, 16, 30)  # after the cut-off, crossing New Year
    due_date(start, days=20)  # warm-up: builds the year tables
    assert _median_seconds(lambda: due_date(start, days=20)) < 0.0002


def test_an_hours_deadline_and_deadline_state_are_as_cheap():
    start = vn(2025, 1, 24, 14)
    due = due_date(start, hours=40)
    assert _median_seconds(lambda: due_date(start, hours=40)) < 0.0005
    assert _median_seconds(lambda: deadline_state(due, now=start)) < 0.0002
