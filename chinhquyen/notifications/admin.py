from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: the rows are the log of what was sent. The address is shown masked."""

    list_display = [
        "id",
        "dossier",
        "action",
        "channel",
        "masked_recipient",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", "action"]
    search_fields = ["dossier__code"]
    list_select_related = ["dossier"]
    date_hierarchy = "created_at"
    fields = [
        "dossier",
        "event_seq",
        "action",
        "channel",
        "masked_recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
        "subject",
        "body",
    ]
    readonly_fields = fields

    @admin.display(description="Người nhận")
    def masked_recipient(self, obj: Notification) -> str:
        return obj.masked_recipient

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
