"""Django admin for the calendar goes through the services (audit, cache)."""

from __future__ import annotations

import datetime as dt

import pytest

from chinhquyen.audit.models import AuditRecord
from chinhquyen.workdays.calendar import is_working_day
from chinhquyen.workdays.models import CalendarOverride, OverrideKind, WorkingTimePolicy
from chinhquyen.workdays.services import calendar_override_set

pytestmark = pytest.mark.django_db

SATURDAY = dt.date(2025, 3, 15)


def test_an_admin_adds_a_make_up_saturday_and_it_is_audited_and_counted(admin_client, admin_user):
    assert not is_working_day(SATURDAY)
    response = admin_client.post(
        "/admin/workdays/calendaroverride/add/",
        {
            "date": "2025-03-15",
            "kind": "working_day",
            "name": "Làm việc bù",
            "legal_basis": "TB số 1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    override = CalendarOverride.objects.get(date=SATURDAY)
    assert override.updated_by == admin_user
    assert is_working_day(SATURDAY)
    record = AuditRecord.objects.get(object_type="calendar_override")
    assert (record.event, record.actor_id) == ("calendar_override.set", admin_user.pk)


def test_an_admin_edit_changes_the_kind_through_the_service(admin_client, admin_user):
    override = calendar_override_set(
        date=SATURDAY, kind=OverrideKind.WORKING_DAY, name="Làm bù", actor=None
    )
    assert is_working_day(SATURDAY)
    response = admin_client.post(
        f"/admin/workdays/calendaroverride/{override.pk}/change/",
        {"kind": "day_off", "name": "Nghỉ", "legal_basis": ""},
    )
    assert response.status_code == 302
    assert not is_working_day(SATURDAY)
    assert AuditRecord.objects.filter(event="calendar_override.set", actor=admin_user).count() == 1


def test_an_admin_delete_goes_through_the_service(admin_client, admin_user):
    override = calendar_override_set(
        date=SATURDAY, kind=OverrideKind.WORKING_DAY, name="Làm bù", actor=None
    )
    response = admin_client.post(
        f"/admin/workdays/calendaroverride/{override.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not CalendarOverride.objects.exists()
    assert not is_working_day(SATURDAY)
    assert AuditRecord.objects.filter(event="calendar_override.deleted", actor=admin_user).exists()


def test_the_admin_bulk_delete_action_goes_through_the_service(admin_client, admin_user):
    a = calendar_override_set(
        date=SATURDAY, kind=OverrideKind.WORKING_DAY, name="Làm bù", actor=None
    )
    b = calendar_override_set(
        date=dt.date(2025, 3, 12), kind=OverrideKind.DAY_OFF, name="Nghỉ", actor=None
    )
    response = admin_client.post(
        "/admin/workdays/calendaroverride/",
        {"action": "delete_selected", "_selected_action": [a.pk, b.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not CalendarOverride.objects.exists()
    assert AuditRecord.objects.filter(event="calendar_override.deleted").count() == 2
    assert is_working_day(dt.date(2025, 3, 12))


def test_the_admin_form_shows_the_service_validation(admin_client):
    response = admin_client.post(
        "/admin/workdays/calendaroverride/add/",
        {"date": "2150-01-01", "kind": "day_off", "name": "Nghỉ", "legal_basis": ""},
    )
    assert response.status_code == 200
    assert "2000" in response.content.decode()
    assert not CalendarOverride.objects.exists()


def test_the_admin_adds_a_working_time_policy_and_refuses_hours_out_of_order(
    admin_client, admin_user
):
    data = {
        "effective_from": "2025-06-02",
        "morning_start": "08:00",
        "morning_end": "12:00",
        "afternoon_start": "13:30",
        "afternoon_end": "17:30",
        "cutoff": "16:00",
    }
    bad = admin_client.post("/admin/workdays/workingtimepolicy/add/", {**data, "cutoff": "18:00"})
    assert bad.status_code == 200
    assert not WorkingTimePolicy.objects.exists()
    ok = admin_client.post("/admin/workdays/workingtimepolicy/add/", data)
    assert ok.status_code == 302
    policy = WorkingTimePolicy.objects.get()
    assert (policy.cutoff, policy.updated_by) == (dt.time(16), admin_user)
    assert AuditRecord.objects.filter(event="working_time_policy.set", actor=admin_user).exists()


def test_the_admin_lists_overrides(admin_client):
    calendar_override_set(date=SATURDAY, kind=OverrideKind.WORKING_DAY, name="Làm bù", actor=None)
    response = admin_client.get("/admin/workdays/calendaroverride/")
    assert response.status_code == 200
    assert "Thứ Bảy" in response.content.decode()
