"""Template filters for deadlines, instants, dates and time limits: ``{% load workdays %}``.

    {{ dossier.due_at|deadline }}          17:00 thứ Ba 08/12    (17:00 Tue 08/12)
    {{ consultation.closes_at|when }}      23:59 thứ Sáu 18/12
    {{ value|eform_date }}                 15/03/1995            (an e-form's "1995-03-15")
    {{ version|time_limit }}               1 ngày làm việc       (1 working day, 5 working days)
    {{ amount|time_limit:"hours" }}        4 giờ làm việc

The texts come from ``chinhquyen.workdays.text``, the one place that writes them.
"""

from __future__ import annotations

from django import template

from chinhquyen.workdays import text

register = template.Library()


@register.filter
def deadline(value) -> str:
    """A legal deadline on the day it runs out (``text.deadline_text``)."""
    return text.deadline_text(value) if value else ""


@register.filter
def when(value) -> str:
    """Any instant as time, weekday and date (``text.when_text``)."""
    return text.when_text(value) if value else ""


@register.filter
def eform_date(value) -> str:
    """A date as dd/mm/yyyy; e-form data holds ISO dates ("1995-03-15"). Other text unchanged."""
    return text.date_text(value)


@register.filter
def time_limit(value, unit: str = "") -> str:
    """A procedure version's time limit (``processing_time`` in its ``time_unit``), or a number
    with ``unit`` "days" (default) or "hours", with the plural the count needs."""
    if hasattr(value, "processing_time"):
        return text.time_limit_text(value.processing_time, unit or value.time_unit)
    return text.time_limit_text(value, unit or "days")
