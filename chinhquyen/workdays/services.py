"""Writes to the calendar: overrides and office-hour policies. Every write is audited in the same
transaction and refreshes the in-process calendar cache (other processes notice within
``WORKDAYS_CALENDAR_RECHECK_SECONDS``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chinhquyen.audit.services import audit_record
from chinhquyen.core.errors import NotFound, ValidationFailed

from . import calendar
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


class CalendarEvent(StrEnum):
    OVERRIDE_SET = "calendar_override.set"
    OVERRIDE_DELETED = "calendar_override.deleted"
    POLICY_SET = "working_time_policy.set"
    POLICY_DELETED = "working_time_policy.deleted"


def _refresh_cache() -> None:
    # Now, so the rest of this transaction (and this request) computes with the new data, and
    # again after commit, in case another thread rebuilt the cache from the old rows meanwhile.
    calendar.calendar_cache_clear()
    transaction.on_commit(calendar.calendar_cache_clear)


def calendar_override_errors(*, date: Any, kind: Any, name: Any) -> dict[str, list[str]]:
    """Field errors for an override; shared by the service and the admin form."""
    errors: dict[str, list[str]] = {}
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        errors["date"] = [_("Phải là một ngày (không kèm giờ).")]
    elif not calendar.MIN_YEAR <= date.year <= calendar.MAX_YEAR:
        errors["date"] = [
            _("Chỉ hỗ trợ các năm từ %(min)s đến %(max)s.")
            % {"min": calendar.MIN_YEAR, "max": calendar.MAX_YEAR}
        ]
    if kind not in OverrideKind.values:
        errors["kind"] = [_("Loại phải là “nghỉ” (day_off) hoặc “làm việc bù” (working_day).")]
    if not isinstance(name, str) or not name.strip():
        errors["name"] = [_("Cần ghi tên ngày nghỉ hoặc ngày làm bù.")]
    elif len(name.strip()) > CalendarOverride._meta.get_field("name").max_length:
        errors["name"] = [_("Tên quá dài (tối đa 200 ký tự).")]
    return errors


@transaction.atomic
def calendar_override_set(
    *, date: dt.date, kind: str, name: str, legal_basis: str = "", actor=None
) -> CalendarOverride:
    """Create or replace the override of ``date``. An unchanged override is not re-audited."""
    errors = calendar_override_errors(date=date, kind=kind, name=name)
    if errors:
        raise ValidationFailed(_("Ngày điều chỉnh không hợp lệ."), fields=errors)
    name, legal_basis = name.strip(), (legal_basis or "").strip()
    override = CalendarOverride.objects.select_for_update().filter(date=date).first()
    new = {"kind": str(kind), "name": name, "legal_basis": legal_basis}
    if override is None:
        override = CalendarOverride.objects.create(date=date, updated_by=actor, **new)
        changes = {key: [None, value] for key, value in new.items()}
    else:
        old = {"kind": override.kind, "name": override.name, "legal_basis": override.legal_basis}
        changes = {key: [old[key], new[key]] for key in new if old[key] != new[key]}
        if not changes:
            return override
        for key, value in new.items():
            setattr(override, key, value)
        override.updated_by = actor
        override.save()
    audit_record(
        event=CalendarEvent.OVERRIDE_SET,
        object_type="calendar_override",
        object_id=date.isoformat(),
        actor=actor,
        changes=changes,
    )
    _refresh_cache()
    return override


@transaction.atomic
def calendar_override_delete(*, date: dt.date, actor=None) -> None:
    """Remove the override of ``date``; the day falls back to the base calendar."""
    override = CalendarOverride.objects.select_for_update().filter(date=date).first()
    if override is None:
        raise NotFound(
            _("Không có ngày điều chỉnh cho ngày %(date)s.") % {"date": date.strftime("%d/%m/%Y")}
        )
    changes = {
        "kind": [override.kind, None],
        "name": [override.name, None],
        "legal_basis": [override.legal_basis, None],
    }
    override.delete()
    audit_record(
        event=CalendarEvent.OVERRIDE_DELETED,
        object_type="calendar_override",
        object_id=date.isoformat(),
        actor=actor,
        changes=changes,
    )
    _refresh_cache()


POLICY_FIELDS = ("morning_start", "morning_end", "afternoon_start", "afternoon_end", "cutoff")


def working_time_policy_errors(
    *,
    morning_start: dt.time,
    morning_end: dt.time,
    afternoon_start: dt.time,
    afternoon_end: dt.time,
    cutoff: dt.time,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not morning_start < morning_end:
        errors["morning_end"] = [_("Phải sau giờ bắt đầu buổi sáng.")]
    if not morning_end <= afternoon_start:
        errors["afternoon_start"] = [_("Không được trước giờ kết thúc buổi sáng.")]
    if not afternoon_start < afternoon_end:
        errors["afternoon_end"] = [_("Phải sau giờ bắt đầu buổi chiều.")]
    if not morning_start < cutoff <= afternoon_end:
        errors["cutoff"] = [_("Phải nằm trong ngày làm việc.")]
    return errors


@transaction.atomic
def working_time_policy_set(
    *,
    effective_from: dt.date,
    morning_start: dt.time = DEFAULT_MORNING_START,
    morning_end: dt.time = DEFAULT_MORNING_END,
    afternoon_start: dt.time = DEFAULT_AFTERNOON_START,
    afternoon_end: dt.time = DEFAULT_AFTERNOON_END,
    cutoff: dt.time = DEFAULT_CUTOFF,
    actor=None,
) -> WorkingTimePolicy:
    """Create or replace the office hours in force from ``effective_from``."""
    new = {
        "morning_start": morning_start,
        "morning_end": morning_end,
        "afternoon_start": afternoon_start,
        "afternoon_end": afternoon_end,
        "cutoff": cutoff,
    }
    errors = working_time_policy_errors(**new)
    if errors:
        raise ValidationFailed(_("Giờ làm việc không hợp lệ."), fields=errors)
    policy = (
        WorkingTimePolicy.objects.select_for_update().filter(effective_from=effective_from).first()
    )
    if policy is None:
        policy = WorkingTimePolicy.objects.create(
            effective_from=effective_from, updated_by=actor, **new
        )
        changes = {key: [None, value.isoformat()] for key, value in new.items()}
    else:
        changes = {
            key: [getattr(policy, key).isoformat(), value.isoformat()]
            for key, value in new.items()
            if getattr(policy, key) != value
        }
        if not changes:
            return policy
        for key, value in new.items():
            setattr(policy, key, value)
        policy.updated_by = actor
        policy.save()
    audit_record(
        event=CalendarEvent.POLICY_SET,
        object_type="working_time_policy",
        object_id=effective_from.isoformat(),
        actor=actor,
        changes=changes,
    )
    _refresh_cache()
    return policy


@transaction.atomic
def working_time_policy_delete(*, effective_from: dt.date, actor=None) -> None:
    policy = (
        WorkingTimePolicy.objects.select_for_update().filter(effective_from=effective_from).first()
    )
    if policy is None:
        raise NotFound(_("Không có quy định giờ làm việc áp dụng từ ngày này."))
    changes = {key: [getattr(policy, key).isoformat(), None] for key in POLICY_FIELDS}
    policy.delete()
    audit_record(
        event=CalendarEvent.POLICY_DELETED,
        object_type="working_time_policy",
        object_id=effective_from.isoformat(),
        actor=actor,
        changes=changes,
    )
    _refresh_cache()


# --- demo / bootstrap data ----------------------------------------------------------------------


@dataclass(frozen=True)
class Announcement:
    """A schedule announced for civil servants: every day from ``first`` to ``last`` is ``kind``."""

    first: dt.date
    last: dt.date
    kind: str
    name: str
    legal_basis: str


# What was announced for the public sector. Only the days the base calendar gets wrong become
# overrides, so this list can state announcements in full, as published.
ANNOUNCEMENTS: tuple[Announcement, ...] = (
    Announcement(
        dt.date(2025, 1, 25),
        dt.date(2025, 2, 2),
        OverrideKind.DAY_OFF,
        "Nghỉ Tết Nguyên Đán Ất Tỵ theo Thông báo của Thủ tướng",
        "Thông báo số 6150/TB-BLĐTBXH (2024) của Bộ Lao động – Thương binh và Xã hội: "
        "công chức, viên chức nghỉ từ thứ Bảy 25/01/2025 đến hết Chủ nhật 02/02/2025.",
    ),
    Announcement(
        dt.date(2025, 4, 26),
        dt.date(2025, 4, 26),
        OverrideKind.WORKING_DAY,
        "Làm việc bù cho ngày nghỉ 02/05/2025",
        "Hoán đổi ngày làm việc dịp 30/4 – 1/5/2025 được Thủ tướng Chính phủ đồng ý: "
        "nghỉ thứ Sáu 02/05/2025, làm bù thứ Bảy 26/04/2025.",
    ),
    Announcement(
        dt.date(2025, 5, 2),
        dt.date(2025, 5, 2),
        OverrideKind.DAY_OFF,
        "Nghỉ hoán đổi dịp 30/4 – 1/5 (làm bù thứ Bảy 26/04/2025)",
        "Hoán đổi ngày làm việc dịp 30/4 – 1/5/2025 được Thủ tướng Chính phủ đồng ý: "
        "nghỉ thứ Sáu 02/05/2025, làm bù thứ Bảy 26/04/2025.",
    ),
    Announcement(
        dt.date(2026, 1, 2),
        dt.date(2026, 1, 2),
        OverrideKind.DAY_OFF,
        "Nghỉ hoán đổi dịp Tết Dương lịch 2026 (làm bù thứ Bảy 10/01/2026)",
        "Chính phủ đồng ý hoán đổi ngày làm việc (25/12/2025); Thông báo của Bộ Nội vụ: "
        "nghỉ thứ Sáu 02/01/2026, làm bù thứ Bảy 10/01/2026.",
    ),
    Announcement(
        dt.date(2026, 1, 10),
        dt.date(2026, 1, 10),
        OverrideKind.WORKING_DAY,
        "Làm việc bù cho ngày nghỉ 02/01/2026",
        "Chính phủ đồng ý hoán đổi ngày làm việc (25/12/2025); Thông báo của Bộ Nội vụ: "
        "nghỉ thứ Sáu 02/01/2026, làm bù thứ Bảy 10/01/2026.",
    ),
    Announcement(
        dt.date(2026, 2, 14),
        dt.date(2026, 2, 22),
        OverrideKind.DAY_OFF,
        "Nghỉ Tết Nguyên Đán Bính Ngọ theo Thông báo của Thủ tướng",
        "Thông báo của Bộ Nội vụ theo ý kiến của Thủ tướng Chính phủ: công chức, viên chức nghỉ "
        "từ thứ Bảy 14/02/2026 đến hết Chủ nhật 22/02/2026.",
    ),
)


def calendar_seed_demo(*, actor=None) -> list[CalendarOverride]:
    """Enter the announced schedules the ``holidays`` package does not already give. Idempotent:
    a date that already has an override (perhaps edited by an administrator) is left alone.
    Returns the overrides it created."""
    created: list[CalendarOverride] = []
    existing = set(CalendarOverride.objects.values_list("date", flat=True))
    for item in ANNOUNCEMENTS:
        wants_work = item.kind == OverrideKind.WORKING_DAY
        day = item.first
        while day <= item.last:
            if day not in existing and calendar.base_is_working_day(day) != wants_work:
                created.append(
                    calendar_override_set(
                        date=day,
                        kind=item.kind,
                        name=item.name,
                        legal_basis=item.legal_basis,
                        actor=actor,
                    )
                )
                existing.add(day)
            day += dt.timedelta(days=1)
    return created
