from django.contrib import admin

from chinhquyen.core.admin import ReadOnlyAdminMixin

from .models import Dossier, DossierEvent, Workflow, WorkflowAction, WorkflowState
from .workflow import workflow_cache_clear


class StateInline(admin.TabularInline):
    model = WorkflowState
    extra = 0


class ActionInline(admin.TabularInline):
    model = WorkflowAction
    extra = 0
    fk_name = "workflow"
    filter_horizontal = ["from_states"]


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    """Workflows are configuration, edited here; dossiers pick up changes within seconds."""

    list_display = ["code", "name", "is_default"]
    inlines = [StateInline, ActionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        workflow_cache_clear()


class EventInline(admin.TabularInline):
    model = DossierEvent
    extra = 0
    can_delete = False
    readonly_fields = [
        "seq",
        "action",
        "from_state",
        "to_state",
        "actor",
        "actor_role",
        "at",
        "comment",
        "data",
    ]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: dossiers change only through the workflow services."""

    list_display = ["code", "state", "agency", "submitted_at", "due_at"]
    list_filter = ["state", "channel"]
    search_fields = ["code"]
    list_select_related = ["agency"]
    inlines = [EventInline]
