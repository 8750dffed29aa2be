"""Calendar periods and the Decree 09/2019 report periods (cut-off on the 14th)."""

from __future__ import annotations

import datetime as dt

import pytest

from chinhquyen.core.errors import ValidationFailed
from chinhquyen.reporting.periods import nd09_periods_of_year, period_parse

D = dt.date


@pytest.mark.parametrize(
    ("code", "kind", "start", "end"),
    [
        ("2026", "year", D(2026, 1, 1), D(2026, 12, 31)),
        ("2026-H2", "half", D(2026, 7, 1), D(2026, 12, 31)),
        ("2026-Q1", "quarter", D(2026, 1, 1), D(2026, 3, 31)),
        ("2024-02", "month", D(2024, 2, 1), D(2024, 2, 29)),
        ("ND09-2026-03", "nd09_month", D(2026, 2, 15), D(2026, 3, 14)),
        ("ND09-2026-01", "nd09_month", D(2025, 12, 15), D(2026, 1, 14)),
        ("ND09-2026-Q1", "nd09_quarter", D(2025, 12, 15), D(2026, 3, 14)),
        ("ND09-2026-Q4", "nd09_quarter", D(2026, 9, 15), D(2026, 12, 14)),
        ("ND09-2026-6T", "nd09_6m", D(2025, 12, 15), D(2026, 6, 14)),
        ("nd09-2026-9t", "nd09_9m", D(2025, 12, 15), D(2026, 9, 14)),
        ("ND09-2026", "nd09_year", D(2025, 12, 15), D(2026, 12, 14)),
    ],
)
def test_periods_have_the_legal_bounds(code, kind, start, end):
    period = period_parse(code)
    assert (period.kind, period.start, period.end) == (kind, start, end)
    assert period.code == code.upper()


@pytest.mark.parametrize(
    "code", ["", "2026-13", "2026-Q5", "ND09-2026-H1", "2026-6T", "26-03", "1999", "x"]
)
def test_malformed_periods_are_refused_with_a_stable_code(code):
    with pytest.raises(ValidationFailed) as err:
        period_parse(code)
    assert err.value.code == "malformed_period"


def test_the_monthly_report_periods_tile_the_year_without_gaps():
    months = [p for p in nd09_periods_of_year(2026) if p.kind == "nd09_month"]
    assert months[0].start == D(2025, 12, 15) and months[-1].end == D(2026, 12, 14)
    for before, after in zip(months, months[1:], strict=False):
        assert after.start == before.end + dt.timedelta(days=1)
    assert len(nd09_periods_of_year(2026)) == 19


def test_the_cutoff_day_is_a_setting(settings):
    settings.REPORTING_CUTOFF_DAY = 20
    assert period_parse("ND09-2026-03").start == D(2026, 2, 21)


@pytest.mark.django_db
def test_a_report_is_due_a_few_working_days_after_the_cutoff(settings):
    settings.REPORTING_DUE_WORKING_DAYS = 3
    # 14/03/2026 is a Saturday: Monday 16, Tuesday 17, Wednesday 18.
    due = period_parse("ND09-2026-03").due_at()
    assert due.date() == D(2026, 3, 18) and due.hour == 23


def test_labels_are_vietnamese():
    assert period_parse("ND09-2026-Q1").label.startswith("Báo cáo quý 1/2026")
    assert period_parse("2026-03").label.startswith("Tháng 3/2026")


def test_a_trend_takes_the_earlier_periods_of_the_same_kind():
    from chinhquyen.reporting.periods import periods_before

    def codes(code, n):
        return [p.code for p in periods_before(period_parse(code), n)]

    assert codes("ND09-2026-02", 3) == ["ND09-2025-12", "ND09-2026-01", "ND09-2026-02"]
    assert codes("2026-Q1", 3) == ["2025-Q3", "2025-Q4", "2026-Q1"]
    assert codes("ND09-2026-Q2", 2) == ["ND09-2026-Q1", "ND09-2026-Q2"]
    assert codes("2026-H1", 3) == ["2025-H1", "2025-H2", "2026-H1"]
    assert codes("ND09-2026-9T", 2) == ["ND09-2025-9T", "ND09-2026-9T"]
    assert codes("2026", 3) == ["2024", "2025", "2026"]
    assert codes("2001", 3) == ["2000", "2001"]
