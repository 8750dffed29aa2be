"""An in-process snapshot of a workflow (states and actions), so a transition costs no queries
for configuration. Snapshots live a few seconds; admin edits show up after that."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from chinhquyen.core.proccache import ProcessCache

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


# workflow id -> its spec (frozen), and "default" -> the default workflow's id.
_cache: ProcessCache[WorkflowSpec | int] = ProcessCache(
    "dossiers.workflows", max_entries=256, ttl=TTL_SECONDS
)


def workflow_spec(workflow_id: int) -> WorkflowSpec:
    return _cache.get_or_set(workflow_id, lambda: _spec_read(workflow_id))


def _spec_read(workflow_id: int) -> WorkflowSpec:
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
    return WorkflowSpec(id=wf.pk, code=wf.code, states=states, actions=actions)


def workflow_cache_clear() -> None:
    _cache.clear()


def default_workflow_id() -> int:
    """The id of the default workflow, remembered for a few seconds."""
    from .selectors import workflow_default

    return _cache.get_or_set("default", lambda: workflow_default().pk)
