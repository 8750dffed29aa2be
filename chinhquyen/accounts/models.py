"""People: citizens and officers, their roles, and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Công dân/Tổ chức")
    COUNTER = "counter", _("Cán bộ một cửa")
    HANDLER = "handler", _("Chuyên viên xử lý")
    # Văn thư: registers documents and keeps the agency's seal (Decree 30/2020, Art. 33).
    CLERK = "clerk", _("Văn thư")
    LEADER = "leader", _("Lãnh đạo phê duyệt")
    AGENCY_ADMIN = "agency_admin", _("Quản trị cơ quan")
    SYSTEM_ADMIN = "system_admin", _("Quản trị hệ thống")


OFFICER_ROLES = frozenset({Role.COUNTER, Role.HANDLER, Role.CLERK, Role.LEADER, Role.AGENCY_ADMIN})


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    full_name = models.CharField(_("họ và tên"), max_length=120)
    # The position printed above the signature (Decree 30/2020, Annex I): "CHỦ TỊCH",
    # "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"; one line per line of the signature block.
    position = models.CharField(_("chức vụ"), max_length=200, blank=True)
    # Personal identifiers: never shown on public pages, never logged.
    id_number = models.CharField(_("số CCCD/mã số thuế"), max_length=20, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    roles = models.JSONField(default=list, help_text="List of Role values")
    agency = models.ForeignKey(
        "units.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="officers"
    )

    def __str__(self) -> str:
        return self.full_name or self.user.get_username()

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_officer(self) -> bool:
        return self.agency_id is not None and bool(OFFICER_ROLES.intersection(self.roles))


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the raw value is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # When it last let a request in, to the nearest few minutes (auth.py writes it at most once
    # per API_TOKEN_LAST_USED_MINUTES): shown on the account page beside the revoke button.
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token of {self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def new_raw() -> str:
        return secrets.token_urlsafe(32)
