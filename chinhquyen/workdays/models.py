"""The working-day calendar as data.

The base calendar (weekends, public holidays, their compensating days and the swaps the
``holidays`` package knows) is computed in code, see ``calendar.py``. What the Prime Minister
announces each year and the library does not know is kept here as overrides, edited by an
administrator; an override always wins over the base. Office hours and the paper cut-off are
data with an effective date too.

Rows are written through ``services.py`` only (it audits and refreshes the in-process cache).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# Defaults used when no WorkingTimePolicy row exists (office hours of the civil service).
DEFAULT_MORNING_START = dt.time(7, 30)
DEFAULT_MORNING_END = dt.time(11, 30)
DEFAULT_AFTERNOON_START = dt.time(13, 0)
DEFAULT_AFTERNOON_END = dt.time(17, 0)
# Paper dossiers received after this time are counted from the next working day (Decree 61/2018).
DEFAULT_CUTOFF = dt.time(15, 0)


class OverrideKind(models.TextChoices):
    # An extra day off: the PM's Tết days, a swap day, any announced closure.
    DAY_OFF = "day_off", _("Nghỉ")
    # A day that is worked although the base calendar says off (a make-up Saturday).
    WORKING_DAY = "working_day", _("Làm việc bù")


class CalendarOverride(models.Model):
    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=OverrideKind.choices)
    name = models.CharField(
        _("tên"),
        max_length=200,
        help_text=_("Ví dụ: Nghỉ Tết Nguyên Đán theo Thông báo của Thủ tướng"),
    )
    legal_basis = models.TextField(
        _("căn cứ pháp lý"), blank=True, help_text=_("Số, ngày của văn bản công bố lịch nghỉ.")
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người cập nhật"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("ngày nghỉ/làm bù điều chỉnh")
        verbose_name_plural = _("ngày nghỉ/làm bù điều chỉnh")

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} – {self.get_kind_display()}: {self.name}"

    @property
    def is_day_off(self) -> bool:
        return self.kind == OverrideKind.DAY_OFF


class WorkingTimePolicy(models.Model):
    """Office hours and the paper cut-off from ``effective_from`` until the next row."""

    effective_from = models.DateField(_("áp dụng từ ngày"), unique=True)
    morning_start = models.TimeField(_("bắt đầu buổi sáng"), default=DEFAULT_MORNING_START)
    morning_end = models.TimeField(_("kết thúc buổi sáng"), default=DEFAULT_MORNING_END)
    afternoon_start = models.TimeField(_("bắt đầu buổi chiều"), default=DEFAULT_AFTERNOON_START)
    afternoon_end = models.TimeField(_("kết thúc buổi chiều"), default=DEFAULT_AFTERNOON_END)
    cutoff = models.TimeField(
        _("giờ chốt nhận hồ sơ giấy"),
        default=DEFAULT_CUTOFF,
        help_text=_("Hồ sơ giấy tiếp nhận sau giờ này được tính từ ngày làm việc tiếp theo."),
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người cập nhật"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["effective_from"]
        verbose_name = _("giờ làm việc")
        verbose_name_plural = _("giờ làm việc")
        constraints = [
            models.CheckConstraint(
                condition=Q(morning_start__lt=F("morning_end"))
                & Q(morning_end__lte=F("afternoon_start"))
                & Q(afternoon_start__lt=F("afternoon_end")),
                name="workdays_policy_windows_ordered",
                violation_error_message=_(
                    "Giờ làm việc phải theo thứ tự: bắt đầu sáng < kết thúc sáng ≤ "
                    "bắt đầu chiều < kết thúc chiều."
                ),
            ),
            models.CheckConstraint(
                condition=Q(cutoff__gt=F("morning_start")) & Q(cutoff__lte=F("afternoon_end")),
                name="workdays_policy_cutoff_in_day",
                violation_error_message=_("Giờ chốt nhận hồ sơ phải nằm trong ngày làm việc."),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Từ {self.effective_from:%d/%m/%Y}: {self.morning_start:%H:%M}–{self.morning_end:%H:%M}, "
            f"{self.afternoon_start:%H:%M}–{self.afternoon_end:%H:%M}, chốt {self.cutoff:%H:%M}"
        )
