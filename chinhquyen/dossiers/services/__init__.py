"""Every change to a dossier goes through these services (DOMAIN.md §3).

Each transition runs in one transaction that locks the dossier row, checks the workflow and the
actor's role, applies the action's rules (clock, flags, steps), appends a history event and an
audit record. Interfaces (API, pages, CLI, tasks) only call these.

The steps, one module each:

- ``submission``: receiving a new dossier (``dossier_submit``), the applicant, the procedure
  version in force and the procedure–agency link;
- ``codes``: the dossier code from the agency's daily counter, and the cache of links;
- ``idempotency``: Idempotency-Key (``idempotent``, ``request_fingerprint``);
- ``files``: attaching a file (``dossier_file_add``) and sweeping orphaned ones;
- ``transitions``: who may act (``actions_available``) and acting (``dossier_act``);
- ``rules``: what each standard action checks and changes (``ACTION_RULES``);
- ``clock``: due dates and whether a dossier is on time;
- ``evaluation``: the applicant's evaluation, online or at the kiosk;
- ``events``: helpers the steps share (a history event, the officer's agency).
"""

from .clock import deadline_state, due_for, is_on_time, on_time_of
from .codes import LINKS_TTL, _code_format_split, _links, dossier_code_make
from .evaluation import (
    dossier_can_be_evaluated,
    dossier_evaluate,
    dossier_evaluate_at_kiosk,
    dossier_for_kiosk,
)
from .files import dossier_file_add, dossier_files_sweep
from .idempotency import Fingerprint, idempotent, request_fingerprint
from .rules import ACTION_RULES, ActionContext
from .submission import Applicant, dossier_submit
from .transitions import (
    actions_available,
    actor_role_for,
    dossier_act,
    workflow_install_standard,
)

__all__ = [
    "ACTION_RULES",
    "LINKS_TTL",
    "ActionContext",
    "Applicant",
    "Fingerprint",
    "_code_format_split",
    "_links",
    "actions_available",
    "actor_role_for",
    "deadline_state",
    "dossier_act",
    "dossier_can_be_evaluated",
    "dossier_code_make",
    "dossier_evaluate",
    "dossier_evaluate_at_kiosk",
    "dossier_file_add",
    "dossier_files_sweep",
    "dossier_for_kiosk",
    "dossier_submit",
    "due_for",
    "idempotent",
    "is_on_time",
    "on_time_of",
    "request_fingerprint",
    "workflow_install_standard",
]
