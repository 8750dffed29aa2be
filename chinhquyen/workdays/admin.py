"""Admin screens for the calendar. Saving and deleting go through the services, so every change is
audited and the calendar cache is refreshed; the form shows the same validation as the service."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import CalendarOverride, WorkingTimePolicy

WEEKDAYS = [
    _("Thứ Hai"),
    _("Thứ Ba"),
    _("Thứ Tư"),
    _("Thứ Năm"),
    _("Thứ Sáu"),
    _("Thứ Bảy"),
    _("Chủ nhật"),
]


class CalendarOverrideForm(forms.ModelForm):
    class Meta:
        model = CalendarOverride
        fields = ["date", "kind", "name", "legal_basis"]

    def clean(self):
        data = super().clean()
        date = data.get("date", self.instance.date if self.instance.pk else None)
        errors = services.calendar_override_errors(
            date=date, kind=data.get("kind"), name=data.get("name")
        )
        for field, messages in errors.items():
            if field in self.fields and field not in self.errors:
                for message in messages:
                    self.add_error(field, message)
        return data


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    form = CalendarOverrideForm
    list_display = ["date", "weekday", "kind", "name", "updated_at", "updated_by"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name", "legal_basis"]
    list_select_related = ["updated_by"]
    readonly_fields = ["updated_at", "updated_by"]

    @admin.display(description=_("thứ"))
    def weekday(self, obj: CalendarOverride) -> str:
        return WEEKDAYS[obj.date.weekday()]

    def get_readonly_fields(self, request, obj=None):
        # The date identifies the override: to move one, delete it and add another.
        if obj is not None:
            return ["date", *self.readonly_fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        saved = services.calendar_override_set(
            date=obj.date,
            kind=obj.kind,
            name=obj.name,
            legal_basis=obj.legal_basis,
            actor=request.user,
        )
        obj.pk = saved.pk
        obj.updated_at, obj.updated_by = saved.updated_at, saved.updated_by
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.calendar_override_delete(date=obj.date, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.calendar_override_delete(date=obj.date, actor=request.user)


class WorkingTimePolicyForm(forms.ModelForm):
    class Meta:
        model = WorkingTimePolicy
        fields = [
            "effective_from",
            "morning_start",
            "morning_end",
            "afternoon_start",
            "afternoon_end",
            "cutoff",
        ]

    def clean(self):
        data = super().clean()
        if all(data.get(name) is not None for name in services.POLICY_FIELDS):
            errors = services.working_time_policy_errors(
                **{n: data[n] for n in services.POLICY_FIELDS}
            )
            for field, messages in errors.items():
                for message in messages:
                    self.add_error(field, message)
        return data


@admin.register(WorkingTimePolicy)
class WorkingTimePolicyAdmin(admin.ModelAdmin):
    form = WorkingTimePolicyForm
    list_display = [
        "effective_from",
        "morning_start",
        "morning_end",
        "afternoon_start",
        "afternoon_end",
        "cutoff",
        "updated_at",
        "updated_by",
    ]
    list_select_related = ["updated_by"]
    readonly_fields = ["updated_at", "updated_by"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["effective_from", *self.readonly_fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        saved = services.working_time_policy_set(
            effective_from=obj.effective_from,
            **{name: getattr(obj, name) for name in services.POLICY_FIELDS},
            actor=request.user,
        )
        obj.pk = saved.pk
        obj.updated_at, obj.updated_by = saved.updated_at, saved.updated_by
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.working_time_policy_delete(effective_from=obj.effective_from, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.working_time_policy_delete(
                effective_from=obj.effective_from, actor=request.user
            )
