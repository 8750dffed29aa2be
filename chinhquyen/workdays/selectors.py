"""Reads of the calendar. The calendar is public information: no access check is needed."""

from __future__ import annotations

from django.db.models import QuerySet

from . import calendar
from .models import CalendarOverride, WorkingTimePolicy


def calendar_year_days(*, year: int) -> tuple[calendar.NamedDay, ...]:
    """Holidays, swaps, make-up days and overrides of ``year``, in date order."""
    return calendar.named_days(year)


def calendar_override_list(*, year: int | None = None) -> QuerySet[CalendarOverride]:
    qs = CalendarOverride.objects.select_related("updated_by")
    if year is not None:
        qs = qs.filter(date__year=year)
    return qs.order_by("date")


def working_time_policy_list() -> QuerySet[WorkingTimePolicy]:
    return WorkingTimePolicy.objects.order_by("effective_from")
