"""Receiving a new dossier: the applicant, the procedure version in force, the procedure–agency
link, and the writes of the first event.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django.db import router
from django.utils import timezone

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.audit.services import audit_record
from chinhquyen.catalogue.models import Procedure, ProcedureVersion
from chinhquyen.core.compiled import (
    BatchValueMissing,
    CompiledQuery,
    insert_new,
    instance_copy,
    instance_new,
    write_batch,
)
from chinhquyen.core.errors import PermissionDenied, ValidationFailed
from chinhquyen.core.phone import InvalidPhone, phone_normalise, phone_normalise_or_keep
from chinhquyen.core.proccache import ProcessCache
from chinhquyen.units.models import Agency

from .. import signals
from ..forms import form_validate
from ..models import Channel, Dossier, DossierEvent
from ..workflow import default_workflow_id, workflow_spec
from .codes import _links, dossier_code_make

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
