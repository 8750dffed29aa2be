"""Reads for the officer workspace: the inbox, its counts and the agency dashboard.

Everything here starts from ``dossiers_visible_to`` (the one place that decides who sees what) and
answers with a fixed number of queries whatever the number of dossiers: filters and counts are SQL,
never a loop over rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.catalogue.models import Procedure
from chinhquyen.dossiers.models import Dossier
from chinhquyen.dossiers.selectors import dossiers_visible_to
from chinhquyen.workdays import calendar

DEADLINE_STATES = ("on_time", "due_soon", "overdue", "paused")

# Open dossiers first, the most urgent first (the same order as the API's list).
INBOX_ORDER = (
    F("closed_at").desc(nulls_first=True),
    F("due_at").asc(nulls_last=True),
    "-submitted_at",
)


def _soon_limit(now: dt.datetime) -> dt.datetime:
    """The first instant that is no longer "due soon".

    ``calendar.deadline_state`` calls a deadline due soon when at most one working day lies in
    (today, due day]; that holds exactly for due days before the second working day after today.
    """
    today = timezone.localtime(now).date()
    limit_day = calendar.next_working_day(calendar.next_working_day(today))
    return timezone.make_aware(dt.datetime.combine(limit_day, dt.time.min))


def deadline_q(state: str, *, now: dt.datetime | None = None) -> Q:
    """The SQL twin of ``dossiers.services.deadline_state`` for one state."""
    now = now or timezone.now()
    running = Q(due_at__isnull=False, finished_at__isnull=True, paused_at__isnull=True)
    finished = Q(due_at__isnull=False, finished_at__isnull=False)
    if state == "paused":
        return Q(due_at__isnull=False, finished_at__isnull=True, paused_at__isnull=False)
    if state == "overdue":
        return (running & Q(due_at__lt=now)) | (finished & Q(finished_at__gt=F("due_at")))
    if state == "due_soon":
        return running & Q(due_at__gte=now, due_at__lt=_soon_limit(now))
    if state == "on_time":
        return (running & Q(due_at__gte=_soon_limit(now))) | (
            finished & Q(finished_at__lte=F("due_at"))
        )
    raise ValueError(state)


def actionable_q(*, user) -> Q:
    """Dossiers on which ``user`` has an action now, by role, as one SQL condition.

    An approximation of ``actions_available`` that needs no per-row work: the counter takes
    new, paid-for and finished dossiers; the leader accepted and in-process ones; the handler
    those in process assigned to them.
    """
    profile = profile_of(user)
    if profile is None or profile.agency_id is None:
        return Q(pk__in=[])
    roles = set(user_roles(user))
    q = Q(pk__in=[])
    if Role.COUNTER in roles:
        q |= Q(state__in=("submitted", "done", "payment_required"))
    if Role.LEADER in roles:
        q |= Q(state__in=("accepted", "in_process", "pending_approval"))
    if Role.HANDLER in roles:
        q |= Q(state="in_process", assignee=user)
    if roles & set(profile.agency.seal_roles):
        q |= Q(state="approved")
    return q & Q(agency_id=profile.agency_id)


@dataclass(frozen=True)
class InboxFilter:
    mine: bool = True
    state: str = ""
    deadline: str = ""
    procedure: str = ""
    q: str = ""


def inbox_dossiers(*, user, filters: InboxFilter, now: dt.datetime | None = None) -> QuerySet:
    qs = dossiers_visible_to(user=user)
    if filters.mine:
        qs = qs.filter(actionable_q(user=user))
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.deadline in DEADLINE_STATES:
        qs = qs.filter(deadline_q(filters.deadline, now=now))
    if filters.procedure:
        qs = qs.filter(procedure__code=filters.procedure)
    if filters.q:
        term = filters.q.strip()
        qs = qs.filter(Q(code__icontains=term) | Q(applicant_name__icontains=term))
    return (
        qs.select_related("procedure_version")
        .only(
            "code",
            "state",
            "workflow_id",
            "agency_id",
            "applicant_name",
            "submitted_at",
            "due_at",
            "paused_at",
            "finished_at",
            "closed_at",
            "procedure_version__name",
        )
        .order_by(*INBOX_ORDER)
    )


def inbox_counts(*, user, mine: bool, now: dt.datetime | None = None) -> dict[str, dict]:
    """Counts per workflow state and per deadline state of the inbox (two queries)."""
    qs = dossiers_visible_to(user=user)
    if mine:
        qs = qs.filter(actionable_q(user=user))
    by_state = {
        row["state"]: row["n"] for row in qs.order_by().values("state").annotate(n=Count("id"))
    }
    by_deadline = qs.aggregate(
        **{name: Count("id", filter=deadline_q(name, now=now)) for name in DEADLINE_STATES}
    )
    return {"state": by_state, "deadline": by_deadline}


def agency_procedures(*, user) -> QuerySet[Procedure]:
    """The procedures the officer's agency receives, with the current version's name."""
    profile = profile_of(user)
    if profile is None or profile.agency_id is None:
        return Procedure.objects.none()
    return (
        Procedure.objects.filter(agencies=profile.agency_id, current__isnull=False)
        .select_related("current")
        .only("code", "current__name", "current__form_schema")
        .order_by("code")
    )


@dataclass(frozen=True)
class DashboardNumbers:
    received: int
    in_process: int
    overdue_open: int
    done: int
    done_on_time: int
    done_late: int


def agency_dashboard(
    *, user, date_from: dt.date, date_to: dt.date, now: dt.datetime | None = None
) -> DashboardNumbers:
    """The agency's numbers for a period, in one aggregate query.

    Received and done count what happened in the period (by the acceptance and finishing
    times); in process and overdue are the situation now.
    """
    now = now or timezone.now()
    profile = profile_of(user)
    agency_id = profile.agency_id if profile else None
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    in_period = {"__gte": start, "__lt": end}
    received = Q(**{f"received_at{k}": v for k, v in in_period.items()})
    done = Q(**{f"finished_at{k}": v for k, v in in_period.items()})
    open_ = Q(received_at__isnull=False, finished_at__isnull=True, closed_at__isnull=True)
    numbers = Dossier.objects.filter(agency_id=agency_id).aggregate(
        received=Count("id", filter=received),
        in_process=Count("id", filter=open_),
        overdue_open=Count("id", filter=open_ & Q(paused_at__isnull=True, due_at__lt=now)),
        done=Count("id", filter=done),
        done_on_time=Count(
            "id", filter=done & (Q(due_at__isnull=True) | Q(finished_at__lte=F("due_at")))
        ),
        done_late=Count("id", filter=done & Q(finished_at__gt=F("due_at"))),
    )
    return DashboardNumbers(**numbers)


@dataclass(frozen=True)
class SignedShare:
    """Of what the agency issued since ``since``: how much carries both the competent person's
    signature and the agency's (the seeds' indicator: Vĩnh Phúc signed 17.9 % in 2019)."""

    since: dt.date
    results: int
    results_signed: int
    documents: int
    documents_signed: int

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def results_share(self) -> float | None:
        return self._share(self.results_signed, self.results)

    @property
    def documents_share(self) -> float | None:
        return self._share(self.documents_signed, self.documents)


def agency_signed_share(*, user, now: dt.datetime | None = None) -> SignedShare:
    """This month's results and outgoing documents of the officer's agency, and how many of
    them are signed by both the person and the agency (two queries, read live).

    A result counts when the dossier was finished this month with an electronic result; it is
    signed when its result line ends in the agency's seal. An outgoing document counts once
    however many agencies it went to, and is signed when the exchange found both signatures
    valid (a document not yet assessed counts as not signed: it is what the register shows).
    """
    from django.db.models import Exists, OuterRef

    from chinhquyen.dossiers.models import DossierFile, SignedAs
    from chinhquyen.exchange.models import RegisterDirection, RegisterEntry

    now = now or timezone.now()
    month = timezone.localtime(now).date().replace(day=1)
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    profile = profile_of(user)
    agency = profile.agency if profile else None
    if agency is None:
        return SignedShare(month, 0, 0, 0, 0)
    results = DossierFile.objects.filter(dossier=OuterRef("pk"), is_result=True)
    dossiers = Dossier.objects.filter(agency=agency, finished_at__gte=start).aggregate(
        results=Count("id", filter=Q(Exists(results))),
        signed=Count("id", filter=Q(Exists(results.filter(signed_as=SignedAs.AGENCY)))),
    )
    documents = RegisterEntry.objects.filter(
        agency_id=agency.agency_id, direction=RegisterDirection.OUT, sent_at__gte=start
    ).aggregate(
        documents=Count("document_id", distinct=True),
        signed=Count(
            "document_id",
            distinct=True,
            filter=Q(personal_signature_valid=True, agency_signature_valid=True),
        ),
    )
    return SignedShare(
        since=month,
        results=dossiers["results"],
        results_signed=dossiers["signed"],
        documents=documents["documents"],
        documents_signed=documents["signed"],
    )


def full_names(*, usernames: set[str]) -> dict[str, str]:
    """People by the full name of their profile, the username where it is empty (one query)."""
    if not usernames:
        return {}
    from chinhquyen.accounts.models import Profile

    rows = Profile.objects.filter(user__username__in=usernames).values_list(
        "user__username", "full_name"
    )
    return {username: name or username for username, name in rows}


# The national statuses in which a result is prepared or waits to be returned: 4 "in process"
# (in the standard workflow: in_process, approved) and 9 "processing done" (done).
RESULT_STATUSES = frozenset({4, 9})


def result_upload_allowed(*, dossier: Dossier, user) -> bool:
    """Whether the page offers the officer the result upload.

    Who may is the rule of ``dossiers.services.dossier_file_add`` for ``document="result"``: an
    officer of the dossier's own agency (not of an agency it was forwarded to), while the dossier
    is open. The page narrows *when* to the states of a workflow whose national status says a
    result is being prepared or waits to be returned, so that nobody attaches a result to a
    dossier not yet accepted or waiting for the applicant; a signed result is drafted only
    before it goes to the leader (``results.draft_upload_allowed``, which the service enforces).
    The service still decides every upload; the workspace tests hold the page to it for every persona and state."""
    from chinhquyen.dossiers.results import draft_upload_allowed
    from chinhquyen.dossiers.workflow import workflow_spec

    state = workflow_spec(dossier.workflow_id).states[dossier.state]
    if state.is_final or state.national_status not in RESULT_STATUSES:
        return False
    if not draft_upload_allowed(dossier=dossier):
        return False
    profile = profile_of(user)
    return bool(
        profile is not None and profile.is_officer and profile.agency_id == dossier.agency_id
    )
