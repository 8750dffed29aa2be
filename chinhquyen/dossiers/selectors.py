"""Reads of dossiers, always through access checks. Another agency's dossier is "not found"."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from chinhquyen.accounts.models import OFFICER_ROLES, Role
from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.core.errors import NotFound
from chinhquyen.core.proccache import ProcessCache

from .models import Dossier, DossierEvent, Workflow


def _not_found(code: str) -> NotFound:
    return NotFound(f"Không tìm thấy hồ sơ {code}.", code="dossier_not_found")


def dossiers_visible_to(*, user) -> QuerySet[Dossier]:
    """Citizens: their own. Officers: their agency's and those forwarded to it. Admins: all."""
    roles = set(user_roles(user))
    if Role.SYSTEM_ADMIN in roles:
        return Dossier.objects.all()
    profile = profile_of(user)
    condition = Q(pk__in=[])
    if profile is not None and profile.agency_id and OFFICER_ROLES.intersection(roles):
        condition |= Q(agency_id=profile.agency_id) | Q(
            pk__in=Dossier.steps.rel.related_model.objects.filter(
                agency_id=profile.agency_id
            ).values("dossier_id")
        )
    if Role.CITIZEN in roles:
        condition |= Q(applicant=user)
    return Dossier.objects.filter(condition)


def dossier_get_for_user(*, user, code: str, for_update: bool = False) -> Dossier:
    qs = dossiers_visible_to(user=user).select_related(
        "procedure",
        "procedure_version",
        "procedure_version__field",
        "agency",
        "workflow",
        "applicant",
        "assignee",
    )
    if for_update:
        # Lock only the dossier row: nullable joins cannot be locked on PostgreSQL.
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(code=code)
    except Dossier.DoesNotExist:
        raise _not_found(code) from None


_PUBLIC_FIELDS = (
    "code",
    "state",
    "status_code",
    "received_at",
    "submitted_at",
    "due_at",
    "finished_at",
    "paused_at",
    "repeated_supplement",
    "workflow_id",
    "procedure_version_id",
    "agency_id",
)

# One table, one row by its unique code: the lookup reads only the dossier. The names it shows
# come from process caches: a procedure version never changes once written (the services' cache
# of versions); an agency may be renamed, and the lookup shows the new name within a minute.
#
# A hand-written statement (docs/decisions/0006-raw-sql-on-hot-paths.md): this is the portal's
# most frequent request, and building the ORM's query for it cost more CPU than running it. The
# column names come from the model; a test compares its answer with the ORM's on both databases
# (dossiers/tests/test_api.py: test_public_lookup_statement_reads_what_the_orm_reads).
_PUBLIC_SQL = "SELECT {columns} FROM {table} WHERE {code} = %s".format(  # noqa: S608 - our names
    columns=", ".join(Dossier._meta.get_field(name).column for name in _PUBLIC_FIELDS),
    table=Dossier._meta.db_table,
    code=Dossier._meta.get_field("code").column,
)
_PUBLIC_DATETIMES = frozenset(i for i, name in enumerate(_PUBLIC_FIELDS) if name.endswith("_at"))


def _aware(value: datetime | None) -> datetime | None:
    """A timestamp as the ORM gives it: SQLite stores UTC without an offset (PostgreSQL's
    driver returns it aware already)."""
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value, UTC)


def _public_row(code: str) -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute(_PUBLIC_SQL, [code])
        row = cursor.fetchone()
    if row is None:
        return None
    return {
        name: _aware(value) if i in _PUBLIC_DATETIMES else value
        for i, (name, value) in enumerate(zip(_PUBLIC_FIELDS, row, strict=True))
    }


AGENCY_NAMES_TTL = 60.0
_agency_names: ProcessCache[tuple[str, str]] = ProcessCache(
    "dossiers.agency_names", max_entries=8192, ttl=AGENCY_NAMES_TTL
)


# A procedure version never changes once written: its names are kept until evicted.
_version_names: ProcessCache[tuple[str, str]] = ProcessCache(
    "dossiers.version_names", max_entries=8192
)


def _version_name(version_id: int) -> tuple[str, str]:
    """(procedure code, version name) of an immutable procedure version."""
    from chinhquyen.catalogue.models import ProcedureVersion

    return _version_names.get_or_set(
        version_id,
        lambda: ProcedureVersion.objects.values_list("procedure__code", "name").get(pk=version_id),
    )


def _agency_name(agency_pk: int) -> tuple[str, str]:
    """(QCVN 102 id, name) of an agency, remembered for a minute."""
    from chinhquyen.units.models import Agency

    return _agency_names.get_or_set(
        agency_pk, lambda: Agency.objects.values_list("agency_id", "name").get(pk=agency_pk)
    )


def dossier_get_public(*, code: str) -> SimpleNamespace:
    """For the public lookup: no access check, so it returns only what may be shown — progress,
    never personal data — as a plain read-only record shaped like a dossier (one query once the
    names are cached, no model instances: this is the most frequent request of the portal)."""
    row = _public_row(code)
    if row is None:
        raise _not_found(code)
    procedure_code, procedure_name = _version_name(row["procedure_version_id"])
    agency_id, agency_name = _agency_name(row["agency_id"])
    return SimpleNamespace(
        **row,
        procedure=SimpleNamespace(code=procedure_code),
        procedure_version=SimpleNamespace(name=procedure_name),
        agency=SimpleNamespace(agency_id=agency_id, name=agency_name),
    )


def dossier_history(*, dossier: Dossier) -> QuerySet[DossierEvent]:
    return (
        dossier.events.select_related("actor", "agency").prefetch_related("files").order_by("seq")
    )


def workflow_default() -> Workflow:
    wf = Workflow.objects.filter(is_default=True).order_by("pk").first()
    if wf is None:
        raise NotFound("Chưa cấu hình quy trình mặc định.", code="workflow_missing")
    return wf
