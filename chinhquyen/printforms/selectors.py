"""Which forms a dossier has now, and the rows of an agency's register. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from chinhquyen.accounts.models import OFFICER_ROLES
from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.core.errors import Conflict, PermissionDenied
from chinhquyen.dossiers.models import Dossier

from .render import FORMS


@dataclass(frozen=True)
class FormInfo:
    form_no: str
    title: str


def forms_available(*, dossier: Dossier) -> list[FormInfo]:
    """01 once accepted; 02 once a supplement was requested; 03 if refused; 04 if extended;
    05 if stopped; 06 always (every dossier here has been submitted). One query."""
    done = set(dossier.events.values_list("action", flat=True).distinct())
    return [
        FormInfo(form_no=no, title=title)
        for no, (title, action) in FORMS.items()
        if action is None or action in done
    ]


def form_check_available(*, dossier: Dossier, form_no: str) -> FormInfo:
    for info in forms_available(dossier=dossier):
        if info.form_no == form_no:
            return info
    known = form_no in FORMS
    raise Conflict(
        f"Hồ sơ {dossier.code} chưa có mẫu {form_no} ở trạng thái hiện tại."
        if known
        else f"Không có mẫu {form_no}; các mẫu: {', '.join(FORMS)}.",
        code="form_not_available",
        extra={"form_no": form_no},
    )


def register_agency_for(*, user):
    """The agency whose register ``user`` may print: an officer's own agency."""
    profile = profile_of(user)
    if (
        profile is None
        or profile.agency_id is None
        or not OFFICER_ROLES.intersection(user_roles(user))
    ):
        raise PermissionDenied(
            "Chỉ cán bộ của cơ quan được in sổ theo dõi hồ sơ của cơ quan mình.",
            code="register_requires_officer",
        )
    return profile.agency


def register_dossiers(*, agency, date_from: date, date_to: date) -> QuerySet[Dossier]:
    """The agency's dossiers submitted between the two local days, inclusive, in order."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    return (
        Dossier.objects.filter(agency=agency, submitted_at__gte=start, submitted_at__lt=end)
        .select_related("procedure_version")
        .order_by("submitted_at", "code")
    )
