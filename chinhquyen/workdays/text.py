"""Deadlines, instants, dates and time limits written for people.

One way of writing each, used by every page, form, e-mail and export (templates through the
``workdays`` template library, ``templatetags/workdays.py``):

* ``deadline_text``: a legal deadline, on the day it runs out — "17:00 thứ Ba 08/12", in English
  "17:00 Tue 08/12", with the year ("08/12/2027") when it is not the current one. The instant
  is first read as the law counts it (``calendar.deadline_end``): a limit that runs out at the
  opening of a day is written as the close of the working day before, never "07:30 09/12".
* ``when_text``: any other instant (a consultation's close, a submission), the same layout,
  without that reading.
* ``date_text``: a date as dd/mm/yyyy, from a date, a datetime or an ISO string (e-form data).
* ``time_limit_text``: "1 ngày làm việc", "0,5 ngày làm việc" — "1 working day", "5 working
  days" in English (ngettext).

Vietnamese is the source language: its weekday names are written here; other languages take the
abbreviations from Django's own catalogue (``django.utils.dates.WEEKDAYS_ABBR``), so English
needs no entry of ours.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils import formats, timezone, translation
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext, ngettext

from . import calendar

__all__ = [
    "date_text",
    "deadline_text",
    "time_limit_text",
    "weekday_name",
    "when_text",
]

VI_WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def _is_vietnamese(language: str | None) -> bool:
    return (language or translation.get_language() or "vi").lower().startswith("vi")


def weekday_name(day: dt.date, *, language: str | None = None) -> str:
    """ "thứ Ba" in Vietnamese, "Tue" in English (the current language unless given)."""
    if _is_vietnamese(language):
        return VI_WEEKDAYS[day.weekday()]
    if language is None:
        return str(WEEKDAYS_ABBR[day.weekday()])
    with translation.override(language):
        return str(WEEKDAYS_ABBR[day.weekday()])


def when_text(
    at: dt.datetime | None,
    *,
    now: dt.datetime | None = None,
    language: str | None = None,
    year: bool | None = None,
) -> str:
    """ "17:00 thứ Ba 08/12" ("17:00 Tue 08/12"): time, weekday, day/month, and "/2027" when
    ``year`` is true, or by default when the year is not the current one (in Vietnam, at
    ``now``). "" for None."""
    if at is None:
        return ""
    local = calendar.as_vietnam_time(at)
    if year is None:
        current = calendar.as_vietnam_time(now or timezone.now()).year
        year = local.year != current
    day = f"{local:%d/%m/%Y}" if year else f"{local:%d/%m}"
    return f"{local:%H:%M} {weekday_name(local.date(), language=language)} {day}"


def deadline_text(
    at: dt.datetime | None,
    *,
    now: dt.datetime | None = None,
    language: str | None = None,
    year: bool | None = None,
) -> str:
    """A legal deadline as people read it: ``when_text`` of ``calendar.deadline_end(at)``.

    A one-working-day dossier received after 15:00 on Monday 07/12/2026 is due at the close of
    Tuesday: "17:00 thứ Ba 08/12", whether the stored instant is that close or (a row written
    before the rule) the opening of Wednesday. "" for None."""
    if at is None:
        return ""
    return when_text(calendar.deadline_end(at), now=now, language=language, year=year)


def date_text(value: dt.date | dt.datetime | str | None) -> str:
    """dd/mm/yyyy. A datetime is read in Vietnam time; a string is read as ISO 8601 (an e-form's
    "1995-03-15", or a date and time) and returned unchanged when it is not one."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed: dt.date | dt.datetime = (
                dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
            )
        except ValueError:
            return value
        value = parsed
    if isinstance(value, dt.datetime):
        value = calendar.as_vietnam_time(value).date() if value.tzinfo else value.date()
    return f"{value:%d/%m/%Y}"


def _amount(value: object) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return amount if amount.is_finite() else None


def time_limit_text(amount: object, unit: str = "days") -> str:
    """A time limit with its unit, in the plural the count needs: "1 working day", "0.5 working
    days", "4 working hours"; in Vietnamese "1 ngày làm việc", "0,5 ngày làm việc". ``unit``:
    "days" or "hours" (``catalogue.models.TimeUnit``). "" when ``amount`` is not a number."""
    number = _amount(amount)
    if number is None:
        return ""
    whole = number == number.to_integral_value()
    shown = formats.number_format(int(number) if whole else number.normalize(), use_l10n=True)
    # ngettext needs an integer: a fraction takes the plural ("other") form in Vietnamese and
    # English, which any count other than 1 selects.
    count = int(number) if whole else 2
    if unit == "hours":
        source = "%(count)s giờ làm việc"
        phrase = ngettext("%(count)s giờ làm việc", "%(count)s giờ làm việc", count)
        label = gettext("giờ làm việc")
    else:
        source = "%(count)s ngày làm việc"
        phrase = ngettext("%(count)s ngày làm việc", "%(count)s ngày làm việc", count)
        label = gettext("ngày làm việc")
    if phrase == source and not _is_vietnamese(None):
        # A language whose catalogue has no plural entry yet: the count beside the unit's own
        # translation, as before plurals were told apart.
        phrase = f"%(count)s {label}"
    return phrase % {"count": shown}
