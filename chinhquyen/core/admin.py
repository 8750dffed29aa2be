"""Admin helpers shared by the apps."""

from __future__ import annotations


class ReadOnlyAdminMixin:
    """For records that change only through services (dossiers, units) or never (audit)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
