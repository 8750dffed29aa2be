from django.contrib import admin, messages

from .models import Feedback, Open311Client
from .services import open311_client_create, open311_client_revoke


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Read only: every change goes through the services (and their audit records)."""

    list_display = ("code", "kind", "agency", "state", "due_step", "due_at", "received_at")
    list_filter = ("state", "kind", "channel")
    search_fields = ("code",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    """Making a client shows its API key once, in the confirmation message."""

    list_display = ("name", "key_prefix", "is_active", "created_at", "last_used_at")
    fields = ("name", "contact")
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        client, raw = open311_client_create(
            name=form.cleaned_data["name"], contact=form.cleaned_data["contact"], actor=request.user
        )
        obj.pk = client.pk
        obj.key_prefix = client.key_prefix
        messages.warning(request, f"API key (chỉ hiện một lần): {raw}")

    @admin.action(description="Thu hồi API key")
    def revoke(self, request, queryset):
        for client in queryset:
            open311_client_revoke(client_id=client.pk, actor=request.user)
