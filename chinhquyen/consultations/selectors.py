"""Reads of consultations and the usefulness report."""

from __future__ import annotations

import calendar

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.catalogue.models import OnlineMode, Procedure
from chinhquyen.dossiers.models import Dossier

from .models import Comment, Consultation

ONLINE_CHANNEL = 2


def consultations_public() -> QuerySet[Consultation]:
    return Consultation.objects.select_related("procedure", "procedure__current", "agency")


def comments_published(consultation: Consultation) -> QuerySet[Comment]:
    return consultation.comments.filter(status=Comment.Status.PUBLISHED).order_by("created_at")


def consultation_counts(consultation: Consultation) -> dict[str, int]:
    return consultation.participations.aggregate(
        votes=Count("pk"), votes_for=Count("pk", filter=Q(vote="for"))
    )


def months_before(moment, months: int):
    """The same day and time ``months`` calendar months earlier (the last day of a shorter
    month when the day does not exist there)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def unused_online_services(*, user, months: int = 6, now=None) -> list[dict]:
    """Online services (full or partial) that received no online dossier over the last
    ``months`` months — candidates for review or for a new consultation. Officers see their
    agency's; system admins see every agency's."""
    since = months_before(now or timezone.now(), months)
    roles = set(user_roles(user))
    profile = profile_of(user)
    procedures = Procedure.objects.filter(
        current__online_mode__in=[OnlineMode.FULL, OnlineMode.PARTIAL]
    ).select_related("current")
    if Role.SYSTEM_ADMIN not in roles:
        if profile is None or not profile.agency_id:
            return []
        procedures = procedures.filter(agencies=profile.agency_id)
        agency_filter = Q(agency_id=profile.agency_id)
    else:
        agency_filter = Q()
    recent = Dossier.objects.filter(
        agency_filter,
        procedure=OuterRef("pk"),
        channel=ONLINE_CHANNEL,
        submitted_at__gte=since,
    )
    open_consultation = Consultation.objects.filter(
        procedure=OuterRef("pk"), state=Consultation.State.OPEN
    )
    launched = Consultation.objects.filter(
        procedure=OuterRef("pk"), state=Consultation.State.LAUNCHED
    )
    rows = (
        procedures.annotate(
            used=Exists(recent),
            consulting=Exists(open_consultation),
            consulted=Exists(launched),
        )
        .filter(used=False)
        .order_by("code")
    )
    # Already consulted and still unused: review the service itself. Never consulted: ask the
    # citizens first. A consultation under way: wait for it.
    return [
        {
            "procedure": p,
            "version": p.current,
            "proposal": "wait" if p.consulting else "review" if p.consulted else "consultation",
        }
        for p in rows
    ]
