"""Template filters of the reporting pages."""

from __future__ import annotations

from django import template

from chinhquyen.reporting.charts import vn_number

register = template.Library()


@register.filter(name="vn")
def vn(value) -> str:
    """A value the Vietnamese way, as on the charts and in the PDF: 17,9 · 1.234.567 · 62."""
    return vn_number(value)
