"""Template filters of the citizen portal."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def money(value) -> str:
    """An amount in đồng, grouped by thousands: "100.000" in Vietnamese, "100,000" in English.

    Django's Vietnamese number format does not group digits, but amounts are always written
    grouped on Vietnamese public documents.
    """
    try:
        amount = int(Decimal(str(value)).quantize(Decimal(1)))
    except (InvalidOperation, ValueError, TypeError):
        return ""
    grouped = f"{amount:,}"
    return grouped.replace(",", ".") if (get_language() or "vi").startswith("vi") else grouped
