"""Read-mostly admin views of the exchange tables (writes go through services)."""

from django.contrib import admin

from .models import (
    HubDelivery,
    HubMessage,
    LogEntry,
    LogTimestamp,
    OutboxMessage,
    Peer,
    RegisterEntry,
)


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin):
    list_display = ("agency_id", "name", "is_active", "registered_at")
    search_fields = ("agency_id", "name")
    readonly_fields = ("token_hash", "registered_at")


@admin.register(HubMessage)
class HubMessageAdmin(admin.ModelAdmin):
    list_display = ("message_id", "sender", "kind", "document_id", "received_at")
    search_fields = ("message_id", "document_id", "sender")
    exclude = ("payload",)
    readonly_fields = ("message_id", "sender", "kind", "document_id", "digest", "received_at")


@admin.register(HubDelivery)
class HubDeliveryAdmin(admin.ModelAdmin):
    list_display = ("message", "recipient", "state", "created_at", "delivered_at")
    list_filter = ("state",)
    search_fields = ("recipient", "message__message_id")
    raw_id_fields = ("message",)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "message_id",
        "kind",
        "document_id",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("state", "kind")
    search_fields = ("message_id", "document_id")
    exclude = ("payload",)


@admin.register(RegisterEntry)
class RegisterEntryAdmin(admin.ModelAdmin):
    list_display = (
        "agency_id",
        "direction",
        "number_notation",
        "subject",
        "counterpart_id",
        "status",
        "updated_at",
    )
    list_filter = ("direction", "status")
    search_fields = ("document_id", "subject", "counterpart_id")


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    list_display = ("seq", "direction", "message_id", "peer", "created_at")
    search_fields = ("message_id",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LogTimestamp)
class LogTimestampAdmin(admin.ModelAdmin):
    list_display = ("seq", "head_hash", "tsa_url", "created_at")
    exclude = ("token",)

    def has_change_permission(self, request, obj=None):
        return False
