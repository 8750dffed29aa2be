from django.contrib import admin

from .models import ApiToken, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "full_name", "position", "agency", "roles"]
    search_fields = ["user__username", "full_name"]
    list_select_related = ["user", "agency"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "expires_at"]
    readonly_fields = ["user", "key_hash", "created_at", "expires_at"]
