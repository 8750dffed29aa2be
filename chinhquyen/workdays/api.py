"""Public calendar API, mounted at /api/v1/calendar. No login: the calendar is public information.

Query parameters are read as text and parsed here, so that every bad value gets a Vietnamese
message naming the parameter (problem+json, code ``validation_failed``, ``fields.<param>``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from chinhquyen.core.api import errors
from chinhquyen.core.errors import ValidationFailed

from . import calendar, selectors
from .models import OverrideKind

router = Router(tags=["workdays"])

# "+07:00" in a query string arrives as " 07:00" when the client did not percent-encode it.
_SPACE_OFFSET = re.compile(r"(\d) (\d{2}(?::?\d{2})?)$")


class DueDateOut(Schema):
    start: dt.datetime
    effective_start: dt.datetime
    due_at: dt.datetime
    days: int | float | None = None
    hours: int | float | None = None
    cutoff: bool


class NamedDayOut(Schema):
    date: dt.date
    name: str
    source: str


class YearOut(Schema):
    year: int
    days_off: list[NamedDayOut]
    working_days: list[NamedDayOut]


def _invalid(param: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={param: [message]})


def _parse_datetime(param: str, raw: str | None) -> dt.datetime:
    if raw is None or not raw.strip():
        raise _invalid(
            param, _("Thiếu tham số %(param)s (thời điểm theo ISO 8601).") % {"param": param}
        )
    text = raw.strip()
    with contextlib.suppress(ValueError):
        return dt.datetime.fromisoformat(text)
    try:
        return dt.datetime.fromisoformat(_SPACE_OFFSET.sub(r"\1+\2", text))
    except ValueError:
        raise _invalid(
            param,
            _("%(param)s phải là thời điểm theo ISO 8601, ví dụ 2025-01-24T10:00:00+07:00.")
            % {"param": param},
        ) from None


def _parse_number(param: str, raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise _invalid(param, _("%(param)s phải là một số, ví dụ 5 hoặc 0.5.") % {"param": param})
    return value


def _parse_bool(param: str, raw: str | None, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise _invalid(param, _("%(param)s phải là true hoặc false.") % {"param": param})


def _number_out(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


@router.get(
    "/due-date",
    response={200: DueDateOut, **errors(422)},
    auth=None,
    summary="Tính hạn xử lý theo ngày/giờ làm việc",
)
def due_date_view(
    request: HttpRequest,
    start: str | None = Query(
        None, description="Thời điểm tiếp nhận, ISO 8601, ví dụ 2025-01-24T10:00:00+07:00."
    ),
    days: str | None = Query(None, description="Số ngày làm việc (≥ 0, ≤ 3650; cho phép 0.5)."),
    hours: str | None = Query(None, description="Số giờ làm việc (≥ 0, ≤ 29200), thay cho days."),
    cutoff: str | None = Query(
        None, description="true (mặc định) | false: áp dụng giờ chốt 15:00 với hồ sơ giấy."
    ),
):
    """Hạn xử lý tính từ `start` (ISO 8601; không có múi giờ thì hiểu là giờ Việt Nam) cộng
    `days` ngày làm việc hoặc `hours` giờ làm việc (chỉ một trong hai). `cutoff=false` bỏ quy tắc
    hồ sơ giấy nhận sau 15:00 tính từ ngày làm việc tiếp theo."""
    start_at = _parse_datetime("start", start)
    days_value = _parse_number("days", days)
    hours_value = _parse_number("hours", hours)
    apply_cutoff = _parse_bool("cutoff", cutoff, default=True)
    due_at = calendar.due_date(
        start_at, days=days_value, hours=hours_value, apply_cutoff=apply_cutoff
    )
    return {
        "start": calendar.as_vietnam_time(start_at),
        "effective_start": calendar.effective_start(start_at, apply_cutoff=apply_cutoff),
        "due_at": due_at,
        "days": _number_out(days_value),
        "hours": _number_out(hours_value),
        "cutoff": apply_cutoff,
    }


@router.get(
    "/days",
    response={200: YearOut, **errors(422)},
    auth=None,
    summary="Ngày nghỉ lễ, nghỉ bù và làm bù trong năm",
)
def days_view(
    request: HttpRequest,
    year: str | None = Query(None, description="Năm, ví dụ 2026 (mặc định: năm hiện tại)."),
):
    """Các ngày nghỉ (lễ, Tết, nghỉ bù, hoán đổi) và ngày làm việc bù của năm `year` (mặc định:
    năm hiện tại). Không liệt kê thứ Bảy, Chủ nhật thông thường."""
    if year is None or year.strip() == "":
        year_value = timezone.localtime(timezone.now(), calendar.VN_TZ).year
    else:
        try:
            year_value = int(year.strip())
        except ValueError:
            raise _invalid("year", _("year phải là một năm, ví dụ 2026.")) from None
    if not calendar.MIN_YEAR <= year_value <= calendar.MAX_YEAR:
        raise _invalid(
            "year",
            _("year phải từ %(min)s đến %(max)s.")
            % {"min": calendar.MIN_YEAR, "max": calendar.MAX_YEAR},
        )
    named = selectors.calendar_year_days(year=year_value)
    return {
        "year": year_value,
        "days_off": [d for d in named if d.kind == OverrideKind.DAY_OFF],
        "working_days": [d for d in named if d.kind == OverrideKind.WORKING_DAY],
    }
