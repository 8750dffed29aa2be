"""Administrative units (two-level since 1 July 2025, three-level before) and state agencies."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# QCVN 102:2016 agency identifier: V1V2V3.Z1Z2.Y1Y2.MX1X2, e.g. 000.00.00.H41.
AGENCY_ID_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")


def validate_agency_id(value: str) -> None:
    if not AGENCY_ID_RE.match(value or ""):
        raise ValidationError(
            _(
                "Mã định danh cơ quan %(value)s không đúng định dạng QCVN 102:2016 (ví dụ 000.00.00.H41)."
            ),
            code="invalid_agency_id",
            params={"value": value},
        )


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Tỉnh/Thành phố")  # level 1, before and after 2025
    DISTRICT = "district", _("Huyện/Quận/Thị xã")  # level 2 before 1/7/2025, abolished since
    COMMUNE = "commune", _("Xã/Phường/Đặc khu")  # lowest level


class Generation(models.TextChoices):
    CURRENT = "2025", _("Hai cấp (từ 01/7/2025)")
    LEGACY = "legacy", _("Ba cấp (trước 01/7/2025)")


class AdministrativeUnit(models.Model):
    """One unit as it existed during [valid_from, valid_to). Codes are the GSO codes.

    The same GSO code can name two different units in two generations (Hải Phòng 31 before and
    after it absorbed Hải Dương), so uniqueness is (generation, level, code).
    """

    generation = models.CharField(max_length=8, choices=Generation.choices)
    level = models.CharField(max_length=10, choices=UnitLevel.choices)
    code = models.CharField(max_length=8)
    name = models.CharField(max_length=120)
    codename = models.CharField(max_length=120)
    division_type = models.CharField(max_length=40)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors"
    )
    source = models.CharField(
        max_length=80, help_text="Package and version the row was loaded from"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["generation", "level", "code"], name="unit_unique_code_per_generation"
            )
        ]
        indexes = [
            models.Index(fields=["codename"]),
            # unit_resolve looks a code up across generations.
            models.Index(fields=["code", "level"], name="unit_code_level_idx"),
        ]
        ordering = ["generation", "level", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.generation == Generation.CURRENT

    def is_valid_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


class AgencyKind(models.TextChoices):
    PROVINCE_PC = "ubnd_tinh", _("UBND tỉnh/thành phố")
    DEPARTMENT = "so", _("Sở, ban, ngành")
    SERVICE_CENTRE = "ttpvhcc", _("Trung tâm Phục vụ hành chính công")
    COMMUNE_PC = "ubnd_xa", _("UBND xã/phường/đặc khu")
    DISTRICT_PC = "ubnd_huyen", _("UBND huyện (trước 01/7/2025)")
    MINISTRY = "bo", _("Bộ, cơ quan ngang bộ")
    GOVERNMENT_OFFICE = "vpcp", _("Văn phòng Chính phủ")
    OTHER = "khac", _("Cơ quan khác")


def default_seal_roles() -> list[str]:
    return ["clerk", "counter"]


class Agency(models.Model):
    agency_id = models.CharField(
        _("mã định danh"), max_length=13, unique=True, validators=[validate_agency_id]
    )
    name = models.CharField(_("tên cơ quan"), max_length=255)
    kind = models.CharField(max_length=12, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    unit = models.ForeignKey(
        AdministrativeUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="agencies"
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    address = models.CharField(max_length=255, blank=True)
    is_active = models.BooleanField(default=True)
    # The roles that apply the agency's seal (ký số của cơ quan): the clerk by Decree 30/2020
    # Art. 33, and in a commune the one-stop counter that keeps it. Edited per agency.
    seal_roles = models.JSONField(
        _("vai trò giữ con dấu"),
        default=default_seal_roles,
        blank=True,
        help_text="accounts.Role values that may apply the agency's seal",
    )

    class Meta:
        ordering = ["agency_id"]
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")

    def __str__(self) -> str:
        return f"{self.name} ({self.agency_id})"

    def save(self, *args, **kwargs):
        validate_agency_id(self.agency_id)
        super().save(*args, **kwargs)
