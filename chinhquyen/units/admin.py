"""Admin: units are read-only reference data (changed by `units_load`); agencies are edited
through the services, so the admin validates and audits exactly as the API would."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from chinhquyen.core.admin import ReadOnlyAdminMixin
from chinhquyen.core.errors import ValidationFailed

from .models import AdministrativeUnit, Agency, Generation
from .services import (
    CONTACT_FIELDS,
    agency_create,
    agency_seal_roles_set,
    agency_update,
    agency_validate,
)


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "level",
        "generation",
        "parent",
        "successor",
        "valid_from",
        "valid_to",
    )
    list_filter = ("generation", "level", "division_type")
    search_fields = ("=code", "name", "codename")
    list_select_related = ("parent", "successor")
    show_full_result_count = False
    readonly_fields = [f.name for f in AdministrativeUnit._meta.fields]

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # The agency form's autocomplete only offers units in force.
        if request.GET.get("model_name") == "agency" and request.GET.get("field_name") == "unit":
            queryset = queryset.filter(generation=Generation.CURRENT)
        return queryset, may_have_duplicates


def _seal_role_choices():
    from chinhquyen.accounts.models import OFFICER_ROLES, Role

    return [(r.value, r.label) for r in Role if r in OFFICER_ROLES]


class AgencyAdminForm(forms.ModelForm):
    # Saved apart, through agency_seal_roles_set (audited), after the agency itself.
    seal_roles_choice = forms.MultipleChoiceField(
        label="Vai trò giữ con dấu (ký số của cơ quan)",
        choices=_seal_role_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Văn thư giữ con dấu (Nghị định 30/2020, Điều 33); ở cấp xã thường là bộ "
        "phận một cửa.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seal_roles_choice"].initial = (
            self.instance.seal_roles if self.instance.pk else ["clerk", "counter"]
        )

    class Meta:
        model = Agency
        fields = ("agency_id", "name", "kind", "parent", "unit", *CONTACT_FIELDS, "is_active")

    def clean_agency_id(self):
        return (self.cleaned_data.get("agency_id") or "").strip().upper()

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            agency_validate(
                agency=self.instance if self.instance.pk else None,
                agency_id=cleaned.get("agency_id") or "",
                name=cleaned.get("name") or "",
                kind=cleaned.get("kind") or "",
                parent=cleaned.get("parent"),
                unit=cleaned.get("unit"),
                is_active=bool(cleaned.get("is_active")),
            )
        except ValidationFailed as exc:
            for field, messages in exc.fields.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    form = AgencyAdminForm
    list_display = ("agency_id", "name", "kind", "parent", "unit", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("agency_id", "name")
    list_select_related = ("parent", "unit")
    autocomplete_fields = ("parent", "unit")

    def has_delete_permission(self, request, obj=None):
        # Dossiers and documents refer to agencies; deactivate instead.
        return False

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in AgencyAdminForm.Meta.fields}
        if change:
            saved = agency_update(agency=Agency(pk=obj.pk), actor=request.user, **values)
        else:
            saved = agency_create(actor=request.user, **values)
        agency_seal_roles_set(
            agency=saved, roles=form.cleaned_data["seal_roles_choice"], actor=request.user
        )
        # The admin reads obj afterwards (messages, redirects): point it at the saved row.
        obj.pk, obj.agency_id = saved.pk, saved.agency_id
