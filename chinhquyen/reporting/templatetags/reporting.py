"""Template filters of the reporting pages."""

from __future__ import annotations

from django import template

from chinhquyen.reporting.charts import vn_number

register = template.Library()


@register.filter(name="vn")
def vn(value) -> str:
    """A value the Vietnamese way, as on the charts and in the PDF: 17,9 · 1.234.567 · 62."""
    return vn_number(value)


@register.filter(name="no_data_reasons")
def no_data_reasons(rows) -> list[str]:
    """The distinct reasons why the rows have no value, in the order first met."""
    reasons: dict[str, None] = {}
    for row in rows:
        reason = row.get("no_data_reason") if isinstance(row, dict) else None
        if reason:
            reasons.setdefault(str(reason))
    return list(reasons)
