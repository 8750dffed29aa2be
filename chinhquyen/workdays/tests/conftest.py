from __future__ import annotations

import datetime as dt

import pytest

from chinhquyen.workdays import calendar


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # The cache outlives a test's rolled-back transaction; start and end every test without it.
    calendar.calendar_cache_clear()
    yield
    calendar.calendar_cache_clear()


def vn(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    """An aware datetime in Vietnam time."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=calendar.VN_TZ)
