"""Workflow transitions: who may take which action now, and ``dossier_act``, which takes one in
a transaction that locks the dossier row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of
from chinhquyen.audit.services import audit_record
from chinhquyen.core.errors import Conflict, PermissionDenied, ValidationFailed

from .. import signals
from ..models import Dossier, DossierFile, DossierStep
from ..selectors import dossier_get_for_user
from ..workflow import ActionSpec, WorkflowSpec, workflow_spec
from .clock import due_for
from .events import _append_event
from .rules import ACTION_RULES, ActionContext


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
    act, role = _action_allowed(dossier=dossier, spec=spec, action=action, user=user)
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
    to_state = _action_apply(ctx)
    files = _files_unused(dossier=dossier, file_ids=file_ids)
    _action_record(ctx, from_state=from_state, to_state=to_state, files=files)
    return dossier


def _action_allowed(
    *, dossier: Dossier, spec: WorkflowSpec, action: str, user
) -> tuple[ActionSpec, str]:
    """The workflow's action ``action`` and the role ``user`` takes it under, or the refusal."""
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
    return act, role


def _action_apply(ctx: ActionContext) -> str:
    """Run the action's rule and move the dossier to its new state; returns that state."""
    dossier, spec, act, at = ctx.dossier, ctx.spec, ctx.action, ctx.at
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
    return to_state


def _files_unused(*, dossier: Dossier, file_ids: list[int] | None) -> list[DossierFile]:
    """The files ``file_ids`` names, of this dossier and not yet attached to an event."""
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
    return files


def _action_record(
    ctx: ActionContext, *, from_state: str, to_state: str, files: list[DossierFile]
) -> None:
    """Append the history event (with its files), save the dossier and write the audit record."""
    dossier, act, user, role, at = ctx.dossier, ctx.action, ctx.user, ctx.role, ctx.at
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


def workflow_install_standard() -> None:
    """(Re)install the standard one-stop workflow. Idempotent; the data migration does the same."""
    from ..models import Workflow, WorkflowAction, WorkflowState
    from ..workflow import workflow_cache_clear
    from ..workflow_standard import install

    with transaction.atomic():
        install(Workflow, WorkflowState, WorkflowAction)
    workflow_cache_clear()
