from django.contrib import admin

from chinhquyen.core.admin import ReadOnlyAdminMixin

from .models import AuditCheckpoint, AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "chain", "seq", "event", "actor_label"]
    list_filter = ["event", "object_type"]
    search_fields = ["chain", "object_id"]


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(admin.ModelAdmin):
    list_display = ["at", "record_count", "digest"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
