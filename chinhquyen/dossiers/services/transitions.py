"""Every change to a dossier goes through these services (DOMAIN.md §3).

Each transition runs in one transaction that locks the dossier row, checks the workflow and the
actor's role, applies the action's rules (clock, flags, steps), appends a history event and an
audit record. Interfaces (API, pages, CLI, tasks) only call these.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, router, transaction
from django.utils import timezone

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.audit.services import audit_record
from chinhquyen.catalogue.models import Procedure, ProcedureVersion, TimeUnit
from chinhquyen.core.compiled import (
    BatchValueMissing,
    CompiledQuery,
    current_batch,
    insert_new,
    instance_copy,
    instance_new,
    write_batch,
)
from chinhquyen.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from chinhquyen.core.phone import InvalidPhone, phone_normalise, phone_normalise_or_keep
from chinhquyen.core.proccache import ProcessCache
from chinhquyen.units.models import Agency
from chinhquyen.workdays import calendar

from .. import results, signals
from ..files import check_upload
from ..forms import form_validate
from ..models import (
    Channel,
    Dossier,
    DossierCounter,
    DossierEvaluation,
    DossierEvent,
    DossierFile,
    DossierStep,
    IdempotencyRecord,
    SignedAs,
    StepKind,
    display_name,
)
from ..selectors import dossier_get_for_user
from ..timeliness import counts_as_late
from ..workflow import ActionSpec, WorkflowSpec, default_workflow_id, workflow_spec

User = get_user_model()

# --- dossier codes ------------------------------------------------------------------------------


def _counter_sql(
    *, agency_id: int, day, link: dict | None = None, returning: str = "last"
) -> tuple[str, list[Any]]:
    """The upsert that takes the next number of the agency's daily counter (``_counter_next``),
    returning ``returning`` (an expression of the new ``last``)."""
    table = DossierCounter._meta.db_table
    upsert = (
        f"ON CONFLICT (agency_id, day) DO UPDATE SET last = {table}.last + 1 RETURNING {returning}"
    )
    if link is None:
        sql = f"INSERT INTO {table} (agency_id, day, last) VALUES (%s, %s, 1) {upsert}"  # noqa: S608
        return sql, [agency_id, day]
    through = Procedure.agencies.through._meta.db_table
    procedures = Procedure._meta.db_table
    agencies = Agency._meta.db_table
    same = "IS" if connection.vendor == "sqlite" else "IS NOT DISTINCT FROM"
    sql = (
        f"INSERT INTO {table} (agency_id, day, last) SELECT l.agency_id, %s, 1 "  # noqa: S608
        f"FROM {through} l JOIN {procedures} p ON p.id = l.procedure_id "
        f"JOIN {agencies} a ON a.id = l.agency_id "
        f"WHERE l.procedure_id = %s AND l.agency_id = %s AND p.code = %s "
        f"AND p.current_id {same} %s AND p.workflow_id {same} %s "
        f"AND a.agency_id = %s AND a.is_active {upsert}"
    )
    params = [
        day,
        link["procedure__id"],
        agency_id,
        link["procedure__code"],
        link["procedure__current_id"],
        link["procedure__workflow_id"],
        link["agency__agency_id"],
    ]
    return sql, params


def _counter_next(*, agency_id: int, day, link: dict | None = None) -> int | None:
    """Atomically take the next number of the agency's daily counter.

    One upsert statement: concurrent submissions queue on the counter row, and because it runs
    inside the submitting transaction a rollback gives the number back, so numbers neither repeat
    nor skip.

    With ``link`` (a procedure–agency row from the process cache, ``_procedure_and_agency``) the
    same statement takes the number only if that row still holds: the link, the procedure's code,
    current version and workflow, the agency's id and that it is active. None, with nothing
    written, when something changed: the caller reads it all again.
    """
    sql, params = _counter_sql(agency_id=agency_id, day=day, link=link)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


_SEQ_SPEC = re.compile(r"(?P<zero>0?)(?P<width>\d*)d?")
_code_formats: dict[str, tuple[str, str, str] | None] = {}


def _format_text(parts) -> str:
    """A format string again from ``string.Formatter().parse`` parts."""
    out = []
    for literal, name, spec, conversion in parts:
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            out.append("{" + name)
            out.append(f"!{conversion}" if conversion else "")
            out.append(f":{spec}}}" if spec else "}")
    return "".join(out)


def _code_format_split(fmt: str) -> tuple[str, str, str] | None:
    """``DOSSIER_CODE_FORMAT`` as (the format before the number, its SQL, the format after):
    the SQL formats ``last`` as the format's ``{seq:…}`` does. None when the number's spec is
    not one SQL can follow (only ``d``, a width, a zero fill) or it is not there exactly once."""
    if fmt in _code_formats:
        return _code_formats[fmt]
    found = None
    parts = list(string.Formatter().parse(fmt))
    seqs = [i for i, part in enumerate(parts) if part[1] == "seq"]
    if len(seqs) == 1:
        at = seqs[0]
        literal, _name, spec, conversion = parts[at]
        match = _SEQ_SPEC.fullmatch(spec or "")
        if match and conversion is None:
            number = "last::text"
            if match["width"]:
                fill = "0" if match["zero"] else " "
                number = (
                    f"lpad({number}, greatest({int(match['width'])}, length({number})), '{fill}')"
                )
            before = _format_text([*parts[:at], (literal, None, None, None)])
            found = (before, number, _format_text(parts[at + 1 :]))
    _code_formats[fmt] = found
    return found


_CHANNELS = frozenset(Channel.values)  # Channel.values builds a new list on every use


@functools.lru_cache(maxsize=4096)  # an agency's prefix of the day: the same for every dossier
def _json_plain(text: str) -> bool:
    return json.dumps(text, ensure_ascii=False)[1:-1] == text


def dossier_code_make(
    *, agency: Agency, at: datetime, link: dict | None = None, day: date | None = None
) -> str | None:
    """The next code of the agency's day. With ``link`` (a cached procedure–agency row) the
    number is taken only if that row still holds; None otherwise.

    Inside a write batch that is its own transaction the number is taken by the batch's
    statement, with everything else the submission writes: the code returned is then the
    batch's token for it (``core.compiled.WriteBatch.value``), and the agency's counter row is
    locked only while that one statement runs. If the cached ``link`` no longer holds, the
    statement fails (``BatchValueMissing``) after dropping the link from the cache. ``day``:
    ``at``'s local day, when the caller has it."""
    day = day or timezone.localtime(at).date()
    fmt = settings.DOSSIER_CODE_FORMAT
    batch = current_batch()
    split = _code_format_split(fmt) if batch is not None and batch.outermost else None
    if split is not None:
        before, number, after = split
        prefix = before.format(agency=agency.agency_id, date=day)
        suffix = after.format(agency=agency.agency_id, date=day)
        if _json_plain(prefix) and _json_plain(suffix):
            sql, params = _counter_sql(
                agency_id=agency.pk, day=day, link=link, returning=f"%s || {number} || %s AS v"
            )
            key = (link["procedure__code"], link["agency__agency_id"]) if link else None
            token = batch.value(
                sql,
                [*params, prefix, suffix],
                table=DossierCounter._meta.db_table,
                on_missing=(lambda: _links.pop(key)) if key else None,
            )
            if token is not None:
                return token
    seq = _counter_next(agency_id=agency.pk, day=day, link=link)
    if seq is None:
        return None
    return fmt.format(agency=agency.agency_id, date=day, seq=seq)


# --- the clock ---------------------------------------------------------------------------------


def _limit(version: ProcedureVersion, share: Decimal = Decimal(100)) -> dict[str, Decimal]:
    amount = Decimal(version.processing_time) * share / Decimal(100)
    if version.time_unit == TimeUnit.HOURS:
        return {"hours": amount}
    return {"days": amount}


def due_for(version: ProcedureVersion, start: datetime, share: Decimal = Decimal(100)) -> datetime:
    return calendar.due_date(start, **_limit(version, share))


def deadline_state(dossier: Dossier, now: datetime | None = None) -> str | None:
    """on_time / due_soon / overdue, or paused while waiting for the applicant; None before acceptance."""
    if dossier.due_at is None:
        return None
    if dossier.paused_at is not None and dossier.finished_at is None:
        return "paused"
    return calendar.deadline_state(dossier.due_at, now=now, finished_at=dossier.finished_at)


def is_on_time(dossier: Dossier, now: datetime | None = None) -> bool | None:
    return on_time_of(deadline_state(dossier, now), dossier=dossier)


def on_time_of(state: str | None, *, dossier: Dossier) -> bool | None:
    """``is_on_time`` from a ``deadline_state`` already computed: not late by the one rule of
    ``timeliness`` (past the due date, or a second supplement request). None before acceptance."""
    if state is None:
        return None
    return not counts_as_late(
        after_due=state == "overdue", repeated_supplement=dossier.repeated_supplement
    )


# --- helpers -----------------------------------------------------------------------------------


def _user_agency_id(user) -> int | None:
    profile = profile_of(user)
    return profile.agency_id if profile else None


def _append_event(
    *,
    dossier: Dossier,
    action: str,
    from_state: str,
    to_state: str,
    actor,
    actor_role: str,
    at: datetime,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> DossierEvent:
    dossier.history_length += 1
    return DossierEvent.objects.create(
        dossier=dossier,
        seq=dossier.history_length,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor if actor is not None and actor.pk else None,
        actor_role=actor_role,
        agency_id=_user_agency_id(actor) if actor_role not in ("", Role.CITIZEN) else None,
        at=at,
        comment=comment,
        data=data or {},
    )


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


# --- submission ---------------------------------------------------------------------------------


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
# submission to read), with their procedure and field: read here, never handed out (``_version``
# gives each caller copies).
_versions: ProcessCache[ProcedureVersion] = ProcessCache("dossiers.versions", max_entries=4096)


def _version_kept(version_id: int) -> ProcedureVersion:
    """The process's own instance of the version (with its procedure and field): only to read."""
    return _versions.get_or_set(
        version_id,
        lambda: ProcedureVersion.objects.select_related("field", "procedure").get(pk=version_id),
    )


def _version(version_id: int) -> ProcedureVersion:
    """The version, with its procedure and field, as copies of its own for the caller."""
    kept = _version_kept(version_id)
    version = instance_copy(kept)
    version.procedure = instance_copy(kept.procedure)
    version.field = instance_copy(kept.field)
    return version


def _concrete(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _from_row(model, prefix: str, row: dict):
    names = _concrete(model)
    return model.from_db(router.db_for_read(model), names, [row[prefix + n] for n in names])


# The link between a procedure and an agency that receives it, with both rows in full: compiled
# once per connection (core/compiled.py), because it runs on every submission.
_link_row = CompiledQuery(
    lambda code, agency_id: Procedure.agencies.through.objects.filter(
        procedure__code=code, agency__agency_id=agency_id, agency__is_active=True
    ).values(
        *(f"procedure__{n}" for n in _concrete(Procedure)),
        *(f"agency__{n}" for n in _concrete(Agency)),
    )[:1]
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


# The link rows read by recent submissions, per process: (procedure code, agency id) ->
# (row, the procedure and the agency built from it, which each submission
# gets a copy of: ``instance_copy``). A submission that uses one takes its code number with a check that
# the row still holds (``_counter_next``), so a change to what decides whether and how
# the dossier is received (the link, the current version, the workflow, the agency's activity)
# is seen at once; the agency's name and contact details may be up to LINKS_TTL seconds old.
LINKS_TTL = 60.0
_links: ProcessCache[tuple[dict, Procedure, Agency]] = ProcessCache(
    "dossiers.links", max_entries=4096, ttl=LINKS_TTL
)


def _procedure_and_agency(
    *, procedure_code: str, agency_id: str, day: date | None = None, cached: bool = False
) -> tuple[Procedure, Agency, dict | None]:
    """The procedure and the receiving agency in one query on the hot path (their link), and,
    with ``cached``, from the process cache: the third value is then the cached row, which the
    caller must have checked when it takes the code (``dossier_code_make(link=…)``). The detailed
    lookups run only to explain a refusal, or for a back-dated dossier of an agency that is no
    longer active (``day``: the dossier's date when it is not today, see ``_received_then``)."""
    key = (procedure_code, agency_id)
    hit = _links.get(key) if cached else None
    if hit is not None:
        row, procedure, agency = hit
        return instance_copy(procedure), instance_copy(agency), row
    row = _link_row.first(procedure_code, agency_id, model=Procedure)
    if row is not None:
        procedure, agency = (
            _from_row(Procedure, "procedure__", row),
            _from_row(Agency, "agency__", row),
        )
        _links.set(key, (row, instance_copy(procedure), instance_copy(agency)))
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
        current = _version(procedure.current_id)
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
    # the code is taken (nothing is written then), again with everything read afresh. When the
    # code is taken by this submission's own write batch, that shows when the batch is sent.
    try:
        dossier = _submit(**args, cached=True)
    except BatchValueMissing:
        dossier = None
    return dossier or _submit(**args, cached=False)


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
    day = timezone.localtime(at).date()
    procedure, agency, link = _procedure_and_agency(
        procedure_code=procedure_code,
        agency_id=agency_id,
        day=day if back_dated else None,
        cached=cached,
    )
    version = _version_in_force(procedure, day)
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
    owner, applicant = _applicant_for(user, applicant, channel)
    form_data = form_validate(
        version_id=version.pk, stamp=version.created_at, schema=version.form_schema, data=form_data
    )

    # Everything above only reads, so a refusal leaves the caller's transaction usable. The writes
    # need no savepoint of their own: if one fails the enclosing transaction is lost anyway, and
    # on the hot path the SAVEPOINT/RELEASE round trips cost more than the inserts they protect.
    # write_batch: on PostgreSQL the dossier, its first event, the audit record and the
    # reporting counter (and, in ``idempotent``, the key's record) go as one statement; the
    # dossier's pk is set when it has been sent.
    with write_batch():
        workflow_id = procedure.workflow_id or default_workflow_id()
        spec = workflow_spec(workflow_id)
        initial = spec.initial
        role = Role.CITIZEN if channel == Channel.ONLINE else Role.COUNTER
        # What does not need the code is built before the code is taken. When the number is
        # taken at once (inside a caller's transaction, or on SQLite), the agency's counter row
        # stays locked from then until the commit and every other submission to the agency that
        # day waits for it; in a batch of its own it is locked only while the batch's one
        # statement runs (docs/benchmarks.md). The dossier is written once, with its code: an
        # UPDATE of the code afterwards rewrote the new row and every one of its indexes.
        dossier = instance_new(
            Dossier,
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
        submit_event = instance_new(
            DossierEvent,
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
        code = dossier_code_make(agency=agency, at=at, link=link, day=day)
        if code is None:
            return None  # the cached link changed: the block ends having written nothing
        dossier.code = code
        # insert_new: the statements of the hot path are compiled once per connection.
        insert_new(dossier)
        insert_new(submit_event)
        signals.event_recorded.send(sender=Dossier, event=submit_event, day=day)
        audit_record(
            new_object=True,
            event="dossier.submitted",
            object_type="dossier",
            object_id=dossier.code,
            actor=user,
            at=at,
            changes={
                "state": [None, initial.code],
                "channel": channel,
                "procedure": procedure.code,
                "version": version.version,
                "agency": agency.agency_id,
            },
        )
        return dossier


# --- idempotency -------------------------------------------------------------------------------


def _legacy_fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class Fingerprint(str):
    """A request's fingerprint, stored with its Idempotency-Key: the SHA-256 (hex) of its JSON
    with sorted keys, written by orjson (a tenth of ``json.dumps``'s time for an e-form). Earlier
    releases hashed ``json.dumps``'s spelling, whose spacing differs: ``matches`` accepts that
    one too, so a retry sent across an upgrade is still recognised as the same request."""

    payload: Any

    def matches(self, stored: str) -> bool:
        return stored == self or stored == _legacy_fingerprint(self.payload)


def request_fingerprint(payload: Any) -> Fingerprint:
    try:
        text = orjson.dumps(payload, default=str, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # what orjson refuses (keys that are not strings, huge integers)
        text = json.dumps(payload, sort_keys=True, default=str).encode()
    fingerprint = Fingerprint(hashlib.sha256(text).hexdigest())
    fingerprint.payload = payload
    return fingerprint


def _same_request(fingerprint: str, stored: str) -> bool:
    """Whether ``stored`` is the fingerprint of the request fingerprinted as ``fingerprint``
    (a plain string from a caller that computed its own)."""
    if isinstance(fingerprint, Fingerprint):
        return fingerprint.matches(stored)
    return stored == fingerprint


def _idempotency_lookup(*, user_id: int, key: str) -> tuple[str, int, dict[str, Any]] | None:
    """(request hash, status, body) stored for this key. Plain SQL: it runs before every keyed
    submission, and the ORM's query building would cost more than the query."""
    table = IdempotencyRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT request_hash, status, body FROM {table} WHERE user_id = %s AND key = %s",  # noqa: S608
            [user_id, key],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    body = row[2]
    if isinstance(body, str):  # SQLite returns JSON as text
        body = json.loads(body)
    return row[0], row[1], body


def idempotent(
    *,
    user,
    key: str | None,
    fingerprint: str,
    run: Callable[[], tuple[int, dict[str, Any]]],
    look_first: bool = True,
) -> tuple[int, dict[str, Any]]:
    """Run ``run`` once per (user, key); a repeat returns the first answer.

    The record is inserted in the same transaction as the work. A concurrent duplicate blocks on
    the unique index until the first commits, then fails and reads the stored answer.

    ``look_first``: look the key up before running, so a repeat does not redo the work. Without
    it (the JSON API, where a repeat is a rare client retry and every submission would pay for
    the look-up) a repeat runs, fails on the unique index, rolls everything back — its code
    number too — and answers from the stored record; a repeat that ``run`` refuses (the
    procedure has since closed, say) also gets the stored answer, as it would have.
    """
    if not key:
        return run()
    if len(key) > 200:
        raise ValidationFailed(
            "Idempotency-Key quá dài.", fields={"Idempotency-Key": ["Tối đa 200 ký tự."]}
        )
    existing = _idempotency_lookup(user_id=user.pk, key=key) if look_first else None
    attempts = 2
    while existing is None:
        attempts -= 1
        try:
            # Its own transaction when called outside one (the API): the work and the record
            # can then go as one statement (core/compiled.py); a savepoint inside another.
            with write_batch(savepoint=True):
                status, body = run()
                record = insert_new(
                    instance_new(
                        IdempotencyRecord,
                        user=user,
                        key=key,
                        request_hash=fingerprint,
                        status=status,
                        body=body,
                    )
                )
            # record.body: the answer with the values the batch's statement produced (a new
            # dossier's code, core/compiled.py), as stored
            return status, record.body
        except BatchValueMissing:
            # What ``run`` read from a cache no longer held when the batch was sent; nothing
            # was written and the cache was corrected: once more.
            if not attempts:
                raise
        except (IntegrityError, DomainError):
            existing = _idempotency_lookup(user_id=user.pk, key=key)
            if existing is None:
                raise
    request_hash, status, body = existing
    if not _same_request(fingerprint, request_hash):
        raise Conflict(
            "Idempotency-Key này đã dùng cho một yêu cầu khác.",
            code="idempotency_key_reused",
        )
    return status, body


# --- files -------------------------------------------------------------------------------------


@transaction.atomic
def dossier_file_add(
    *,
    user,
    code: str,
    document_code: str,
    name: str,
    content: bytes,
    at: datetime | None = None,
    derived_from: DossierFile | None = None,
    signed_as: str = "",
) -> DossierFile:
    """Attach a file. Checked by content, size and count before anything is written.

    A signed copy names the file it was made from (``derived_from``, of the same dossier) and
    how it was signed (``SignedAs``): the line of a result ends in its official copy."""
    at = at or timezone.now()
    dossier = dossier_get_for_user(user=user, code=code, for_update=True)
    spec = workflow_spec(dossier.workflow_id)
    if spec.states[dossier.state].is_final:
        raise Conflict("Hồ sơ đã kết thúc, không thể thêm tệp.", code="dossier_closed")
    is_owner = dossier.applicant_id is not None and dossier.applicant_id == user.pk
    officer_of_agency = _user_agency_id(user) == dossier.agency_id
    if not (is_owner or officer_of_agency):
        raise PermissionDenied("Bạn không được thêm tệp vào hồ sơ này.", code="file_not_allowed")
    if (
        is_owner
        and not officer_of_agency
        and dossier.state not in ("submitted", "supplement_requested")
    ):
        raise Conflict(
            "Chỉ nộp thêm tệp khi hồ sơ mới nộp hoặc đang chờ bổ sung.",
            code="file_not_allowed_in_state",
        )
    slots = set(dossier.procedure_version.documents.values_list("code", flat=True))
    is_result = document_code == "result"
    if is_result and not officer_of_agency:
        raise PermissionDenied("Chỉ cán bộ được đính kèm kết quả.", code="file_not_allowed")
    if is_result and not signed_as and not results.draft_upload_allowed(dossier=dossier):
        raise Conflict(
            "Dự thảo kết quả đã trình lãnh đạo hoặc đã ký: chỉ thay khi hồ sơ được trả lại "
            "chuyên viên.",
            code="result_locked",
        )
    if document_code and not is_result and document_code not in slots:
        raise ValidationFailed(
            "Thành phần hồ sơ không thuộc thủ tục.",
            fields={
                "document": [
                    f"Không có thành phần '{document_code}'. Hợp lệ: {', '.join(sorted(slots))}."
                ]
            },
        )
    if dossier.files.count() >= settings.UPLOAD_MAX_FILES_PER_DOSSIER:
        raise ValidationFailed(
            "Hồ sơ đã đủ số tệp tối đa.",
            code="too_many_files",
            fields={"file": [f"Tối đa {settings.UPLOAD_MAX_FILES_PER_DOSSIER} tệp mỗi hồ sơ."]},
        )
    if derived_from is not None and derived_from.dossier_id != dossier.pk:
        raise ValidationFailed(
            "Tệp gốc không thuộc hồ sơ.", fields={"derived_from": ["Tệp của hồ sơ khác."]}
        )
    if signed_as and signed_as not in SignedAs.values:
        raise ValidationFailed("Kiểu ký không hợp lệ.", fields={"signed_as": [signed_as]})
    content_type = check_upload(name=name, content=content)
    digest = hashlib.sha256(content).hexdigest()
    record = DossierFile(
        dossier=dossier,
        document_code=document_code,
        name=display_name(name),
        content_type=content_type,
        size=len(content),
        sha256=digest,
        is_result=is_result,
        derived_from=derived_from,
        signed_as=signed_as,
        uploaded_by=user,
        uploaded_at=at,
    )
    record.file.save(name, ContentFile(content), save=False)
    stored_name = record.file.name
    # If the database write fails after the file reached the storage, remove it again.
    try:
        record.save()
        audit_record(
            event="dossier.file_added",
            object_type="dossier",
            object_id=dossier.code,
            actor=user,
            at=at,
            changes={
                "document": document_code,
                **({"derived_from": derived_from.pk} if derived_from is not None else {}),
                **({"signed_as": signed_as} if signed_as else {}),
                "sha256": digest,
                "size": len(content),
                "type": content_type,
            },
        )
    except Exception:
        record.file.storage.delete(stored_name)
        raise
    return record


# --- transitions -------------------------------------------------------------------------------


@dataclass
class ActionContext:
    dossier: Dossier
    spec: WorkflowSpec
    action: ActionSpec
    user: Any
    role: str
    at: datetime
    comment: str
    params: dict[str, Any]
    event_data: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, list[Any]] = field(default_factory=dict)

    def set(self, name: str, value: Any) -> None:
        old = getattr(self.dossier, name)
        if old != value:
            self.changes[name] = [_jsonable(old), _jsonable(value)]
            setattr(self.dossier, name, value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def _require_comment(ctx: ActionContext, what: str) -> None:
    if not ctx.comment.strip():
        raise ValidationFailed(
            f"Cần ghi rõ {what}.",
            code="comment_required",
            fields={"comment": [f"Bắt buộc: {what}."]},
        )


def _resume_clock(ctx: ActionContext, *, restart: bool) -> None:
    d = ctx.dossier
    if d.paused_at is None:
        return
    paused_for = ctx.at - d.paused_at
    ctx.set(
        "paused_total_seconds", d.paused_total_seconds + max(0, int(paused_for.total_seconds()))
    )
    if restart:
        # Decree 61/2018: once the complete dossier is back the time limit starts again in full.
        new_due = due_for(d.procedure_version, ctx.at)
        ctx.event_data["clock"] = "restarted"
    else:
        # A wait for the applicant (payment) does not count: move the due date by the working
        # days it lasted.
        waited = calendar.working_days_between(
            timezone.localtime(d.paused_at).date(), timezone.localtime(ctx.at).date()
        )
        new_due = (
            calendar.due_date(d.due_at, days=waited, apply_cutoff=False) if waited else d.due_at
        )
        ctx.event_data["clock"] = f"resumed (+{waited} working days)"
    ctx.set("due_at", new_due)
    ctx.set("paused_at", None)


def _on_accept(ctx: ActionContext) -> None:
    d = ctx.dossier
    received = ctx.params.get("documents_received")
    if received is not None:
        # At the counter: the papers the officer checked as handed in (the receipt lists them).
        slots = set(d.procedure_version.documents.values_list("code", flat=True))
        unknown = sorted(set(received) - slots)
        if unknown:
            raise ValidationFailed(
                "Giấy tờ không thuộc thủ tục.",
                fields={"documents_received": [", ".join(unknown)]},
            )
        ctx.event_data["documents_received"] = sorted(set(received))
    ctx.set("received_at", ctx.at)
    due = due_for(d.procedure_version, ctx.at)
    ctx.set("due_at", due)
    ctx.set("original_due_at", due)


def _on_refuse(ctx: ActionContext) -> None:
    _require_comment(ctx, "lý do không tiếp nhận")


def _on_request_supplement(ctx: ActionContext) -> None:
    _require_comment(ctx, "các giấy tờ cần bổ sung và lý do (yêu cầu một lần, đầy đủ)")
    d = ctx.dossier
    if d.received_at is not None:
        ctx.set("supplement_count", d.supplement_count + 1)
        if d.supplement_count >= 2:
            # Asked once and in full: a second request counts against the agency (Decision 766).
            ctx.set("repeated_supplement", True)
            ctx.event_data["repeated_supplement"] = True
        days_since = calendar.working_days_between(
            timezone.localtime(d.received_at).date(), timezone.localtime(ctx.at).date()
        )
        if days_since > 3:
            ctx.event_data["late_request"] = (
                f"{days_since} ngày làm việc sau tiếp nhận (quy định: 3)"
            )
        ctx.set("paused_at", ctx.at)
    ctx.set("resume_state", d.state)


def _on_submit_supplement(ctx: ActionContext) -> None:
    _resume_clock(ctx, restart=True)


def _on_assign(ctx: ActionContext) -> None:
    username = str(ctx.params.get("assignee") or "").strip()
    if not username:
        raise ValidationFailed("Cần chọn chuyên viên xử lý.", fields={"assignee": ["Bắt buộc."]})
    assignee = (
        User.objects.select_related("profile")
        .filter(username=username, is_active=True, profile__agency_id=ctx.dossier.agency_id)
        .first()
    )
    if assignee is None or Role.HANDLER not in assignee.profile.roles:
        raise ValidationFailed(
            "Người được phân công phải là chuyên viên của cơ quan.",
            fields={"assignee": [f"{username} không phải chuyên viên xử lý của cơ quan."]},
        )
    ctx.set("assignee", assignee)
    ctx.event_data["assignee"] = username


def _parse_days(value: Any, name: str, *, maximum: int = 365) -> Decimal:
    try:
        days = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            "Số ngày không hợp lệ.", fields={name: ["Phải là số ngày làm việc."]}
        ) from None
    if not days.is_finite():  # NaN cannot even be compared (InvalidOperation): not a number
        raise ValidationFailed(
            "Số ngày không hợp lệ.", fields={name: ["Phải là số ngày làm việc."]}
        )
    if days <= 0 or days > maximum:
        raise ValidationFailed(
            "Số ngày không hợp lệ.", fields={name: [f"Từ 0,5 đến {maximum} ngày làm việc."]}
        )
    return days


def _on_forward(ctx: ActionContext) -> None:
    agency_id = str(ctx.params.get("agency") or "").strip()
    target = Agency.objects.filter(agency_id=agency_id, is_active=True).first()
    if target is None:
        raise ValidationFailed(
            "Không có cơ quan nhận.",
            fields={"agency": [f"Không có cơ quan {agency_id or '(trống)'}."]},
        )
    if target.pk == ctx.dossier.agency_id:
        raise ValidationFailed(
            "Không chuyển cho chính cơ quan mình.", fields={"agency": ["Chọn cơ quan khác."]}
        )
    kind = ctx.params.get("kind") or StepKind.FORWARD
    if kind not in StepKind.values:
        raise ValidationFailed(
            "Loại bước không hợp lệ.", fields={"kind": ["forward hoặc consult."]}
        )
    days = _parse_days(ctx.params.get("days", 3), "days")
    due = calendar.due_date(ctx.at, days=days)
    dossier_due = ctx.dossier.due_at
    if dossier_due is not None and ctx.at <= dossier_due < due:
        # The step's answer is part of the dossier's time limit: asked for later than the
        # dossier's own due date, it would make the dossier late by design. A dossier already
        # late may still be forwarded: refusing would only stop the work.
        shown = timezone.localtime(dossier_due)
        message = (
            f"Hạn của bước ({timezone.localtime(due):%H:%M %d/%m/%Y}) sau hạn giải quyết hồ sơ "
            f"({shown:%H:%M %d/%m/%Y}); hãy cho ít ngày hơn."
        )
        raise ValidationFailed(
            "Hạn của bước chuyển sau hạn giải quyết hồ sơ.",
            code="step_due_after_dossier_due",
            fields={"days": [message]},
        )
    step = DossierStep.objects.create(
        dossier=ctx.dossier,
        kind=kind,
        agency=target,
        requested_by=ctx.user,
        requested_at=ctx.at,
        due_at=due,
        note=ctx.comment,
    )
    ctx.event_data.update(
        {"step": step.pk, "agency": target.agency_id, "kind": kind, "step_due_at": _iso(due)}
    )


def _on_complete_step(ctx: ActionContext) -> None:
    _require_comment(ctx, "nội dung trả lời")
    agency_id = _user_agency_id(ctx.user)
    step = (
        DossierStep.objects.select_for_update()
        .filter(dossier=ctx.dossier, agency_id=agency_id, completed_at__isnull=True)
        .order_by("requested_at")
        .first()
    )
    if step is None:
        raise Conflict("Không có bước liên thông nào đang chờ cơ quan bạn.", code="no_open_step")
    step.completed_at, step.completed_by, step.answer = ctx.at, ctx.user, ctx.comment
    step.save(update_fields=["completed_at", "completed_by", "answer"])
    ctx.event_data.update({"step": step.pk, "on_time": ctx.at <= step.due_at})


def _require_steps_closed(ctx: ActionContext) -> None:
    open_steps = DossierStep.objects.filter(
        dossier=ctx.dossier, completed_at__isnull=True, kind=StepKind.FORWARD
    )
    if open_steps.exists():
        raise Conflict("Còn bước liên thông chưa có kết quả.", code="open_steps")


def _signed_result(ctx: ActionContext, param: str, signed_as: str) -> DossierFile | None:
    """The result file named by ``param``: it must be the dossier's current result, signed as
    ``signed_as`` (only the signature services make such files)."""
    file_id = ctx.params.get(param)
    if file_id in (None, ""):
        return None
    record = results.result_current(dossier=ctx.dossier)
    if record is None or str(record.pk) != str(file_id) or record.signed_as != signed_as:
        raise ValidationFailed(
            "Tệp kết quả đã ký không hợp lệ.",
            code="signed_result_invalid",
            fields={param: ["Không phải bản kết quả mới nhất đã ký số của hồ sơ."]},
        )
    return record


def _on_submit_for_approval(ctx: ActionContext) -> None:
    _require_steps_closed(ctx)
    if ctx.dossier.procedure.signature_required:
        draft = results.result_current(dossier=ctx.dossier)
        if draft is None or draft.content_type != "application/pdf":
            raise Conflict(
                "Cần tải lên dự thảo kết quả (tệp PDF) trước khi trình lãnh đạo ký số.",
                code="result_draft_missing",
            )


def _on_return_for_revision(ctx: ActionContext) -> None:
    _require_comment(ctx, "nội dung cần chỉnh sửa")


def _on_approve(ctx: ActionContext) -> None:
    _require_steps_closed(ctx)
    signed = _signed_result(ctx, "signed_file", SignedAs.PERSONAL)
    if signed is None and ctx.dossier.procedure.signature_required:
        raise Conflict(
            "Kết quả của thủ tục này là văn bản điện tử: lãnh đạo ký số khi phê duyệt "
            "(“Ký số và phê duyệt”).",
            code="signature_required",
        )
    if signed is not None:
        ctx.event_data["signed_file"] = signed.pk


def _on_request_payment(ctx: ActionContext) -> None:
    raw = ctx.params.get("amount", ctx.dossier.procedure_version.total_fee)
    try:
        amount = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            "Số tiền không hợp lệ.", fields={"amount": ["Phải là số tiền (VND)."]}
        ) from None
    if amount <= 0 or amount != amount.to_integral_value():
        raise ValidationFailed(
            "Số tiền không hợp lệ.", fields={"amount": ["Số nguyên dương (VND)."]}
        )
    ctx.set("payment_amount", amount)
    ctx.set("paused_at", ctx.at)
    ctx.set("resume_state", ctx.dossier.state)


def _on_confirm_payment(ctx: ActionContext) -> None:
    ctx.set("paid_at", ctx.at)
    _resume_clock(ctx, restart=False)


def _on_seal(ctx: ActionContext) -> None:
    sealed = _signed_result(ctx, "sealed_file", SignedAs.AGENCY)
    if sealed is None:
        raise Conflict(
            "Đóng dấu là ký số của cơ quan lên kết quả đã được lãnh đạo ký "
            "(“Đóng dấu, ban hành kết quả”).",
            code="seal_signature_required",
        )
    ctx.event_data["sealed_file"] = sealed.pk
    _issue_result(ctx)


def _on_finish(ctx: ActionContext) -> None:
    if ctx.dossier.procedure.signature_required:
        raise Conflict(
            "Kết quả điện tử phải được ký số và đóng dấu trước khi ban hành "
            "(“Đóng dấu, ban hành kết quả”).",
            code="seal_required",
        )
    _issue_result(ctx)


def _issue_result(ctx: ActionContext) -> None:
    d = ctx.dossier
    ctx.set("finished_at", ctx.at)
    ctx.set("result_code", str(ctx.params.get("result_code") or f"KQ-{d.code}")[:80])
    if ctx.comment:
        ctx.set("result_summary", ctx.comment)
    ctx.event_data["on_time"] = d.due_at is None or ctx.at <= d.due_at


def _on_return_result(ctx: ActionContext) -> None:
    ctx.set("returned_at", ctx.at)


def _on_extend(ctx: ActionContext) -> None:
    d = ctx.dossier
    _require_comment(ctx, "lý do chậm và lời xin lỗi (mẫu 04)")
    if d.extension_count >= 1:
        raise Conflict("Hồ sơ chỉ được gia hạn một lần.", code="extension_already_used")
    if d.due_at is None:
        raise Conflict("Hồ sơ chưa có hạn giải quyết.", code="no_due_date")
    due_day = timezone.localtime(d.due_at).date()
    latest = calendar.previous_working_day(due_day)
    today = timezone.localtime(ctx.at).date()
    if today > latest:
        raise Conflict(
            f"Phải gia hạn chậm nhất 01 ngày làm việc trước hạn ({latest:%d/%m/%Y}).",
            code="extension_too_late",
        )
    maximum = settings.DOSSIER_EXTENSION_MAX_DAYS
    if "new_due_at" in ctx.params and ctx.params["new_due_at"]:
        latest_due = calendar.due_date(d.due_at, days=maximum, apply_cutoff=False)
        beyond = (
            f"Chậm nhất {timezone.localtime(latest_due):%d/%m/%Y}: "
            f"{maximum} ngày làm việc sau hạn hiện tại."
        )
        try:
            new_due = _new_due_at(str(ctx.params["new_due_at"]).strip())
        except calendar.CalendarOutOfRange:  # a year the calendar does not hold (9999)
            raise ValidationFailed(
                "Ngày hẹn mới quá xa.", fields={"new_due_at": [beyond]}
            ) from None
        if new_due > latest_due:
            raise ValidationFailed("Ngày hẹn mới quá xa.", fields={"new_due_at": [beyond]})
    else:
        days = _parse_days(ctx.params.get("days"), "days", maximum=maximum)
        new_due = calendar.due_date(d.due_at, days=days, apply_cutoff=False)
    if new_due <= d.due_at:
        raise ValidationFailed(
            "Ngày hẹn mới phải sau hạn hiện tại.", fields={"new_due_at": ["Phải sau hạn cũ."]}
        )
    ctx.set("extension_count", d.extension_count + 1)
    ctx.set("due_at", new_due)
    ctx.event_data["new_due_at"] = _iso(new_due)


def _new_due_at(raw: str) -> datetime:
    """An extension's new due time as typed: a date (the date picker's 2026-03-13, or 13/03/2026)
    is the close of that working day; a date and time is kept, except outside office hours,
    where it becomes the close of the working day it ends (``calendar.deadline_end``)."""
    day: date | None = None
    try:
        if len(raw) == 10 and "/" in raw:
            day = datetime.strptime(raw, "%d/%m/%Y").date()  # noqa: DTZ007 - only the date
        elif len(raw) == 10:
            day = date.fromisoformat(raw)
        else:
            at = datetime.fromisoformat(raw)
    except ValueError:
        message = "Nhập ngày dạng ngày/tháng/năm, hoặc ngày giờ theo ISO 8601."
        raise ValidationFailed(
            "Ngày hẹn mới không hợp lệ.", fields={"new_due_at": [message]}
        ) from None
    if day is not None:
        if not calendar.is_working_day(day):
            message = f"Ngày {day:%d/%m/%Y} là ngày nghỉ; hãy chọn một ngày làm việc."
            raise ValidationFailed(message, fields={"new_due_at": [message]})
        at = datetime.combine(day, calendar.working_hours(day).afternoon_end, tzinfo=calendar.VN_TZ)
    elif timezone.is_naive(at):
        at = timezone.make_aware(at)
    return calendar.deadline_end(at)


def _on_withdraw(ctx: ActionContext) -> None:
    if ctx.role != Role.CITIZEN:
        _require_comment(ctx, "căn cứ đề nghị rút hồ sơ của người nộp")


def _on_stop(ctx: ActionContext) -> None:
    _require_comment(ctx, "lý do dừng xử lý (mẫu 05)")


# The rules of the standard actions. A workflow may define other actions: they only move state.
ACTION_RULES: dict[str, Callable[[ActionContext], None]] = {
    "accept": _on_accept,
    "refuse": _on_refuse,
    "request_supplement": _on_request_supplement,
    "submit_supplement": _on_submit_supplement,
    "assign": _on_assign,
    "forward": _on_forward,
    "complete_step": _on_complete_step,
    "submit_for_approval": _on_submit_for_approval,
    "return_for_revision": _on_return_for_revision,
    "approve": _on_approve,
    "seal": _on_seal,
    "request_payment": _on_request_payment,
    "confirm_payment": _on_confirm_payment,
    "finish": _on_finish,
    "return_result": _on_return_result,
    "extend": _on_extend,
    "withdraw": _on_withdraw,
    "stop": _on_stop,
}


def actor_role_for(*, dossier: Dossier, user, action: ActionSpec) -> str | None:
    """The role under which ``user`` may take ``action`` on ``dossier`` now, or None."""
    profile = profile_of(user)
    if (
        action.owner_may_act
        and dossier.applicant_id is not None
        and dossier.applicant_id == user.pk
    ):
        return Role.CITIZEN
    if profile is None or profile.agency_id is None:
        return None
    if action.code == "complete_step":
        in_step_agency = DossierStep.objects.filter(
            dossier=dossier, agency_id=profile.agency_id, completed_at__isnull=True
        ).exists()
        if not in_step_agency:
            return None
    elif profile.agency_id != dossier.agency_id:
        return None
    allowed = action.roles
    if action.code == "seal":
        # Who keeps the seal is the agency's choice (Agency.seal_roles), within the action's.
        allowed = allowed & frozenset(dossier.agency.seal_roles)
    for role in profile.roles:
        if role in allowed:
            return role
    return None


def actions_available(*, dossier: Dossier, user) -> list[ActionSpec]:
    """The actions ``user`` may take on ``dossier`` now. A procedure whose result is signed is
    issued by the seal, any other by "finish" (each refuses the other case)."""
    spec = workflow_spec(dossier.workflow_id)
    skip = "finish" if dossier.procedure.signature_required else "seal"
    return [
        a
        for a in spec.actions_from(dossier.state)
        if a.code != skip and actor_role_for(dossier=dossier, user=user, action=a)
    ]


@transaction.atomic
def dossier_act(
    *,
    user,
    code: str,
    action: str,
    comment: str = "",
    params: dict[str, Any] | None = None,
    file_ids: list[int] | None = None,
    at: datetime | None = None,
) -> Dossier:
    at = at or timezone.now()
    params = params or {}
    dossier = dossier_get_for_user(user=user, code=code, for_update=True)
    spec = workflow_spec(dossier.workflow_id)
    act = spec.actions.get(action)
    if act is None:
        raise ValidationFailed(
            "Thao tác không có trong quy trình.",
            code="unknown_action",
            fields={"action": [f"Không có thao tác '{action}'. Có: {', '.join(spec.actions)}."]},
        )
    if dossier.state not in act.from_states:
        allowed = [a.code for a in spec.actions_from(dossier.state)]
        raise Conflict(
            f"Không thể '{act.name}' khi hồ sơ ở trạng thái '{spec.states[dossier.state].name}'.",
            code="action_not_allowed_in_state",
            extra={"state": dossier.state, "allowed_actions": allowed},
        )
    role = actor_role_for(dossier=dossier, user=user, action=act)
    if role is None:
        raise PermissionDenied(
            f"Bạn không có quyền thực hiện '{act.name}' trên hồ sơ này.",
            code="action_not_allowed_for_role",
            extra={"required_roles": sorted(act.roles)},
        )
    ctx = ActionContext(
        dossier=dossier,
        spec=spec,
        action=act,
        user=user,
        role=role,
        at=at,
        comment=(comment or "").strip(),
        params=params,
    )
    from_state = dossier.state
    rule = ACTION_RULES.get(act.code)
    if rule is not None:
        rule(ctx)
    if act.target == "resume":
        to_state = dossier.resume_state or spec.initial.code
        ctx.set("resume_state", "")
    elif act.target == "stay":
        to_state = from_state
    else:
        to_state = act.to_state
    new_state = spec.states[to_state]
    if to_state != from_state:
        ctx.set("state", to_state)
        ctx.set("status_code", new_state.national_status)
        if new_state.time_share and dossier.received_at and dossier.paused_at is None:
            ctx.set("state_due_at", due_for(dossier.procedure_version, at, new_state.time_share))
        if new_state.is_final:
            ctx.set("closed_at", at)
    files = []
    if file_ids:
        files = list(
            DossierFile.objects.filter(dossier=dossier, pk__in=file_ids, event__isnull=True)
        )
        if len(files) != len(set(file_ids)):
            raise ValidationFailed(
                "Tệp đính kèm không hợp lệ.",
                fields={"file_ids": ["Tệp không thuộc hồ sơ hoặc đã dùng."]},
            )
    event = _append_event(
        dossier=dossier,
        action=act.code,
        from_state=from_state,
        to_state=to_state,
        actor=user,
        actor_role=role,
        at=at,
        comment=ctx.comment,
        data=ctx.event_data,
    )
    signals.event_recorded.send(sender=Dossier, event=event)
    if files:
        DossierFile.objects.filter(pk__in=[f.pk for f in files]).update(event=event)
    dossier.save()
    audit_record(
        event=f"dossier.{act.code}",
        object_type="dossier",
        object_id=dossier.code,
        actor=user,
        at=at,
        changes={
            **ctx.changes,
            "role": role,
            "comment": ctx.comment,
            **({"data": ctx.event_data} if ctx.event_data else {}),
        },
    )
    return dossier


def workflow_install_standard() -> None:
    """(Re)install the standard one-stop workflow. Idempotent; the data migration does the same."""
    from ..models import Workflow, WorkflowAction, WorkflowState
    from ..workflow import workflow_cache_clear
    from ..workflow_standard import install

    with transaction.atomic():
        install(Workflow, WorkflowState, WorkflowAction)
    workflow_cache_clear()


def dossier_can_be_evaluated(*, dossier: Dossier, user) -> bool:
    from ..evaluation import EVALUABLE_STATES

    return (
        dossier.applicant_id is not None
        and dossier.applicant_id == user.pk
        and dossier.state in EVALUABLE_STATES
        and not DossierEvaluation.objects.filter(dossier=dossier).exists()
    )


def _evaluation_scores(scores: dict[str, Any]) -> dict[str, int]:
    from ..evaluation import INDICATORS

    clean: dict[str, int] = {}
    fields: dict[str, list[str]] = {}
    for indicator in INDICATORS:
        raw = scores.get(indicator["no"])
        allowed = {points for points, _label in indicator["choices"]}
        try:
            points = int(raw)
        except (TypeError, ValueError):
            points = None
        if points not in allowed:
            fields[f"scores.{indicator['no']}"] = ["Chọn một mức đánh giá."]
        else:
            clean[indicator["no"]] = points
    if fields:
        raise ValidationFailed("Vui lòng chọn đủ các tiêu chí đánh giá.", fields=fields)
    return clean


def _evaluation_store(
    *, dossier: Dossier, scores: dict[str, Any], comment: str, user, at: datetime, channel: str
) -> DossierEvaluation:
    from ..evaluation import EVALUABLE_STATES

    if dossier.state not in EVALUABLE_STATES:
        raise Conflict("Hồ sơ chưa kết thúc, chưa thể đánh giá.", code="evaluation_too_early")
    if DossierEvaluation.objects.filter(dossier=dossier).exists():
        raise Conflict("Hồ sơ này đã được đánh giá.", code="evaluation_already_given")
    clean = _evaluation_scores(scores)
    try:
        with transaction.atomic():
            evaluation = DossierEvaluation.objects.create(
                dossier=dossier,
                scores=clean,
                total=sum(clean.values()),
                comment=(comment or "").strip()[:2000],
                submitted_by=user,
                submitted_at=at,
                channel=channel,
            )
    except IntegrityError:  # a concurrent evaluation of the same dossier won
        raise Conflict("Hồ sơ này đã được đánh giá.", code="evaluation_already_given") from None
    signals.evaluated.send(sender=Dossier, evaluation=evaluation)
    audit_record(
        event="dossier.evaluated",
        object_type="dossier",
        object_id=dossier.code,
        actor=user,
        at=at,
        changes={"scores": clean, "total": evaluation.total, "channel": channel},
    )
    return evaluation


@transaction.atomic
def dossier_evaluate(
    *, user, code: str, scores: dict[str, Any], comment: str = "", at: datetime | None = None
) -> DossierEvaluation:
    """The applicant scores a finished dossier once (Circular 01/2018 Art. 13)."""
    dossier = dossier_get_for_user(user=user, code=code, for_update=True)
    if dossier.applicant_id is None or dossier.applicant_id != user.pk:
        raise PermissionDenied("Chỉ người nộp hồ sơ được đánh giá.", code="evaluation_owner_only")
    return _evaluation_store(
        dossier=dossier,
        scores=scores,
        comment=comment,
        user=user,
        at=at or timezone.now(),
        channel=DossierEvaluation.Channel.ONLINE,
    )


def dossier_for_kiosk(*, agency_pk: int, code: str) -> Dossier:
    """A dossier of the kiosk's agency that may be evaluated there now: ended, not yet
    evaluated. Anything else is "not found" or a conflict, with nothing personal in the text."""
    from ..evaluation import EVALUABLE_STATES

    dossier = (
        Dossier.objects.select_related("procedure_version")
        .filter(code=(code or "").strip(), agency_id=agency_pk)
        .first()
    )
    if dossier is None:
        raise NotFound(f"Không tìm thấy hồ sơ {code} tại cơ quan này.", code="dossier_not_found")
    if dossier.state not in EVALUABLE_STATES:
        raise Conflict("Hồ sơ chưa kết thúc, chưa thể đánh giá.", code="evaluation_too_early")
    if DossierEvaluation.objects.filter(dossier=dossier).exists():
        raise Conflict("Hồ sơ này đã được đánh giá.", code="evaluation_already_given")
    return dossier


@transaction.atomic
def dossier_evaluate_at_kiosk(
    *, agency_pk: int, code: str, scores: dict[str, Any], at: datetime | None = None
) -> DossierEvaluation:
    """The applicant scores a finished dossier on the counter's kiosk, which an officer of the
    agency switched on: no login, only that agency's dossiers, once per dossier."""
    dossier = dossier_for_kiosk(agency_pk=agency_pk, code=code)
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    return _evaluation_store(
        dossier=dossier,
        scores=scores,
        comment="",
        user=None,
        at=at or timezone.now(),
        channel=DossierEvaluation.Channel.KIOSK,
    )


def dossier_files_sweep(*, grace_seconds: int = 3600) -> list[str]:
    """Remove files under ``dossiers/`` in the storage that no DossierFile refers to.

    ``dossier_file_add`` writes the file before its transaction commits (the storage is not
    transactional); when that transaction rolls back — a refused upload in a multi-file
    submission, a crash — the file stays behind. The grace period keeps files of transactions
    still in progress.
    """
    import time as _time

    storage = DossierFile.file.field.storage
    known = set(DossierFile.objects.values_list("file", flat=True))
    removed: list[str] = []
    cutoff = _time.time() - grace_seconds

    def walk(prefix: str) -> None:
        try:
            dirs, files = storage.listdir(prefix)
        except FileNotFoundError:
            return
        for name in files:
            path = f"{prefix}/{name}"
            if path in known:
                continue
            if storage.get_modified_time(path).timestamp() <= cutoff:
                storage.delete(path)
                removed.append(path)
        for d in dirs:
            walk(f"{prefix}/{d}")

    walk("dossiers")
    return removed
