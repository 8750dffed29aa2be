"""The officer layout's header and how the workspace names people.

``{% workspace_header %}`` draws the officer's header (``workspace/_header.html``) for any page
that extends ``workspace/layout.html``, whichever app's view rendered it: the views of the
workspace, of feedback and of the exchange registers need not pass anything for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of

register = template.Library()

ROLE_LABELS = dict(Role.choices)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


# (label, url name, roles that see it — empty: every officer, the views it covers)
NAV = (
    (_("Hồ sơ"), "workspace:inbox", (), ("workspace:inbox", "workspace:dossier")),
    (_("Tiếp nhận"), "workspace:intake", (Role.COUNTER,), ("workspace:intake",)),
    (_("Thống kê"), "workspace:dashboard", (), ("workspace:dashboard",)),
    (_("Phản ánh"), "feedback:inbox", (), ("feedback:inbox", "feedback:officer_detail")),
    (_("Lấy ý kiến"), "consultations:list", (), ()),
    (_("Liên thông văn bản"), "exchange:registers", (), ("exchange:registers",)),
    (
        _("Máy đánh giá"),
        "workspace:kiosk_enable",
        (Role.COUNTER, Role.LEADER, Role.AGENCY_ADMIN),
        ("workspace:kiosk_enable",),
    ),
    (
        _("Đánh giá cán bộ"),
        "workspace:staff_scores",
        (Role.LEADER, Role.AGENCY_ADMIN),
        ("workspace:staff_scores",),
    ),
)


def nav_items(*, roles: list[str], is_officer: bool, current: str) -> list[NavItem]:
    """The workspace navigation for these roles; someone who is no officer of an agency (a
    system administrator reading the registers) gets only the pages open to them."""
    items = []
    for label, name, needs, covers in NAV:
        if not is_officer and name != "exchange:registers":
            continue
        if needs and not set(needs) & set(roles):
            continue
        items.append(NavItem(label=str(label), url=reverse(name), current=current in covers))
    return items


@register.inclusion_tag("workspace/_header.html", takes_context=True)
def workspace_header(context) -> dict:
    request = context["request"]
    user = request.user
    profile = profile_of(user)
    roles = list(profile.roles) if profile else []
    match = request.resolver_match
    current = match.view_name if match else ""
    return {
        "request": request,
        "user": user,
        "full_name": person_name(user),
        "role_labels": [str(ROLE_LABELS.get(r, r)) for r in roles],
        "agency": profile.agency if profile and profile.agency_id else None,
        "nav": nav_items(
            roles=roles, is_officer=bool(profile and profile.is_officer), current=current
        ),
        "LANGUAGE_CODE": context.get("LANGUAGE_CODE", "vi"),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def person_name(user) -> str:
    """A person by their full name; the username only when the profile has none."""
    if user is None or not getattr(user, "pk", None):
        return ""
    profile = profile_of(user)
    return (profile.full_name if profile else "") or user.get_username()


@register.filter
def role_label(code: str) -> str:
    return str(ROLE_LABELS.get(code, code or ""))
