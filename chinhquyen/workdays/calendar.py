"""The working-day calendar: the one place that knows which days and hours count.

Everything that computes a legal time limit (dossier due dates, supplement windows, extension
notices, report deadlines) calls these functions; nothing else should count days.

Which days are working days
    Monday–Friday, minus the public holidays of Labour Code 2019 Art. 112 and their compensating
    days, plus the swap days the ``holidays`` package knows (its make-up Saturdays count as
    working days). On top of that base, ``CalendarOverride`` rows edited by an administrator
    always win: ``day_off`` makes any date a day off, ``working_day`` makes any date a working day.
    Supported years: 2000–2099 (the lunar tables of ``holidays`` end in 2100).

Which hours count
    ``WorkingTimePolicy`` in force on the date (the row with the latest ``effective_from`` on or
    before it), else 07:30–11:30 and 13:00–17:00 with a 15:00 cut-off for paper dossiers.

When a time limit ends
    A limit of whole working days counted from the opening of a day ends at the close of its last
    working day, not at the opening of the day after: a one-day limit counted from Tuesday 07:30
    ends at 17:00 on Tuesday. Both instants hold the same working time, but people (and the law)
    read "the 8th" and not "07:30 on the 9th", and a result handed over on the 8th after 17:00 is
    not on time. ``due_date`` returns the former, ``deadline_end`` turns any instant into it
    (docs/decisions/deadline-end-of-working-day.md).

Time zones
    Legal rules are applied in Asia/Ho_Chi_Minh. Aware datetimes in any zone are accepted and
    converted; naive datetimes are taken as Vietnam time. Results are aware, in Asia/Ho_Chi_Minh.

Caching
    The set of working days of a year is computed once per process and kept. A cheap generation
    token (row count and latest ``updated_at`` of both tables) is re-read at most every
    ``settings.WORKDAYS_CALENDAR_RECHECK_SECONDS`` (default 5 s), so a change saved in another
    process is seen within that delay; the process that saves through ``services.py`` clears the
    cache at once. Tests that write overrides without the services call ``calendar_cache_clear()``.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chinhquyen.core.errors import ValidationFailed
from chinhquyen.core.proccache import ProcessCache

from .models import (
    DEFAULT_AFTERNOON_END,
    DEFAULT_AFTERNOON_START,
    DEFAULT_CUTOFF,
    DEFAULT_MORNING_END,
    DEFAULT_MORNING_START,
    CalendarOverride,
    OverrideKind,
    WorkingTimePolicy,
)

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_YEAR = 2000
MAX_YEAR = 2099
MAX_DAYS = 3650
# A working day is 8 hours by default; hours are limited to the same span as days.
MAX_HOURS = MAX_DAYS * 8
DEFAULT_RECHECK_SECONDS = 5.0

__all__ = [
    "MAX_DAYS",
    "MAX_HOURS",
    "VN_TZ",
    "CalendarOutOfRange",
    "DeadlineState",
    "NamedDay",
    "WorkingHours",
    "as_vietnam_time",
    "base_is_working_day",
    "calendar_cache_clear",
    "deadline_end",
    "deadline_state",
    "due_date",
    "effective_start",
    "is_working_day",
    "named_days",
    "next_working_day",
    "previous_working_day",
    "working_days_between",
    "working_hours",
]


class CalendarOutOfRange(ValidationFailed):
    code = "calendar_out_of_range"


class DeadlineState(StrEnum):
    ON_TIME = "on_time"  # finished in time, or still open with more than one working day left
    DUE_SOON = "due_soon"  # open, due today or on the next working day
    OVERDUE = "overdue"  # finished late, or open past its due time


def _tod(t: dt.time) -> dt.timedelta:
    return dt.timedelta(
        hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond
    )


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """Office hours of one day. The ``*_tod`` fields are the same times as offsets from midnight."""

    morning_start: dt.time
    morning_end: dt.time
    afternoon_start: dt.time
    afternoon_end: dt.time
    cutoff: dt.time
    morning_start_tod: dt.timedelta = field(init=False, repr=False)
    morning_end_tod: dt.timedelta = field(init=False, repr=False)
    afternoon_start_tod: dt.timedelta = field(init=False, repr=False)
    afternoon_end_tod: dt.timedelta = field(init=False, repr=False)
    cutoff_tod: dt.timedelta = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("morning_start", "morning_end", "afternoon_start", "afternoon_end", "cutoff"):
            object.__setattr__(self, f"{name}_tod", _tod(getattr(self, name)))

    @property
    def day_length(self) -> dt.timedelta:
        return (self.morning_end_tod - self.morning_start_tod) + (
            self.afternoon_end_tod - self.afternoon_start_tod
        )


DEFAULT_HOURS = WorkingHours(
    DEFAULT_MORNING_START,
    DEFAULT_MORNING_END,
    DEFAULT_AFTERNOON_START,
    DEFAULT_AFTERNOON_END,
    DEFAULT_CUTOFF,
)


@dataclass(frozen=True, slots=True)
class NamedDay:
    """A day that differs from the plain Monday–Friday week, with why."""

    date: dt.date
    name: str
    kind: str  # OverrideKind value: "day_off" or "working_day"
    source: str  # "base" (law, via the holidays package) or "override" (admin-entered)


@dataclass(slots=True)
class _Year:
    off: frozenset[dt.date]
    working: tuple[int, ...]  # ordinals of the working days, sorted, for bisection
    named: tuple[NamedDay, ...]


@dataclass(slots=True)
class _Snapshot:
    token: tuple
    checked_at: float
    overrides: dict[dt.date, tuple[str, str]]
    policy_starts: list[int]
    policy_hours: list[WorkingHours]
    years: dict[int, _Year] = field(default_factory=dict)


_lock = threading.Lock()
# The one snapshot of the calendar's rows, rechecked against the database's token (above).
_snapshots: ProcessCache[_Snapshot] = ProcessCache("workdays.calendar", max_entries=1)


def calendar_cache_clear() -> None:
    """Forget everything computed from the database (the library's base stays cached)."""
    _snapshots.clear()


def _recheck_seconds() -> float:
    return float(getattr(settings, "WORKDAYS_CALENDAR_RECHECK_SECONDS", DEFAULT_RECHECK_SECONDS))


def _db_token() -> tuple:
    o = CalendarOverride.objects.aggregate(n=Count("pk"), m=Max("updated_at"))
    p = WorkingTimePolicy.objects.aggregate(n=Count("pk"), m=Max("updated_at"))
    return (o["n"], o["m"], p["n"], p["m"])


def _current() -> _Snapshot:
    snap = _snapshots.get("current")
    now = time.monotonic()
    if snap is not None and now - snap.checked_at < _recheck_seconds():
        return snap
    token = _db_token()
    if snap is not None and snap.token == token:
        snap.checked_at = now
        return snap
    with _lock:
        # The token is read before the rows: a change slipping in between is loaded now and
        # merely causes one extra reload at the next check.
        overrides = {
            row["date"]: (row["kind"], row["name"])
            for row in CalendarOverride.objects.values("date", "kind", "name")
        }
        policies = list(WorkingTimePolicy.objects.order_by("effective_from"))
        snap = _Snapshot(
            token=token,
            checked_at=now,
            overrides=overrides,
            policy_starts=[p.effective_from.toordinal() for p in policies],
            policy_hours=[
                WorkingHours(
                    p.morning_start, p.morning_end, p.afternoon_start, p.afternoon_end, p.cutoff
                )
                for p in policies
            ],
        )
        _snapshots.set("current", snap)
    return snap


@functools.lru_cache(maxsize=256)
def _library_year(year: int) -> tuple[dict[dt.date, str], dict[dt.date, str]]:
    """Holidays and make-up Saturdays of ``year`` according to the ``holidays`` package.

    Neighbouring years are populated too: a swap announced for one year may put its make-up
    day in the next (31/12/2018 off, Saturday 5/1/2019 worked).
    """
    lib = holidays.VN(years=[year - 1, year, year + 1], language="vi")
    days_off = {d: unicodedata.normalize("NFC", name) for d, name in lib.items() if d.year == year}
    makeup: dict[dt.date, str] = {}
    for d in sorted(lib.weekend_workdays):
        if d.year != year or d.weekday() < 5:
            continue
        # The library names the day off "Ngày nghỉ (thay cho ngày DD/MM/YYYY)"; find its partner.
        stamp = d.strftime("%d/%m/%Y")
        partner = next((o for o, n in lib.items() if stamp in n), None)
        makeup[d] = (
            _("Làm việc bù cho ngày nghỉ %(date)s") % {"date": partner.strftime("%d/%m/%Y")}
            if partner
            else _("Làm việc bù")
        )
    return days_off, makeup


def _check_year(year: int, field_name: str = "date") -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CalendarOutOfRange(
            _("Lịch làm việc chỉ hỗ trợ các năm từ %(min)s đến %(max)s.")
            % {"min": MIN_YEAR, "max": MAX_YEAR},
            fields={field_name: [_("Năm %(year)s nằm ngoài phạm vi hỗ trợ.") % {"year": year}]},
        )


def _build_year(year: int, overrides: dict[dt.date, tuple[str, str]]) -> _Year:
    lib_off, lib_makeup = _library_year(year)
    off: set[dt.date] = set()
    working: list[int] = []
    named: list[NamedDay] = []
    d = dt.date(year, 1, 1)
    one = dt.timedelta(days=1)
    while d.year == year:
        override = overrides.get(d)
        if override is not None:
            kind, name = override
            is_off = kind == OverrideKind.DAY_OFF
            named.append(NamedDay(d, name, kind, "override"))
        elif d in lib_off:
            is_off = True
            named.append(NamedDay(d, lib_off[d], OverrideKind.DAY_OFF.value, "base"))
        elif d in lib_makeup:
            is_off = False
            named.append(NamedDay(d, lib_makeup[d], OverrideKind.WORKING_DAY.value, "base"))
        else:
            is_off = d.weekday() >= 5
        if is_off:
            off.add(d)
        else:
            working.append(d.toordinal())
        d += one
    return _Year(off=frozenset(off), working=tuple(working), named=tuple(named))


def _year(snap: _Snapshot, year: int) -> _Year:
    data = snap.years.get(year)
    if data is None:
        _check_year(year)
        data = snap.years[year] = _build_year(year, snap.overrides)
    return data


def _hours(snap: _Snapshot, d: dt.date) -> WorkingHours:
    i = bisect_right(snap.policy_starts, d.toordinal()) - 1
    return snap.policy_hours[i] if i >= 0 else DEFAULT_HOURS


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return _to_local(value).date()
    return value


def _to_local(value: dt.datetime, *, field_name: str = "start") -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise ValidationFailed(
            _("Cần một thời điểm (ngày và giờ)."),
            fields={field_name: [_("Phải là ngày giờ theo ISO 8601.")]},
        )
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=VN_TZ)
    return value.astimezone(VN_TZ)


def _combine(d: dt.date, tod: dt.timedelta) -> dt.datetime:
    # Vietnam has had no daylight saving since 1975, so midnight + offset is the wall time.
    return dt.datetime(d.year, d.month, d.day, tzinfo=VN_TZ) + tod


def _next_working(snap: _Snapshot, d: dt.date) -> dt.date:
    year, o = d.year, d.toordinal()
    while True:
        days = _year(snap, year).working
        i = bisect_right(days, o)
        if i < len(days):
            return dt.date.fromordinal(days[i])
        year += 1


def _previous_working(snap: _Snapshot, d: dt.date) -> dt.date:
    year, o = d.year, d.toordinal()
    while True:
        days = _year(snap, year).working
        i = bisect_left(days, o)
        if i > 0:
            return dt.date.fromordinal(days[i - 1])
        year -= 1


def _add_working_days(snap: _Snapshot, d: dt.date, n: int) -> dt.date:
    """The n-th working day after ``d`` (``d`` itself when n == 0)."""
    if n == 0:
        return d
    year = d.year
    days = _year(snap, year).working
    index = bisect_right(days, d.toordinal()) + n - 1
    while index >= len(days):
        index -= len(days)
        year += 1
        days = _year(snap, year).working
    return dt.date.fromordinal(days[index])


def _effective(
    snap: _Snapshot, local: dt.datetime, apply_cutoff: bool
) -> tuple[dt.date, dt.timedelta]:
    d = local.date()
    tod = local - dt.datetime(d.year, d.month, d.day, tzinfo=VN_TZ)
    if d not in _year(snap, d.year).off:
        h = _hours(snap, d)
        if tod < h.morning_start_tod:
            return d, h.morning_start_tod
        # Windows are closed at both ends: 11:30:00 and 17:00:00 are still office hours, so a
        # due time that lands on a window end (see _add_duration) can start a new time limit.
        late = apply_cutoff and tod > h.cutoff_tod
        if not late and tod <= h.afternoon_end_tod:
            if h.morning_end_tod < tod < h.afternoon_start_tod:
                return d, h.afternoon_start_tod
            return d, tod
    d = _next_working(snap, d)
    return d, _hours(snap, d).morning_start_tod


def _deadline_end(snap: _Snapshot, local: dt.datetime) -> dt.datetime:
    d = local.date()
    tod = local - dt.datetime(d.year, d.month, d.day, tzinfo=VN_TZ)
    if d not in _year(snap, d.year).off:
        h = _hours(snap, d)
        if tod > h.afternoon_end_tod:
            return _combine(d, h.afternoon_end_tod)
        if tod > h.morning_start_tod:
            return local
    d = _previous_working(snap, d)
    return _combine(d, _hours(snap, d).afternoon_end_tod)


def _add_duration(
    snap: _Snapshot, d: dt.date, tod: dt.timedelta, amount: dt.timedelta
) -> tuple[dt.date, dt.timedelta]:
    """Move ``amount`` of working time forward from (d, tod), through office-hour windows only.

    A result that falls exactly on the end of a window stays there (11:30, 17:00): "4 hours from
    07:30" is 11:30, not 13:00.
    """
    remaining = amount
    if not remaining:
        return d, tod
    while True:
        if d in _year(snap, d.year).off:
            d = _next_working(snap, d)
            tod = _hours(snap, d).morning_start_tod
        h = _hours(snap, d)
        if tod < h.morning_start_tod:
            tod = h.morning_start_tod
        elif h.morning_end_tod <= tod < h.afternoon_start_tod:
            tod = h.afternoon_start_tod
        elif tod >= h.afternoon_end_tod:
            d = _next_working(snap, d)
            tod = _hours(snap, d).morning_start_tod
            continue
        window_end = h.morning_end_tod if tod < h.morning_end_tod else h.afternoon_end_tod
        available = window_end - tod
        if remaining <= available:
            return d, tod + remaining
        remaining -= available
        tod = window_end


def _as_decimal(name: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValidationFailed(
            _("Giá trị %(name)s phải là một số.") % {"name": name},
            fields={name: [_("Phải là một số.")]},
        )
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - Decimal(int) cannot fail
        raise ValidationFailed(
            _("Giá trị không hợp lệ."), fields={name: [_("Phải là một số.")]}
        ) from exc
    if not number.is_finite():
        raise ValidationFailed(
            _("Giá trị %(name)s phải là một số hữu hạn.") % {"name": name},
            fields={name: [_("Phải là một số hữu hạn.")]},
        )
    return number


def _validate_amount(days: object, hours: object) -> tuple[str, Decimal]:
    if (days is None) == (hours is None):
        message = _(
            "Cần đúng một trong hai tham số: số ngày làm việc (days) hoặc số giờ làm việc (hours)."
        )
        raise ValidationFailed(message, fields={"days": [message], "hours": [message]})
    name, raw = ("days", days) if days is not None else ("hours", hours)
    value = _as_decimal(name, raw)
    if value < 0:
        raise ValidationFailed(
            _("Thời hạn không được là số âm."), fields={name: [_("Không được là số âm.")]}
        )
    limit = MAX_DAYS if name == "days" else MAX_HOURS
    if value > limit:
        if name == "days":
            message = ngettext(
                "Thời hạn tối đa là %(limit)s ngày làm việc.",
                "Thời hạn tối đa là %(limit)s ngày làm việc.",
                limit,
            )
        else:
            message = ngettext(
                "Thời hạn tối đa là %(limit)s giờ làm việc.",
                "Thời hạn tối đa là %(limit)s giờ làm việc.",
                limit,
            )
        message %= {"limit": limit}
        raise ValidationFailed(message, fields={name: [message]})
    return name, value


def _decimal_duration(unit: dt.timedelta, factor: Decimal) -> dt.timedelta:
    micros = (Decimal(unit // dt.timedelta(microseconds=1)) * factor).to_integral_value(
        ROUND_HALF_UP
    )
    return dt.timedelta(microseconds=int(micros))


# --- public API ---------------------------------------------------------------------------------


def is_working_day(d: dt.date) -> bool:
    """True if civil servants work on ``d`` (a datetime is read as its date in Vietnam)."""
    d = _as_date(d)
    snap = _current()
    return d not in _year(snap, d.year).off


def next_working_day(d: dt.date) -> dt.date:
    """The first working day strictly after ``d``."""
    return _next_working(_current(), _as_date(d))


def previous_working_day(d: dt.date) -> dt.date:
    """The last working day strictly before ``d``."""
    return _previous_working(_current(), _as_date(d))


def working_days_between(start: dt.date, end: dt.date) -> int:
    """The number of working days in the half-open interval (start, end].

    This is the count ``due_date`` advances by: for a start ``s`` inside the office hours of a
    working day (after its opening), ``working_days_between(s, due_date(s…, days=n).date()) == n``
    (from the opening itself the limit ends at the close of the day before, one less). Equal dates
    give 0; if ``end`` is before ``start`` the result is negative (minus the count over
    (end, start]).
    """
    start, end = _as_date(start), _as_date(end)
    if end < start:
        return -working_days_between(end, start)
    snap = _current()
    first = _year(snap, start.year).working
    if start.year == end.year:
        return bisect_right(first, end.toordinal()) - bisect_right(first, start.toordinal())
    count = len(first) - bisect_right(first, start.toordinal())
    for year in range(start.year + 1, end.year):
        count += len(_year(snap, year).working)
    return count + bisect_right(_year(snap, end.year).working, end.toordinal())


def as_vietnam_time(value: dt.datetime) -> dt.datetime:
    """``value`` in Asia/Ho_Chi_Minh; a naive datetime is taken to be Vietnam time already."""
    return _to_local(value)


def base_is_working_day(d: dt.date) -> bool:
    """What the law and the ``holidays`` package say about ``d``, ignoring every override.

    Used to decide which announced days still need an override; not for deadlines.
    """
    d = _as_date(d)
    _check_year(d.year)
    days_off, makeup = _library_year(d.year)
    if d in days_off:
        return False
    return d.weekday() < 5 or d in makeup


def working_hours(d: dt.date) -> WorkingHours:
    """Office hours and cut-off in force on ``d``."""
    return _hours(_current(), _as_date(d))


def effective_start(start: dt.datetime, *, apply_cutoff: bool = True) -> dt.datetime:
    """When the clock starts for something received at ``start``.

    * a working day, within office hours (windows include their ends: 07:30–11:30 and
      13:00–17:00), at or before the cut-off: ``start`` itself;
    * before the morning start of a working day: that morning start;
    * in the lunch break (11:30 < t < 13:00): the afternoon start;
    * after the cut-off (only when ``apply_cutoff``; 15:00:00 itself is not after), after the
      afternoon end (17:00:00 itself is not after), or on a day off: the next working day's
      morning start.

    So a due time returned by ``due_date`` (which may be 11:30 or 17:00) is its own effective
    start with ``apply_cutoff=False``, and time limits can be chained.
    """
    snap = _current()
    d, tod = _effective(snap, _to_local(start), apply_cutoff)
    return _combine(d, tod)


def due_date(
    start: dt.datetime,
    *,
    days: int | Decimal | None = None,
    hours: int | Decimal | None = None,
    apply_cutoff: bool = True,
) -> dt.datetime:
    """The legal due time of a time limit of ``days`` working days or ``hours`` working hours.

    The clock starts at ``effective_start(start, apply_cutoff=…)``. Exactly one of ``days`` and
    ``hours`` is given; both must be ≥ 0, ``days`` ≤ 3650 and ``hours`` ≤ 29200; fractions are
    allowed (int, Decimal, or float).

    * ``days``: the whole part moves to the n-th working day after the effective start, keeping
      its time of day (Mon 10:00 + 5 → next Mon 10:00), even if a new ``WorkingTimePolicy``
      starts in between; the fraction is a share of the effective start day's working hours,
      added as ``hours`` are (0.5 day = 4 working hours with the default policy).
    * ``hours``: working time is consumed only inside office-hour windows of working days
      (Mon 16:00 + 3 h without cut-off → 1 h on Monday, 2 h on Tuesday → Tue 09:30). A result that
      lands exactly on a window end stays there (07:30 + 4 h → 11:30 the same day).
    * ``days=0`` or ``hours=0`` return the effective start.
    * A limit that runs out at the opening of a working day (whole days counted from an opening:
      a paper dossier received after the cut-off, a Saturday submission) ends at the close of the
      working day before it, ``deadline_end``: Monday 15:01 + 1 day → Tuesday 17:00, not
      Wednesday 07:30 (the same working time, written on the day the law names).

    Returns an aware datetime in Asia/Ho_Chi_Minh. Raises ``ValidationFailed`` (field ``days``,
    ``hours`` or ``start``) for bad input.
    """
    name, amount = _validate_amount(days, hours)
    local = _to_local(start)
    _check_year(local.year, "start")
    snap = _current()
    d, tod = _effective(snap, local, apply_cutoff)
    if name == "days":
        whole = int(amount)
        fraction = amount - whole
        day_length = _hours(snap, d).day_length
        d = _add_working_days(snap, d, whole)
        if fraction:
            d, tod = _add_duration(snap, d, tod, _decimal_duration(day_length, fraction))
    else:
        d, tod = _add_duration(snap, d, tod, _decimal_duration(dt.timedelta(hours=1), amount))
    if not amount:
        return _combine(d, tod)
    return _deadline_end(snap, _combine(d, tod))


def deadline_end(at: dt.datetime) -> dt.datetime:
    """The deadline ``at`` written on the day it runs out, as people and the law read it.

    * at or before the opening of a working day, or on a day off: the close of the last working
      day before it (Wednesday 07:30 → Tuesday 17:00; Monday 07:00 → Friday 17:00);
    * after the close of a working day: that close (Tuesday 18:00 → Tuesday 17:00);
    * otherwise (office hours after the opening, the lunch break): ``at`` itself.

    No working time lies between ``at`` and the result, so the time limit is the same; the result
    is the earlier wall time. ``due_date`` already returns such instants; this is for instants
    from elsewhere (an extension's date typed by an officer, rows stored before this rule).
    Aware, in Asia/Ho_Chi_Minh; a naive ``at`` is taken as Vietnam time.
    """
    local = _to_local(at, field_name="at")
    _check_year(local.year, "at")
    return _deadline_end(_current(), local)


def deadline_state(
    due_at: dt.datetime, now: dt.datetime | None = None, finished_at: dt.datetime | None = None
) -> DeadlineState:
    """How a deadline stands.

    Finished: ``on_time`` iff ``finished_at <= due_at``, else ``overdue``.
    Open: ``overdue`` if ``now > due_at``; ``due_soon`` if at most one working day is left, i.e.
    the due date (in Vietnam) is today or no later than the next working day; else ``on_time``.
    ``now`` defaults to the current time. ``due_at`` is taken as stored: a due time from
    ``due_date`` is already the close of the due day (a one-day dossier due at 17:00 on Tuesday is
    due soon from Monday), so the state and the date people are shown agree.
    """
    due = _to_local(due_at, field_name="due_at")
    if finished_at is not None:
        done = _to_local(finished_at, field_name="finished_at")
        return DeadlineState.ON_TIME if done <= due else DeadlineState.OVERDUE
    current = _to_local(now if now is not None else timezone.now(), field_name="now")
    if current > due:
        return DeadlineState.OVERDUE
    # No run of days off is anywhere near a month long: skip the calendar for far deadlines.
    if (due.date() - current.date()).days > 31:
        return DeadlineState.ON_TIME
    if working_days_between(current.date(), due.date()) <= 1:
        return DeadlineState.DUE_SOON
    return DeadlineState.ON_TIME


def named_days(year: int) -> tuple[NamedDay, ...]:
    """The days of ``year`` that differ from a plain Monday–Friday week, in date order: public
    holidays (even on a weekend), library swaps and make-up Saturdays, and every override."""
    _check_year(year)
    return _year(_current(), year).named
