"""Receiving a new dossier, top to bottom: the procedure–agency link and the version in force
(from process caches), the channel and the applicant, the e-form, then the writes in one
transaction — the code from the agency's daily counter (``codes``), the dossier and its first
event, the ``event_recorded`` signal (the reporting counters, the notifications) and the first
record of the dossier's audit chain. ``idempotency`` wraps it for a request with an
Idempotency-Key.

On PostgreSQL the counter, the dossier and the event are written by one hand-written statement
(``_write_in_one_statement``, docs/decisions/0006-raw-sql-on-hot-paths.md); elsewhere by
``save()``. Both write the same rows (dossiers/tests/test_submission_paths.py).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connection, models, router, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.audit.services import audit_record
from chinhquyen.catalogue.models import Procedure, ProcedureVersion
from chinhquyen.core.errors import PermissionDenied, ValidationFailed
from chinhquyen.core.phone import InvalidPhone, phone_normalise, phone_normalise_or_keep
from chinhquyen.core.proccache import ModelRow, ProcessCache
from chinhquyen.units.models import Agency

from .. import signals
from ..forms import form_validate
from ..models import Channel, Dossier, DossierEvent
from ..workflow import default_workflow_id, workflow_spec
from . import codes
from .codes import _links

_CHANNELS = frozenset(Channel.values)  # Channel.values builds a new list on every use


@dataclass
class Applicant:
    name: str
    id_number: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


def _given_phone(given: Applicant | None) -> str:
    """The phone number given for the applicant, in national form (``core.phone``)."""
    if given is None or not given.phone:
        return ""
    try:
        return phone_normalise(given.phone)
    except InvalidPhone as exc:
        raise ValidationFailed(
            str(exc), code="applicant_phone_invalid", fields={"applicant.phone": [str(exc)]}
        ) from None


def _applicant_for(user, given: Applicant | None, channel: int) -> tuple[Any, Applicant]:
    roles = set(user_roles(user))
    if channel == Channel.ONLINE:
        if Role.CITIZEN not in roles:
            raise PermissionDenied(
                "Chỉ công dân, tổ chức nộp hồ sơ trực tuyến; cán bộ tiếp nhận dùng kênh trực tiếp hoặc bưu chính.",
                code="online_submission_requires_citizen",
            )
        profile = profile_of(user)
        applicant = Applicant(
            name=(
                given.name
                if given and given.name
                else (profile.full_name if profile else user.get_username())
            ),
            id_number=(
                given.id_number
                if given and given.id_number
                else (profile.id_number if profile else "")
            ),
            # A profile's number written before numbers were normalised is kept as it is: the
            # citizen cannot correct it on this form.
            phone=_given_phone(given) or phone_normalise_or_keep(profile.phone if profile else ""),
            email=(given.email if given and given.email else user.email),
            address=given.address if given else "",
        )
        return user, applicant
    if Role.COUNTER not in roles:
        raise PermissionDenied(
            "Chỉ cán bộ một cửa tiếp nhận hồ sơ trực tiếp hoặc qua bưu chính.",
            code="counter_intake_requires_officer",
        )
    if given is None or not given.name.strip():
        raise ValidationFailed(
            "Cần thông tin người nộp hồ sơ.",
            fields={"applicant.name": ["Bắt buộc nhập họ tên người nộp."]},
        )
    return None, replace(given, phone=_given_phone(given))


# A procedure version's content never changes once written, so each process keeps the current
# versions it has loaded (their e-form schema, fees and texts are the costliest part of a
# submission to read) as plain values: each caller builds an instance of its own (``_version``).
_versions: ProcessCache[ModelRow[ProcedureVersion]] = ProcessCache(
    "dossiers.versions", max_entries=4096
)


def _version(version_id: int, procedure: Procedure) -> ProcedureVersion:
    """The version (of ``procedure``, which the caller has) as an instance of the caller's own."""
    row = _versions.get_or_set(
        version_id, lambda: ModelRow.of(ProcedureVersion.objects.get(pk=version_id))
    )
    version = row.build()
    version.procedure = procedure
    return version


def _concrete(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _from_row(model, row: dict):
    """The ``model`` instance of a link row (``_link_row``): its values under ``<model>__``."""
    prefix = f"{model._meta.model_name}__"
    names = _concrete(model)
    return model.from_db(router.db_for_read(model), names, [row[prefix + n] for n in names])


def _link_row(procedure_code: str, agency_id: str) -> dict | None:
    """The link between a procedure and an active agency that receives it, with both rows in
    full; one query."""
    return (
        Procedure.agencies.through.objects.filter(
            procedure__code=procedure_code, agency__agency_id=agency_id, agency__is_active=True
        )
        .values(
            *(f"procedure__{n}" for n in _concrete(Procedure)),
            *(f"agency__{n}" for n in _concrete(Agency)),
        )
        .first()
    )


def _received_then(agency: Agency, day: date | None) -> bool:
    """Whether an inactive agency may receive a dossier dated ``day``: only a back-dated one (a
    historical import passes ``at``; live intake never does), on a day its administrative unit
    was in force, and only if that unit has been abolished since. The agencies of the units
    abolished on 1/7/2025 are kept, inactive, with their unit for the history (an active agency
    must be attached to a current unit, see ``units.services.agency_validate``)."""
    if day is None or agency.unit is None:
        return False
    today = timezone.localdate()
    return day < today and agency.unit.is_valid_on(day) and not agency.unit.is_valid_on(today)


def _procedure_and_agency(
    *, procedure_code: str, agency_id: str, day: date | None = None, cached: bool = False
) -> tuple[Procedure, Agency, dict | None]:
    """The procedure and the receiving agency in one query on the hot path (their link), and,
    with ``cached``, from the process cache: the third value is then the cached row, which the
    caller must have checked when it takes the code (``codes.counter_sql(link=…)``). The detailed
    lookups run only to explain a refusal, or for a back-dated dossier of an agency that is no
    longer active (``day``: the dossier's date when it is not today, see ``_received_then``)."""
    key = (procedure_code, agency_id)
    hit = _links.get(key) if cached else None
    if hit is not None:
        row, procedure, agency = hit
        return procedure.build(), agency.build(), row
    row = _link_row(procedure_code, agency_id)
    if row is not None:
        procedure, agency = _from_row(Procedure, row), _from_row(Agency, row)
        _links.set(key, (row, ModelRow.of(procedure), ModelRow.of(agency)))
        return procedure, agency, None
    _links.pop(key)
    try:
        procedure = Procedure.objects.select_related("current", "current__field").get(
            code=procedure_code
        )
    except Procedure.DoesNotExist:
        raise ValidationFailed(
            "Không có thủ tục này.",
            code="procedure_unknown",
            fields={"procedure": [f"Không có thủ tục {procedure_code}."]},
        ) from None
    agency = Agency.objects.select_related("unit").filter(agency_id=agency_id).first()
    if agency is None or not (agency.is_active or _received_then(agency, day)):
        raise ValidationFailed(
            "Không có cơ quan này.",
            code="agency_unknown",
            fields={"agency": [f"Không có cơ quan {agency_id}."]},
        )
    if not procedure.agencies.filter(pk=agency.pk).exists():
        raise ValidationFailed(
            "Cơ quan này không tiếp nhận thủ tục đã chọn.",
            code="procedure_not_offered",
            fields={"agency": [f"{agency.name} không tiếp nhận thủ tục {procedure_code}."]},
        )
    if agency.is_active:
        raise AssertionError("unreachable: the link query would have found this pair")
    return procedure, agency, None


def _version_in_force(procedure: Procedure, day) -> ProcedureVersion:
    """The version in force on ``day``: usually the current one; a version published ahead of
    its effective date does not replace the one still in force."""

    def in_force(v: ProcedureVersion) -> bool:
        return v.effective_from <= day and (v.effective_to is None or day < v.effective_to)

    if procedure.current_id is not None:
        # The current version's dates only change when a newer version replaces it as current,
        # so the process-wide copy is safe to use here; older versions are read fresh below.
        current = _version(procedure.current_id, procedure)
        if in_force(current):
            return current
    for version in procedure.versions.order_by("-version"):
        if in_force(version):
            return version
    raise ValidationFailed(
        "Thủ tục không có phiên bản đang hiệu lực.",
        code="procedure_not_in_force",
        fields={"procedure": ["Chưa hiệu lực hoặc đã hết hiệu lực."]},
    )


def dossier_submit(
    *,
    user,
    procedure_code: str,
    agency_id: str,
    form_data: dict[str, Any],
    channel: int = Channel.ONLINE,
    applicant: Applicant | None = None,
    at: datetime | None = None,
) -> Dossier:
    """Receive a new dossier (status 1). Counter officers give channel 1 or 3 and the applicant."""
    back_dated = at is not None
    at = at or timezone.now()
    if channel not in _CHANNELS:
        raise ValidationFailed(
            "Kênh nộp không hợp lệ.", fields={"channel": ["Chỉ nhận 1, 2 hoặc 3."]}
        )
    args = {
        "user": user,
        "procedure_code": procedure_code,
        "agency_id": agency_id,
        "form_data": form_data,
        "channel": channel,
        "applicant": applicant,
        "at": at,
        "back_dated": back_dated,
    }
    # First with the procedure–agency link from the process cache; if it no longer holds when
    # the code is taken (nothing is written then), again with everything read afresh.
    return _submit(**args, cached=True) or _submit(**args, cached=False)


def _submit(
    *,
    user,
    procedure_code: str,
    agency_id: str,
    form_data: dict[str, Any],
    channel: int,
    applicant: Applicant | None,
    at: datetime,
    back_dated: bool,
    cached: bool,
) -> Dossier | None:
    """One attempt: read and check everything, then write (``_write``). None, with nothing
    written, when the cached link no longer held."""
    day = timezone.localtime(at).date()
    procedure, agency, link = _procedure_and_agency(
        procedure_code=procedure_code,
        agency_id=agency_id,
        day=day if back_dated else None,
        cached=cached,
    )
    version = _version_in_force(procedure, day)
    _check_channel(user=user, channel=channel, version=version, agency=agency)
    owner, applicant = _applicant_for(user, applicant, channel)
    form_data = form_validate(
        version_id=version.pk, stamp=version.created_at, schema=version.form_schema, data=form_data
    )
    dossier, event = _new_rows(
        user=user,
        owner=owner,
        applicant=applicant,
        procedure=procedure,
        version=version,
        agency=agency,
        channel=channel,
        form_data=form_data,
        at=at,
    )
    # Everything above only reads, so a refusal leaves the caller's transaction usable. The writes
    # need no savepoint of their own: if one fails the enclosing transaction is lost anyway.
    with transaction.atomic(savepoint=False):
        if not _write(dossier, event, link=link, day=day):
            return None  # the cached link changed: nothing was written
        signals.event_recorded.send(sender=Dossier, event=event, day=day)
        # The first record of the dossier's audit chain, now that its code is known.
        audit_record(
            new_object=True,
            event="dossier.submitted",
            object_type="dossier",
            object_id=dossier.code,
            actor=user,
            at=at,
            changes={
                "state": [None, dossier.state],
                "channel": channel,
                "procedure": procedure.code,
                "version": version.version,
                "agency": agency.agency_id,
            },
        )
    return dossier


def _check_channel(*, user, channel: int, version: ProcedureVersion, agency: Agency) -> None:
    """Online only where the procedure is offered online; counter intake only by an officer of
    the receiving agency."""
    if channel == Channel.ONLINE and version.online_mode == "none":
        raise ValidationFailed(
            "Thủ tục này chưa cung cấp trực tuyến; vui lòng nộp trực tiếp hoặc qua bưu chính.",
            code="procedure_not_online",
            fields={"procedure": ["Không nộp trực tuyến được."]},
        )
    if channel != Channel.ONLINE:
        profile = profile_of(user)
        if profile is None or profile.agency_id != agency.pk:
            raise PermissionDenied(
                "Cán bộ chỉ tiếp nhận hồ sơ cho cơ quan của mình.", code="wrong_agency"
            )


def _new_rows(
    *,
    user,
    owner,
    applicant: Applicant,
    procedure: Procedure,
    version: ProcedureVersion,
    agency: Agency,
    channel: int,
    form_data: dict[str, Any],
    at: datetime,
) -> tuple[Dossier, DossierEvent]:
    """The new dossier (its code still to be taken) and its first event, not saved yet. Built
    before the code is taken, so that the agency's counter row, locked from then until the
    commit, waits for as little as possible."""
    workflow_id = procedure.workflow_id or default_workflow_id()
    initial = workflow_spec(workflow_id).initial
    role = Role.CITIZEN if channel == Channel.ONLINE else Role.COUNTER
    dossier = Dossier(
        code="",
        procedure=procedure,
        procedure_version=version,
        workflow_id=workflow_id,
        agency=agency,
        channel=channel,
        state=initial.code,
        status_code=initial.national_status,
        applicant=owner,
        applicant_name=applicant.name[:200],
        applicant_id_number=applicant.id_number[:20],
        applicant_phone=applicant.phone[:20],
        applicant_email=applicant.email,
        applicant_address=applicant.address[:300],
        form_data=form_data,
        submitted_at=at,
        history_length=1,
    )
    event = DossierEvent(
        dossier=dossier,
        seq=1,
        action="submit",
        from_state="",
        to_state=initial.code,
        actor=user,
        actor_role=role,
        agency=agency if role == Role.COUNTER else None,
        at=at,
        data={"channel": channel, "procedure_version": version.version},
    )
    return dossier, event


# --- writing the new dossier ---------------------------------------------------------------------


def _write(dossier: Dossier, event: DossierEvent, *, link: dict | None, day: date) -> bool:
    """Take the dossier's code and write the dossier and its first event; False, with nothing
    written, when the cached ``link`` no longer holds (``codes.counter_next``).

    On PostgreSQL the three writes go as one statement (``_write_in_one_statement``); on SQLite,
    with ``DOSSIER_SUBMIT_ONE_STATEMENT`` off, or for a code format SQL cannot follow, the
    upsert and then ``save()``. Either way the agency's counter row stays locked from the upsert
    until the commit (the code never repeats or skips), ``pre_save`` and ``post_save`` are sent
    for both rows, and both end saved (``pk``, ``_state``) with the code set."""
    code_sql = (
        codes.code_sql(agency=dossier.agency, day=day)
        if connection.vendor == "postgresql" and settings.DOSSIER_SUBMIT_ONE_STATEMENT
        else None
    )
    if code_sql is not None:
        return _write_in_one_statement(dossier, event, link=link, day=day, code_sql=code_sql)
    code = codes.dossier_code_make(
        agency=dossier.agency, at=dossier.submitted_at, link=link, day=day
    )
    if code is None:
        return False
    dossier.code = code
    dossier.save(force_insert=True)
    event.save(force_insert=True)
    return True


@functools.cache
def _insert_fields(model) -> tuple:
    """The columns a new row of ``model`` is written with by the statement: its concrete fields
    but the primary key (and the dossier's code and the event's dossier, which the statement
    takes from its earlier parts)."""
    return tuple(
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and (model, f.name) not in ((Dossier, "code"), (DossierEvent, "dossier"))
    )


@functools.cache
def _statement(counter: str) -> str:
    """The submission's statement around ``counter``: the upsert of the agency's daily counter
    (``codes.counter_sql``) that returns the new code."""
    dossier, event = Dossier._meta, DossierEvent._meta

    def columns(model) -> str:
        return ", ".join(f.column for f in _insert_fields(model))

    def values(model) -> str:
        return ", ".join(f"r.{f.column}" for f in _insert_fields(model))

    # A data-modifying WITH: each part inserts from the row the part before it returned, so when
    # the counter's upsert returns no row (the cached link no longer holds) nothing is written
    # and the statement returns no row. Each new row comes as one JSON parameter, read into the
    # table's row type by jsonb_populate_record (a parameter per column would be about 50, past
    # the number psycopg caches the conversion of a query for).
    return (
        f"WITH counter AS ({counter}), "  # noqa: S608 - names from the models, values are parameters
        f"dossier AS (INSERT INTO {dossier.db_table} "
        f"({dossier.get_field('code').column}, {columns(Dossier)}) "
        f"SELECT counter.code, {values(Dossier)} "
        f"FROM counter, jsonb_populate_record(NULL::{dossier.db_table}, %s::jsonb) r "
        f"RETURNING {dossier.pk.column}), "
        f"event AS (INSERT INTO {event.db_table} "
        f"({event.get_field('dossier').column}, {columns(DossierEvent)}) "
        f"SELECT dossier.{dossier.pk.column}, {values(DossierEvent)} "
        f"FROM dossier, jsonb_populate_record(NULL::{event.db_table}, %s::jsonb) r "
        f"RETURNING {event.pk.column}) "
        f"SELECT dossier.{dossier.pk.column}, counter.code, event.{event.pk.column} "
        "FROM counter, dossier, event"
    )


def _json_row(obj) -> str:
    """A new row's values as a JSON object keyed by column, as ``save()`` would write them: each
    field's ``pre_save`` (``auto_now``) and value preparation; a JSON field's value as it is."""
    row = {}
    for f in _insert_fields(type(obj)):
        value = f.pre_save(obj, True)
        if not isinstance(f, models.JSONField):
            value = f.get_db_prep_save(value, connection)
        row[f.column] = value
    return json.dumps(row, default=_json_value, ensure_ascii=False)


def _json_value(value: Any) -> Any:
    """What JSON has no type for, in the text PostgreSQL reads back exactly."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} in a new dossier's row")


def _write_in_one_statement(
    dossier: Dossier, event: DossierEvent, *, link: dict | None, day: date, code_sql
) -> bool:
    """The counter's upsert, the dossier and its first event as one statement: one round trip.
    What ``save()`` does around an insert is done here too (docs/decisions/0006): ``pre_save``
    (the signal, and the fields' own), the values prepared by each field, the pk and
    ``_state`` of a saved row, ``post_save``."""
    expression, code_params = code_sql
    counter, counter_params = codes.counter_sql(
        agency_id=dossier.agency_id, day=day, link=link, returning=f"{expression} AS code"
    )
    alias = connection.alias
    for obj in (dossier, event):
        pre_save.send(sender=type(obj), instance=obj, raw=False, using=alias, update_fields=None)
    with connection.cursor() as cursor:
        cursor.execute(
            _statement(counter),
            [*counter_params, *code_params, _json_row(dossier), _json_row(event)],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    dossier.pk, dossier.code, event.pk = row
    event.dossier = dossier
    for obj in (dossier, event):
        obj._state.adding, obj._state.db = False, alias
        post_save.send(
            sender=type(obj), instance=obj, created=True, update_fields=None, raw=False, using=alias
        )
    return True
