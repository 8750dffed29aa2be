"""An in-process snapshot of a workflow (states and actions), so a transition costs no queries
for configuration. Snapshots live a few seconds; admin edits show up after that."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal

from .models import Workflow, WorkflowAction

TTL_SECONDS = 10.0


@dataclass(frozen=True)
class StateSpec:
    code: str
    name: str
    national_status: int
    time_share: Decimal
    is_initial: bool
    is_final: bool
    pauses_clock: bool


@dataclass(frozen=True)
class ActionSpec:
    code: str
    name: str
    from_states: frozenset[str]
    target: str
    to_state: str | None
    roles: frozenset[str]
    owner_may_act: bool


@dataclass(frozen=True)
class WorkflowSpec:
    id: int
    code: str
    states: dict[str, StateSpec]
    actions: dict[str, ActionSpec] = field(default_factory=dict)

    @property
    def initial(self) -> StateSpec:
        return next(s for s in self.states.values() if s.is_initial)

    def actions_from(self, state: str) -> list[ActionSpec]:
        return [a for a in self.actions.values() if state in a.from_states]


_cache: dict[int, tuple[float, WorkflowSpec]] = {}
_lock = threading.Lock()


def workflow_spec(workflow_id: int) -> WorkflowSpec:
    now = time.monotonic()
    hit = _cache.get(workflow_id)
    if hit and now - hit[0] < TTL_SECONDS:
        return hit[1]
    wf = Workflow.objects.get(pk=workflow_id)
    states = {
        s.code: StateSpec(
            s.code,
            s.name,
            s.national_status,
            s.time_share,
            s.is_initial,
            s.is_final,
            s.pauses_clock,
        )
        for s in wf.states.all()
    }
    actions = {}
    for a in (
        WorkflowAction.objects.filter(workflow=wf)
        .select_related("to_state")
        .prefetch_related("from_states")
    ):
        actions[a.code] = ActionSpec(
            code=a.code,
            name=a.name,
            from_states=frozenset(s.code for s in a.from_states.all()),
            target=a.target,
            to_state=a.to_state.code if a.to_state_id else None,
            roles=frozenset(a.roles),
            owner_may_act=a.owner_may_act,
        )
    spec = WorkflowSpec(id=wf.pk, code=wf.code, states=states, actions=actions)
    with _lock:
        _cache[workflow_id] = (now, spec)
    return spec


def workflow_cache_clear() -> None:
    global _default
    with _lock:
        _cache.clear()
        _default = None


_default: tuple[float, int] | None = None


def default_workflow_id() -> int:
    """The id of the default workflow, remembered for a few seconds."""
    global _default
    now = time.monotonic()
    if _default is not None and now - _default[0] < TTL_SECONDS:
        return _default[1]
    from .selectors import workflow_default

    wf_id = workflow_default().pk
    _default = (now, wf_id)
    return wf_id
