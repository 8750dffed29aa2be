"""Reads of the procedure catalogue. The catalogue is public: no access check is needed to read
it, only to change it (``user_can_manage_catalogue``)."""

from __future__ import annotations

from datetime import date

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from chinhquyen.accounts.models import Role
from chinhquyen.core.errors import NotFound
from chinhquyen.units.models import Agency

from .models import ProcedureVersion, RequiredDocument
from .search import RankedVersions


def procedures_current() -> QuerySet[ProcedureVersion]:
    """The version in force of every procedure (one row per procedure)."""
    return ProcedureVersion.objects.filter(procedure__current=F("pk"))


def procedures_offered(*, on: date | None = None) -> QuerySet[ProcedureVersion]:
    """The current version of every procedure still offered on ``on`` (default: today). A
    procedure whose current version has ended (``effective_to`` passed: e.g. a province's 2017
    local catalogue, kept for the history and the reports) is no longer offered: citizens do not
    find it and cannot apply for it."""
    day = on or timezone.localdate()
    return procedures_current().filter(Q(effective_to__isnull=True) | Q(effective_to__gt=day))


def procedures_search(
    *,
    q: str = "",
    agency: str | None = None,
    field: str | None = None,
    online_mode: str | None = None,
) -> QuerySet[ProcedureVersion] | RankedVersions:
    """Current versions ranked by how well they answer ``q``, best first; all of them by code
    when ``q`` is blank.

    Ranking, not filtering: a procedure with only some of the words still comes, lower. Case,
    diacritics and word order do not matter ("khai sinh", "KHÁI SINH"), the words people use
    are searched as the catalogue's (``SearchTerm``: "sổ đỏ", "kí"), a word of 4 letters or more
    may carry one typo ("khai snh"), and typing a code finds that procedure. The rules are in
    ``search.py``; each result carries its ``search_rank``, and a ranked result tells which
    synonyms it used (``expansions``) and the corrected query (``corrected``). ``agency`` is a
    QCVN 102 agency id among the procedure's receiving agencies; ``field`` a field code. The
    result stays lazy (a query set, or for a query a ``RankedVersions`` that slices and counts
    like one).
    """
    versions = procedures_offered()
    if agency:
        versions = versions.filter(procedure__agencies__agency_id=agency)
    if field:
        versions = versions.filter(field__code=field)
    if online_mode:
        versions = versions.filter(online_mode=online_mode)
    versions = versions.select_related("procedure", "field")
    if not q.strip():
        return versions.order_by("procedure__code")
    return RankedVersions(
        q,
        field=field,
        online_mode=online_mode,
        agency_versions=versions if agency else None,
        rows=versions,
    )


def procedure_get(*, code: str, with_agencies: bool = True) -> ProcedureVersion:
    """The current version of procedure ``code`` with its documents and, unless
    ``with_agencies`` is false, its receiving agencies, if the procedure is still offered
    (``procedures_offered``). A page that lists the agencies its own way (by province, for a
    procedure every commune receives) passes ``with_agencies=False``."""
    prefetch = [Prefetch("documents", queryset=RequiredDocument.objects.order_by("position"))]
    if with_agencies:
        prefetch.append(
            Prefetch("procedure__agencies", queryset=Agency.objects.order_by("agency_id"))
        )
    try:
        return (
            procedures_offered()
            .select_related("procedure", "field")
            .prefetch_related(*prefetch)
            .get(procedure__code=code)
        )
    except ProcedureVersion.DoesNotExist:
        if procedures_current().filter(procedure__code=code).exists():
            raise NotFound(
                _("Thủ tục hành chính có mã %(code)s đã hết hiệu lực.") % {"code": code},
                code="procedure_ended",
            ) from None
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
