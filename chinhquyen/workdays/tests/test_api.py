"""The public calendar API: /api/v1/calendar/due-date and /days."""

from __future__ import annotations

import datetime as dt

import pytest

from chinhquyen.workdays.models import OverrideKind
from chinhquyen.workdays.services import calendar_override_set

pytestmark = pytest.mark.django_db

DUE_DATE = "/api/v1/calendar/due-date"


def test_due_date_returns_the_due_time_with_the_vietnam_offset(client):
    response = client.get(DUE_DATE, {"start": "2025-01-24T10:00:00+07:00", "days": "5"})
    assert response.status_code == 200
    assert response.json() == {
        "start": "2025-01-24T10:00:00+07:00",
        "effective_start": "2025-01-24T10:00:00+07:00",
        "due_at": "2025-02-07T10:00:00+07:00",
        "days": 5,
        "hours": None,
        "cutoff": True,
    }


def test_due_date_needs_no_login_and_converts_a_utc_start(client):
    response = client.get(DUE_DATE, {"start": "2025-03-14T09:00:00Z", "days": "1"})
    body = response.json()
    assert body["start"] == "2025-03-14T16:00:00+07:00"
    assert body["effective_start"] == "2025-03-17T07:30:00+07:00"
    # One day counted from Monday's opening ends at Monday's close, not at Tuesday's opening.
    assert body["due_at"] == "2025-03-17T17:00:00+07:00"


def test_due_date_accepts_hours_and_the_cutoff_switch(client):
    response = client.get(
        DUE_DATE, {"start": "2025-03-10T16:00:00+07:00", "hours": "3", "cutoff": "false"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["due_at"] == "2025-03-11T09:30:00+07:00"
    assert (body["hours"], body["days"], body["cutoff"]) == (3, None, False)
    with_cutoff = client.get(DUE_DATE, {"start": "2025-03-10T16:00:00+07:00", "hours": "3"}).json()
    assert with_cutoff["due_at"] == "2025-03-11T10:30:00+07:00"


def test_due_date_accepts_half_days_and_a_naive_start_as_vietnam_time(client):
    body = client.get(DUE_DATE, {"start": "2025-03-10T09:00:00", "days": "0.5"}).json()
    assert body["due_at"] == "2025-03-10T14:30:00+07:00"
    assert body["days"] == 0.5


def test_an_unencoded_plus_in_the_offset_is_still_understood(client):
    response = client.get(DUE_DATE + "?start=2025-01-24T10:00:00+07:00&days=5")
    assert response.status_code == 200
    assert response.json()["due_at"] == "2025-02-07T10:00:00+07:00"


def test_due_date_sees_admin_overrides(client):
    calendar_override_set(
        date=dt.date(2025, 3, 15), kind=OverrideKind.WORKING_DAY, name="Làm bù", actor=None
    )
    body = client.get(DUE_DATE, {"start": "2025-03-14T10:00:00+07:00", "days": "1"}).json()
    assert body["due_at"] == "2025-03-15T10:00:00+07:00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"days": "5"}, "start"),
        ({"start": "", "days": "5"}, "start"),
        ({"start": "24/01/2025 10:00", "days": "5"}, "start"),
        ({"start": "2025-01-24T10:00:00+07:00"}, "days"),
        ({"start": "2025-01-24T10:00:00+07:00", "days": "5", "hours": "2"}, "hours"),
        ({"start": "2025-01-24T10:00:00+07:00", "days": "-1"}, "days"),
        ({"start": "2025-01-24T10:00:00+07:00", "days": "3651"}, "days"),
        ({"start": "2025-01-24T10:00:00+07:00", "hours": "29201"}, "hours"),
        ({"start": "2025-01-24T10:00:00+07:00", "hours": "-2"}, "hours"),
        ({"start": "2025-01-24T10:00:00+07:00", "days": "năm"}, "days"),
        ({"start": "2025-01-24T10:00:00+07:00", "days": "NaN"}, "days"),
        ({"start": "2025-01-24T10:00:00+07:00", "days": "5", "cutoff": "maybe"}, "cutoff"),
        ({"start": "1990-01-24T10:00:00+07:00", "days": "5"}, "start"),
    ],
)
def test_bad_input_is_a_422_problem_naming_the_parameter_in_vietnamese(client, params, field):
    response = client.get(DUE_DATE, params)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert body["code"] in {"validation_failed", "calendar_out_of_range"}
    assert field in body["fields"]
    assert any(error["field"] == field for error in body["errors"])
    message = body["fields"][field][0]
    assert any(ord(ch) > 127 for ch in message), message  # Vietnamese, not a library default


def test_both_missing_days_and_hours_name_both_parameters(client):
    body = client.get(DUE_DATE, {"start": "2025-01-24T10:00:00+07:00"}).json()
    assert set(body["fields"]) == {"days", "hours"}
    assert body["code"] == "validation_failed"


def test_days_lists_the_holidays_and_make_up_days_of_a_year(client):
    response = client.get("/api/v1/calendar/days", {"year": "2026"})
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2026
    days_off = {d["date"]: d for d in body["days_off"]}
    assert days_off["2026-02-17"] == {
        "date": "2026-02-17",
        "name": "Tết Nguyên Đán",
        "source": "base",
    }
    assert "2026-04-27" in days_off
    assert [d["date"] for d in body["working_days"]] == ["2026-08-22"]
    assert "2026-02-14" not in days_off  # a plain Saturday is not listed


@pytest.mark.parametrize("year", ["abc", "1800", "3000"])
def test_days_refuses_a_bad_year(client, year):
    response = client.get("/api/v1/calendar/days", {"year": year})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "year" in response.json()["fields"]
