"""Reads of feedback, each with its access rule.

- Officers see only the feedback routed to their agency (anything else is "not found").
- System admins see every feedback (read only).
- The sender sees their own (by account, or by the reply token given when it was sent).
- The public sees only published feedback, and only its redacted texts (``PublicFeedback``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.core.errors import NotFound
from chinhquyen.workdays.calendar import DeadlineState, deadline_state

from .models import Feedback, FeedbackState, hash_key


def feedback_visible_to_officer(user) -> QuerySet[Feedback]:
    """The one place that decides which feedback an officer (or a system admin) may read."""
    qs = Feedback.objects.select_related("agency", "procedure", "dossier")
    if "system_admin" in user_roles(user):
        return qs
    profile = profile_of(user)
    if profile is None or not profile.is_officer:
        return qs.none()
    return qs.filter(agency_id=profile.agency_id)


def feedback_inbox(*, user, overdue_only: bool = False, state: str = "", now=None) -> QuerySet:
    """The agency's feedback, the most urgent first (open ones by due time, then the rest)."""
    qs = feedback_visible_to_officer(user)
    if state:
        qs = qs.filter(state=state)
    if overdue_only:
        qs = qs.filter(due_at__lt=now or timezone.now())
    return qs.order_by("due_at", "-received_at")


def feedback_get_for_officer(*, user, code: str) -> Feedback:
    feedback = feedback_visible_to_officer(user).filter(code=code).first()
    if feedback is None:
        raise NotFound("Không tìm thấy phản ánh.")
    return feedback


def feedback_get_for_sender(*, code: str, user=None, reply_token: str = "") -> Feedback:
    feedback = Feedback.objects.select_related("agency").filter(code=code).first()
    if feedback is not None:
        if user is not None and user.is_authenticated and feedback.sender_id == user.pk:
            return feedback
        if reply_token and secrets.compare_digest(hash_key(reply_token), feedback.reply_token_hash):
            return feedback
    raise NotFound("Không tìm thấy phản ánh.")


def feedback_sent_by(*, user) -> QuerySet[Feedback]:
    """The feedback a logged-in person sent under their name (not the anonymous ones)."""
    if user is None or not user.is_authenticated:
        return Feedback.objects.none()
    return Feedback.objects.select_related("agency").filter(sender=user).order_by("-received_at")


def deadline_of(feedback: Feedback, now: dt.datetime | None = None) -> DeadlineState | None:
    if feedback.due_at is None:
        return None
    return deadline_state(feedback.due_at, now=now)


@dataclass(frozen=True)
class PublicFeedback:
    """All the public may know about a feedback: no sender, no raw text, no attachment."""

    code: str
    kind: str
    kind_label: str
    title: str
    agency_name: str
    procedure_code: str
    description: str
    answer: str
    received_at: dt.datetime
    published_at: dt.datetime
    place: str  # the commune and province, when the sender chose them
    lat: object  # rounded: Feedback.public_location
    long: object
    useful: int
    not_useful: int


def _unit_place(unit) -> str:
    if unit is None:
        return ""
    return ", ".join(n for n in (unit.name, unit.parent.name if unit.parent_id else "") if n)


def _public(row: Feedback) -> PublicFeedback:
    from chinhquyen.core.redaction import redact

    location = row.public_location()
    return PublicFeedback(
        code=row.code,
        kind=row.kind,
        kind_label=row.get_kind_display(),
        # The title was typed by the sender: it gets the same treatment as the description.
        title=redact(row.title, names=[row.sender_name], addresses=[row.sender_address]),
        agency_name=row.agency.name,
        procedure_code=row.procedure.code if row.procedure_id else "",
        description=row.public_description,
        answer=row.public_answer,
        received_at=row.received_at,
        published_at=row.published_at,
        place=_unit_place(row.unit),
        lat=location[0] if location else None,
        long=location[1] if location else None,
        useful=getattr(row, "n_useful", 0),
        not_useful=getattr(row, "n_not_useful", 0),
    )


def _published() -> QuerySet[Feedback]:
    return (
        Feedback.objects.filter(state=FeedbackState.PUBLISHED)
        .select_related("agency", "procedure", "unit__parent")
        .annotate(
            n_useful=Count("votes", filter=Q(votes__useful=True)),
            n_not_useful=Count("votes", filter=Q(votes__useful=False)),
        )
        .order_by("-published_at")
    )


def feedback_public_list(*, query: str = "", kind: str = "") -> list[PublicFeedback]:
    qs = _published()
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(Q(public_description__icontains=query) | Q(public_answer__icontains=query))
    return [_public(row) for row in qs[:200]]


def feedback_public_get(*, code: str) -> PublicFeedback:
    row = _published().filter(code=code).first()
    if row is None:
        raise NotFound("Không tìm thấy phản ánh.")
    return _public(row)


FEEDBACK_FACTS = (
    "feedback_received",
    "feedback_accepted",
    "feedback_answered_on_time",
    "feedback_overdue",
    "feedback_dossiers",
)


def feedback_facts_by_agency(
    *, agency_ids: set[int] | None, date_from: dt.date, date_to: dt.date, now=None
) -> dict[int, dict[str, int]]:
    """The reporting centre's facts about feedback (PAKN) received by each agency between the
    dates (inclusive, Vietnam time): received; accepted (not refused); answered by the answer's
    legal deadline; overdue (answered late, or still unanswered after the deadline as of
    ``now``); and the distinct dossiers that feedback was about. One grouped query; agencies
    with no feedback are absent (their counts are real zeros, the caller fills them in)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    now = now or timezone.now()
    rows = Feedback.objects.filter(
        received_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz),
        received_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=agency_ids)
    accepted = Q(accepted_at__isnull=False, refused_at__isnull=True)
    on_time = accepted & Q(answered_at__isnull=False, answered_at__lte=F("answer_due_at"))
    late = accepted & (
        Q(answered_at__gt=F("answer_due_at")) | Q(answered_at__isnull=True, answer_due_at__lt=now)
    )
    grouped = rows.values("agency_id").annotate(
        feedback_received=Count("pk"),
        feedback_accepted=Count("pk", filter=accepted),
        feedback_answered_on_time=Count("pk", filter=on_time),
        feedback_overdue=Count("pk", filter=late),
        feedback_dossiers=Count(
            "dossier_id", filter=accepted & Q(dossier__isnull=False), distinct=True
        ),
    )
    return {row.pop("agency_id"): row for row in grouped}
