"""Admin for the catalogue: a window on procedures and their versions.

Versions are read-only here. Procedures change through an import (``chinhquyen catalogue import``
or ``POST /api/v1/procedures/import``) or ``procedure_save``, which version and audit every
change; a form in the admin would bypass both.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from chinhquyen.core.admin import ReadOnlyAdminMixin

from . import interchange
from .models import (
    Field,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    SearchQueryStat,
    SearchTerm,
    SearchTermKind,
)
from .services import (
    field_save,
    procedure_search_phrases_set,
    procedure_signing_policy_set,
    search_term_delete,
    search_term_save,
)
from .text import fold


class ProcedureForm(forms.ModelForm):
    search_phrases = forms.CharField(
        label=_("Cụm từ tìm kiếm khác"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Mỗi dòng một cụm từ người dân hay gõ để tìm thủ tục này, ví dụ: sổ đỏ."),
    )

    class Meta:
        model = Procedure
        fields = ("electronic_result", "unsigned_approval", "search_phrases")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["search_phrases"] = "\n".join(self.instance.search_phrases)

    def clean_search_phrases(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["search_phrases"].splitlines()]
        phrases, errors = interchange.clean_search_phrases([x for x in lines if x])
        if phrases is None:
            raise forms.ValidationError("; ".join(m for ms in errors.values() for m in ms))
        return phrases


class VersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ProcedureVersion
    fields = (
        "version",
        "name",
        "online_mode",
        "processing_time",
        "time_unit",
        "effective_from",
        "effective_to",
        "created_at",
        "created_by",
    )
    readonly_fields = fields
    show_change_link = True
    extra = 0


@admin.register(Procedure)
class ProcedureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "current_name", "current_version", "created_at")
    search_fields = ("code", "current__name")
    list_select_related = ("current",)
    fields = (
        "code",
        "current",
        "agencies",
        "workflow",
        "created_at",
        "electronic_result",
        "unsigned_approval",
        "search_phrases",
    )
    form = ProcedureForm
    readonly_fields = ("code", "current", "agencies", "workflow", "created_at")
    inlines = [VersionInline]

    def has_change_permission(self, request, obj=None):
        # Only the signing policy is edited here (an operating choice, not the published
        # version), through its audited service.
        return request.user.has_perm("catalogue.change_procedure")

    def save_model(self, request, obj, form, change):
        procedure_signing_policy_set(
            procedure=obj,
            electronic_result=form.cleaned_data["electronic_result"],
            unsigned_approval=form.cleaned_data["unsigned_approval"],
            actor=request.user,
        )
        # "Also searched as": a search aid, not the published version (its own service).
        procedure_search_phrases_set(
            procedure=obj, phrases=form.cleaned_data["search_phrases"], actor=request.user
        )

    @admin.display(description="tên thủ tục")
    def current_name(self, obj: Procedure) -> str:
        return obj.current.name if obj.current else "—"

    @admin.display(description="phiên bản")
    def current_version(self, obj: Procedure) -> int | None:
        return obj.current.version if obj.current else None


class DocumentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RequiredDocument
    fields = (
        "position",
        "code",
        "name",
        "originals",
        "copies",
        "is_required",
        "template_name",
        "template_url",
    )
    readonly_fields = fields
    extra = 0


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "procedure",
        "version",
        "name",
        "field",
        "online_mode",
        "effective_from",
        "effective_to",
    )
    list_filter = ("online_mode", "field")
    search_fields = ("procedure__code", "name")
    list_select_related = ("procedure", "field")
    exclude = ("search_text",)
    inlines = [DocumentInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "search_text"]


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # versions point at fields (PROTECT)

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def save_model(self, request, obj, form, change) -> None:
        # Through the service: audited, and the versions' search text follows a rename.
        saved, _state = field_save(code=obj.code, name=obj.name, actor=request.user)
        obj.pk = saved.pk


class SearchTermForm(forms.ModelForm):
    class Meta:
        model = SearchTerm
        fields = ("kind", "phrase", "target", "note")

    def clean(self):
        data = super().clean()
        term, errors = interchange.clean_search_term(
            {k: data.get(k) or "" for k in ("kind", "phrase", "target", "note")}
        )
        if term is None:
            for key, messages in errors.items():
                self.add_error(key if key in self.fields else None, "; ".join(messages))
            return data
        twins = SearchTerm.objects.filter(kind=term["kind"], key=fold(term["phrase"]))
        if self.instance.pk:
            twins = twins.exclude(pk=self.instance.pk)
        if any(fold(t.target) == fold(term["target"]) for t in twins):
            self.add_error("phrase", _("Cụm từ này đã có trong bảng từ tìm kiếm."))
        return data


@admin.register(SearchTerm)
class SearchTermAdmin(admin.ModelAdmin):
    """The words people use: synonyms and spellings ("sổ đỏ" → "giấy chứng nhận quyền sử dụng
    đất", "kí" → "ký") and filler words, written through their audited services; the next search
    of every process uses them."""

    form = SearchTermForm
    list_display = ("phrase", "target", "kind", "note")
    list_filter = ("kind",)
    search_fields = ("phrase", "key", "target")

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("kind", SearchTermKind.SYNONYM)
        return initial

    def save_model(self, request, obj, form, change) -> None:
        saved = search_term_save(
            **{k: form.cleaned_data.get(k) or "" for k in ("kind", "phrase", "target", "note")},
            term=obj if change else None,
            actor=request.user,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj) -> None:
        search_term_delete(term=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for term in queryset:
            search_term_delete(term=term, actor=request.user)


@admin.register(SearchQueryStat)
class SearchQueryStatAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The searches that did not help, worst first (``searchlog.search_queries_failing``), each
    with what the catalogue admin can do about it."""

    change_list_template = "admin/catalogue/searchquerystat/failing.html"
    DAY_CHOICES = (7, 30, 90, 365)

    def changelist_view(self, request, extra_context=None):
        import datetime as dt
        from urllib.parse import urlencode

        from django.template.response import TemplateResponse
        from django.urls import reverse
        from django.utils import timezone

        from .searchlog import search_queries_failing

        try:
            days = int(request.GET.get("ngay", 30))
        except ValueError:
            days = 30
        days = days if days in self.DAY_CHOICES else 30
        rows = search_queries_failing(
            since=timezone.localdate() - dt.timedelta(days=days - 1), limit=100
        )
        procedures = reverse("admin:catalogue_procedure_changelist")
        add_term = reverse("admin:catalogue_searchterm_add")
        listed = [
            (
                row,
                [
                    ("Tìm thủ tục để thêm cụm từ", f"{procedures}?{urlencode({'q': row.query})}"),
                    (_("Thêm từ đồng nghĩa"), f"{add_term}?{urlencode({'phrase': row.query})}"),
                ],
            )
            for row in rows
        ]
        context = {
            **self.admin_site.each_context(request),
            **(extra_context or {}),
            "title": "Tìm kiếm không thành công",
            "opts": self.model._meta,
            "rows": listed,
            "days": days,
            "day_choices": self.DAY_CHOICES,
        }
        return TemplateResponse(request, self.change_list_template, context)
