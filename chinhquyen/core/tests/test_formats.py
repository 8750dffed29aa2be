"""Dates dd/mm/yyyy and times on the 24-hour clock by default, in Vietnamese and English
(config/formats/); dates typed day first or in ISO 8601 are read, never month first."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

VN = ZoneInfo("Asia/Ho_Chi_Minh")
AT = dt.datetime(2026, 12, 8, 17, 5, tzinfo=VN)


class DateForm(forms.Form):
    day = forms.DateField()
    at = forms.DateTimeField(required=False)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_dates_and_times_print_day_first_on_the_24_hour_clock(language):
    template = Template(
        "{{ d|date }}|{{ d|date:'SHORT_DATE_FORMAT' }}|{{ at|date:'DATETIME_FORMAT' }}|"
        "{{ at|time }}|{{ at }}|{{ d }}"
    )
    with translation.override(language):
        text = template.render(Context({"d": dt.date(1995, 3, 15), "at": AT}))
    assert text == "15/03/1995|15/03/1995|08/12/2026 17:05|17:05|08/12/2026 17:05|15/03/1995"


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("typed", ["15/03/1995", "1995-03-15", "15-03-1995"])
def test_a_date_typed_day_first_or_in_iso_is_read(language, typed):
    with translation.override(language):
        form = DateForm({"day": typed})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == dt.date(1995, 3, 15)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_month_first_date_is_not_read_as_one(language):
    with translation.override(language):
        # 03/15/1995 would be 15 March in the US order: there is no 15th month.
        assert not DateForm({"day": "03/15/1995"}).is_valid()
        form = DateForm({"day": "04/05/2026"})
        assert form.is_valid()
    assert form.cleaned_data["day"] == dt.date(2026, 5, 4)


def test_a_date_and_time_typed_day_first_is_read():
    with translation.override("vi"):
        form = DateForm({"day": "08/12/2026", "at": "08/12/2026 17:05"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["at"] == AT
