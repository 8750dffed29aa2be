"""Reporting periods: calendar periods and the periodic-report periods of Decree 09/2019.

Codes (documented in docs/reporting.md):

- calendar: ``2026`` (year), ``2026-H1`` (half), ``2026-Q3`` (quarter), ``2026-03`` (month);
- Decree 09/2019 Art. 12, data cut-off on the 14th: ``ND09-2026-03`` (monthly, 15/02–14/03),
  ``ND09-2026-Q1`` (quarterly, 15/12/2025–14/03/2026), ``ND09-2026-6T`` (6 months,
  15/12/2025–14/06/2026), ``ND09-2026-9T`` (9 months, to 14/09) and ``ND09-2026`` (year,
  15/12/2025–14/12/2026).

The cut-off day and the number of working days a province has to send its report are settings
(REPORTING_CUTOFF_DAY, REPORTING_DUE_WORKING_DAYS): the law says "a few working days" and each
report regime fixes its own, so the default (5) is unconfirmed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from chinhquyen.core.errors import ValidationFailed
from chinhquyen.workdays import calendar

ND09 = "ND09"
KINDS = (
    "year",
    "half",
    "quarter",
    "month",
    "nd09_month",
    "nd09_quarter",
    "nd09_6m",
    "nd09_9m",
    "nd09_year",
)
_RE = re.compile(r"^(?P<nd09>ND09-)?(?P<year>\d{4})(?:-(?P<part>\d{2}|Q[1-4]|H[12]|6T|9T))?$")
_YEAR = re.compile(r"^(ND09-)?\d{4}")


@dataclass(frozen=True)
class Period:
    code: str
    kind: str
    start: dt.date  # first day, inclusive
    end: dt.date  # last day, inclusive

    @property
    def is_nd09(self) -> bool:
        return self.kind.startswith("nd09_")

    @property
    def label(self) -> str:
        span = f"{self.start:%d/%m/%Y}–{self.end:%d/%m/%Y}"
        year = self.end.year
        names = {
            "year": _("Năm %(year)s") % {"year": year},
            "half": _("6 tháng %(part)s/%(year)s") % {"part": self.code[-1], "year": year},
            "quarter": _("Quý %(part)s/%(year)s") % {"part": self.code[-1], "year": year},
            "month": _("Tháng %(month)s/%(year)s") % {"month": self.end.month, "year": year},
            "nd09_month": _("Báo cáo tháng %(month)s/%(year)s")
            % {"month": self.end.month, "year": year},
            "nd09_quarter": _("Báo cáo quý %(part)s/%(year)s")
            % {"part": self.code[-1], "year": year},
            "nd09_6m": _("Báo cáo 6 tháng năm %(year)s") % {"year": year},
            "nd09_9m": _("Báo cáo 9 tháng năm %(year)s") % {"year": year},
            "nd09_year": _("Báo cáo năm %(year)s") % {"year": year},
        }
        return f"{names[self.kind]} ({span})"

    @property
    def name(self) -> str:
        """The period as a person says it, with its span: "Tháng 11/2026 (15/10–14/11)",
        "Quý I/2026 (15/12/2025–14/03)", "6 tháng đầu năm 2026 (…)", "Năm 2026 (…)"."""
        year = self.end.year
        return f"{self._what(year)} ({self._span(year)})"

    @property
    def name_in_year(self) -> str:
        """The name without the year, for a list of one year's periods next to a year chooser:
        "Tháng 11 (15/10–14/11)", "Quý I (15/12 năm trước–14/03)"."""
        return f"{self._what(None)} ({self._span(None)})"

    def _what(self, year: int | None) -> str:
        part = self.code[-1]
        roman = {"1": "I", "2": "II", "3": "III", "4": "IV"}.get(part, part)
        month = self.end.month
        if self.kind in ("month", "nd09_month"):
            if year is None:
                return _("Tháng %(month)s") % {"month": month}
            return _("Tháng %(month)s/%(year)s") % {"month": month, "year": year}
        if self.kind in ("quarter", "nd09_quarter"):
            if year is None:
                return _("Quý %(part)s") % {"part": roman}
            return _("Quý %(part)s/%(year)s") % {"part": roman, "year": year}
        if self.kind in ("nd09_6m", "half"):
            first = self.kind == "nd09_6m" or part == "1"
            if year is None:
                return _("6 tháng đầu năm") if first else _("6 tháng cuối năm")
            if first:
                return _("6 tháng đầu năm %(year)s") % {"year": year}
            return _("6 tháng cuối năm %(year)s") % {"year": year}
        if self.kind == "nd09_9m":
            if year is None:
                return _("9 tháng")
            return _("9 tháng năm %(year)s") % {"year": year}
        if year is None:
            return _("Cả năm")
        return _("Năm %(year)s") % {"year": year}

    def _span(self, year: int | None) -> str:
        """dd/mm–dd/mm, with the start's year only when it is not the period's own (a Decree 09
        period starting in the December before); ``year`` None says "năm trước" instead."""
        start = f"{self.start:%d/%m}"
        if self.start.year != self.end.year:
            start = (
                _("%(day)s năm trước") % {"day": start}
                if year is None
                else f"{self.start:%d/%m/%Y}"
            )
        return f"{start}–{self.end:%d/%m}"

    def in_year(self, year: int) -> Period:
        """The period of the same kind and part in another year: ND09-2026-11 → ND09-2019-11."""
        return period_parse(_YEAR.sub(lambda m: f"{m[1] or ''}{year:04d}", self.code, count=1))

    @property
    def short_label(self) -> str:
        """For chart axes: T3/2026, Q1/2026, 6T/2026, 9T/2026, 2026."""
        year = self.end.year
        if self.kind in ("month", "nd09_month"):
            return f"T{self.end.month}/{year}"
        if self.kind in ("quarter", "nd09_quarter"):
            return f"Q{self.code[-1]}/{year}"
        if self.kind == "half":
            return f"{6 * int(self.code[-1]) - 5}–{6 * int(self.code[-1])}/{year}"
        if self.kind in ("nd09_6m", "nd09_9m"):
            return f"{self.code[-2:]}/{year}"
        return str(year)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "label": self.label,
            "name": self.name,
            "short_label": self.short_label,
        }

    def due_at(self) -> dt.datetime:
        """The end of the last working day on which the report is still on time."""
        days = int(getattr(settings, "REPORTING_DUE_WORKING_DAYS", 5))
        day = self.end
        for _i in range(days):
            day = calendar.next_working_day(day)
        tz = ZoneInfo(settings.TIME_ZONE)
        return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz)


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _cutoff_span(year: int, first_month: int, last_month: int) -> tuple[dt.date, dt.date]:
    """From the day after the cut-off of the month before ``first_month`` to the cut-off of
    ``last_month`` (months may be ≤ 0 to reach into the previous year)."""
    cut = int(getattr(settings, "REPORTING_CUTOFF_DAY", 14))
    y, m = (year, first_month - 1) if first_month > 1 else (year - 1, 12 + first_month - 1)
    return dt.date(y, m, cut) + dt.timedelta(days=1), dt.date(year, last_month, cut)


def _malformed(code: str) -> ValidationFailed:
    return ValidationFailed(
        _("Kỳ báo cáo «%(code)s» không đúng định dạng.") % {"code": code},
        code="malformed_period",
        fields={
            "period": [
                _(
                    "Ví dụ: 2026, 2026-H1, 2026-Q1, 2026-03, ND09-2026-03, ND09-2026-Q1, ND09-2026-6T, ND09-2026-9T, ND09-2026."
                )
            ]
        },
    )


def period_parse(code: str) -> Period:
    code = (code or "").strip().upper()
    match = _RE.match(code)
    if not match:
        raise _malformed(code)
    year = int(match["year"])
    part = match["part"]
    if not 2000 <= year <= 2100:
        raise _malformed(code)
    if match["nd09"]:
        if part is None:
            start, end = _cutoff_span(year, 1, 12)
            return Period(code, "nd09_year", start, end)
        if part.startswith("Q"):
            q = int(part[1])
            start, end = _cutoff_span(year, 3 * q - 2, 3 * q)
            return Period(code, "nd09_quarter", start, end)
        if part == "6T":
            return Period(code, "nd09_6m", *_cutoff_span(year, 1, 6))
        if part == "9T":
            return Period(code, "nd09_9m", *_cutoff_span(year, 1, 9))
        if part.startswith("H"):
            raise _malformed(code)
        month = int(part)
        if not 1 <= month <= 12:
            raise _malformed(code)
        return Period(code, "nd09_month", *_cutoff_span(year, month, month))
    if part is None:
        return Period(code, "year", dt.date(year, 1, 1), dt.date(year, 12, 31))
    if part.startswith("Q"):
        q = int(part[1])
        return Period(code, "quarter", dt.date(year, 3 * q - 2, 1), _month_end(year, 3 * q))
    if part.startswith("H"):
        h = int(part[1])
        return Period(code, "half", dt.date(year, 6 * h - 5, 1), _month_end(year, 6 * h))
    if part in ("6T", "9T"):
        raise _malformed(code)
    month = int(part)
    if not 1 <= month <= 12:
        raise _malformed(code)
    return Period(code, "month", dt.date(year, month, 1), _month_end(year, month))


def nd09_periods_of_year(year: int) -> list[Period]:
    """Every periodic report a province owes for ``year``."""
    codes = [f"ND09-{year}-{m:02d}" for m in range(1, 13)]
    codes += [f"ND09-{year}-Q{q}" for q in range(1, 5)]
    codes += [f"ND09-{year}-6T", f"ND09-{year}-9T", f"ND09-{year}"]
    return [period_parse(c) for c in codes]


def periods_before(period: Period, count: int) -> list[Period]:
    """``count`` periods of the same kind ending with ``period``, oldest first: the months before
    a month, the quarters before a quarter, the years before a year (a trend)."""
    nd09 = "ND09-" if period.is_nd09 else ""
    year = period.end.year
    codes: list[str] = []
    if period.kind in ("month", "nd09_month"):
        month = period.end.month
        for _i in range(count):
            codes.append(f"{nd09}{year}-{month:02d}")
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    elif period.kind in ("quarter", "nd09_quarter", "half"):
        step, letter = (2, "H") if period.kind == "half" else (4, "Q")
        part = int(period.code[-1])
        for _i in range(count):
            codes.append(f"{nd09}{year}-{letter}{part}")
            year, part = (year, part - 1) if part > 1 else (year - 1, step)
    else:  # a year, or a Decree 09 6- or 9-month period: the same span of earlier years
        suffix = {"nd09_6m": "-6T", "nd09_9m": "-9T"}.get(period.kind, "")
        codes = [f"{nd09}{year - i}{suffix}" for i in range(count)]
    result = []
    for code in reversed(codes):
        try:
            result.append(period_parse(code))
        except ValidationFailed:  # before the year 2000: the trend starts later
            continue
    return result


def nd09_month_of(day: dt.date) -> Period:
    """The Decree 09 month that ``day`` falls in (after the cut-off: the next month's)."""
    cut = int(getattr(settings, "REPORTING_CUTOFF_DAY", 14))
    year, month = day.year, day.month
    if day.day > cut:
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return period_parse(f"ND09-{year}-{month:02d}")


# The periods offered in one year, by group: (group name, codes with YYYY for the year).
CHOICE_GROUPS = (
    (
        _lazy("Báo cáo tháng theo Nghị định 09/2019 (từ ngày 15 tháng trước đến ngày 14)"),
        tuple(f"ND09-YYYY-{m:02d}" for m in range(1, 13)),
    ),
    (
        _lazy("Báo cáo quý, 6 tháng, 9 tháng và năm theo Nghị định 09/2019"),
        ("ND09-YYYY-Q1", "ND09-YYYY-Q2", "ND09-YYYY-Q3", "ND09-YYYY-Q4")
        + ("ND09-YYYY-6T", "ND09-YYYY-9T", "ND09-YYYY"),
    ),
    (
        _lazy("Theo lịch (từ ngày 1 đầu kỳ đến ngày cuối kỳ)"),
        tuple(f"YYYY-{m:02d}" for m in range(1, 13))
        + ("YYYY-Q1", "YYYY-Q2", "YYYY-Q3", "YYYY-Q4", "YYYY-H1", "YYYY-H2", "YYYY"),
    ),
)


def period_choices(year: int) -> list[tuple[str, list[Period]]]:
    """Every period a reporting page offers for ``year``, grouped for a chooser: the Decree 09
    months, the Decree 09 quarters, 6 and 9 months and year, then the calendar periods."""
    return [
        (str(group), [period_parse(code.replace("YYYY", f"{year:04d}")) for code in codes])
        for group, codes in CHOICE_GROUPS
    ]
