"""Reads of the procedure catalogue. The catalogue is public: no access check is needed to read
it, only to change it (``user_can_manage_catalogue``)."""

from __future__ import annotations

from django.db.models import F, Prefetch, QuerySet
from django.utils.translation import gettext as _

from chinhquyen.accounts.models import Role
from chinhquyen.core.errors import NotFound
from chinhquyen.units.models import Agency

from .models import ProcedureVersion, RequiredDocument
from .text import fold_words


def procedures_current() -> QuerySet[ProcedureVersion]:
    """The version in force of every procedure (one row per procedure)."""
    return ProcedureVersion.objects.filter(procedure__current=F("pk"))


def procedures_search(
    *,
    q: str = "",
    agency: str | None = None,
    field: str | None = None,
    online_mode: str | None = None,
) -> QuerySet[ProcedureVersion]:
    """Current versions matching every word of ``q`` (any order, no matter the case or the
    diacritics: "khai sinh", "KHÁI SINH"), ordered by code.

    ``agency`` is a QCVN 102 agency id among the procedure's receiving agencies; ``field`` a
    field code. One ``LIKE`` per word over the folded ``search_text`` works on SQLite and
    PostgreSQL alike; a trigram index can take over on PostgreSQL without changing callers.
    """
    versions = procedures_current()
    for word in fold_words(q):
        versions = versions.filter(search_text__contains=word)
    if agency:
        versions = versions.filter(procedure__agencies__agency_id=agency)
    if field:
        versions = versions.filter(field__code=field)
    if online_mode:
        versions = versions.filter(online_mode=online_mode)
    return versions.select_related("procedure", "field").order_by("procedure__code")


def procedure_get(*, code: str) -> ProcedureVersion:
    """The current version of procedure ``code`` with its documents and receiving agencies."""
    try:
        return (
            procedures_current()
            .select_related("procedure", "field")
            .prefetch_related(
                Prefetch("documents", queryset=RequiredDocument.objects.order_by("position")),
                Prefetch("procedure__agencies", queryset=Agency.objects.order_by("agency_id")),
            )
            .get(procedure__code=code)
        )
    except ProcedureVersion.DoesNotExist:
        raise NotFound(
            _("Không tìm thấy thủ tục hành chính có mã %(code)s.") % {"code": code},
            code="procedure_not_found",
        ) from None


def user_can_manage_catalogue(*, user) -> bool:
    """Staff and system administrators import and export the catalogue."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    profile = getattr(user, "profile", None)  # RelatedObjectDoesNotExist is an AttributeError
    return profile is not None and profile.has_role(Role.SYSTEM_ADMIN)
