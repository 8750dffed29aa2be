"""Reads with access checks: who may see which agency's registers and figures."""

from __future__ import annotations

from django.db.models import QuerySet

from chinhquyen.core.errors import NotFound, PermissionDenied

from .models import RegisterEntry


def agencies_visible_to(user) -> set[str] | None:
    """QCVN 102 ids of the agencies whose registers ``user`` may read; None = all (system admin)."""
    profile = getattr(user, "profile", None)
    if profile is None:
        return set()
    if profile.has_role("system_admin"):
        return None
    if profile.is_officer and profile.agency is not None:
        return {profile.agency.agency_id}
    return set()


def agency_check_access(*, user, agency_id: str) -> None:
    visible = agencies_visible_to(user)
    if visible is not None and agency_id not in visible:
        raise PermissionDenied("Không có quyền xem sổ văn bản của cơ quan này.", code="forbidden")


def register_list(
    *, user, agency_id: str | None = None, direction: str | None = None
) -> QuerySet[RegisterEntry]:
    visible = agencies_visible_to(user)
    qs = RegisterEntry.objects.all()
    if visible is not None:
        qs = qs.filter(agency_id__in=visible)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if direction:
        qs = qs.filter(direction=direction)
    return qs.order_by("-id")


def register_entry_get_for_user(*, user, pk: int) -> RegisterEntry:
    entry = register_list(user=user).filter(pk=pk).first()
    if entry is None:
        raise NotFound("Không tìm thấy dòng sổ văn bản.")
    return entry
