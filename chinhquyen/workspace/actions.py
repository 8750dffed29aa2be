"""How the dossier page's action panel shows the workflow's actions.

The services decide *which* actions a person may take (``dossiers.services.actions_available``);
this module only decides *how* the page offers them: which one comes first, which fields it
takes besides the comment, and which must be confirmed before anything is written.

To offer a new action, add its entry to ``ACTION_UI`` (an action without an entry is still
offered, with a comment field and no confirmation):

- ``priority``: the available action with the lowest number becomes the primary one, shown
  expanded at the top of the panel; the others are folded under "Thao tác khác";
- ``params``: the POST fields passed to the service besides the comment, and
  ``params_template`` the template that draws them (``workspace/actions/params_*.html``);
- ``danger``: set apart under "Thao tác cần xác nhận", drawn in red, and confirmed on the server
  (a POST without ``confirm=1`` gets the confirmation page, ``workspace/confirm.html``), with
  ``consequence`` added to what the workflow says of the target state;
- ``form_template``: the whole form, for an action that posts elsewhere or asks for more than
  fields (e.g. a signature with the confirmation of the signer's key).

Signing: the approval of a result that must be signed and the seal are drawn by
``workspace/actions/_sign.html`` ("Ký số và phê duyệt", "Đóng dấu, ban hành kết quả"), which posts
to the signing views (``views_signing.py``) with what the person's key asks for;
``panel_build(signing=…)`` says which actions are signed and with what.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chinhquyen.core.errors import DomainError
from chinhquyen.dossiers.workflow import ActionSpec, WorkflowSpec

DEFAULT_FORM = "workspace/actions/_form.html"
SIGN_FORM = "workspace/actions/_sign.html"


@dataclass(frozen=True)
class ActionUI:
    """How one workflow action is offered in the panel (see the module's docstring)."""

    priority: int = 100
    params: tuple[str, ...] = ()
    params_template: str = ""
    danger: bool = False
    consequence: str | Promise = ""
    comment_required: bool = False
    form_template: str = DEFAULT_FORM


ACTION_UI: dict[str, ActionUI] = {
    "accept": ActionUI(priority=10),
    "submit_supplement": ActionUI(priority=12),
    "confirm_payment": ActionUI(priority=14),
    "complete_step": ActionUI(priority=20),
    "submit_for_approval": ActionUI(priority=25),
    "approve": ActionUI(priority=30),
    "seal": ActionUI(priority=35, form_template=SIGN_FORM),
    "finish": ActionUI(
        priority=40, params=("result_code",), params_template="workspace/actions/params_finish.html"
    ),
    "return_result": ActionUI(priority=50),
    "assign": ActionUI(
        priority=60, params=("assignee",), params_template="workspace/actions/params_assign.html"
    ),
    "forward": ActionUI(
        priority=70,
        params=("agency", "days", "kind"),
        params_template="workspace/actions/params_forward.html",
    ),
    "request_payment": ActionUI(
        priority=80, params=("amount",), params_template="workspace/actions/params_payment.html"
    ),
    "return_for_revision": ActionUI(priority=95, comment_required=True),
    "extend": ActionUI(
        priority=90,
        params=("days", "new_due_at"),
        params_template="workspace/actions/params_extend.html",
    ),
    "request_supplement": ActionUI(
        priority=200,
        danger=True,
        comment_required=True,
        consequence=gettext_lazy(
            "Người nộp nhận Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02) với nội dung bạn "
            "ghi: hãy nêu đủ mọi giấy tờ cần bổ sung, vì chỉ được yêu cầu một lần. Khi người nộp "
            "bổ sung đủ, thời hạn giải quyết được tính lại từ đầu."
        ),
    ),
    "refuse": ActionUI(
        priority=210,
        danger=True,
        comment_required=True,
        consequence=gettext_lazy(
            "Người nộp nhận Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu 03) với lý do bạn ghi."
        ),
    ),
    "stop": ActionUI(
        priority=220,
        danger=True,
        comment_required=True,
        consequence=gettext_lazy(
            "Người nộp nhận Thông báo dừng xử lý hồ sơ (Mẫu 05) với lý do bạn ghi."
        ),
    ),
    "withdraw": ActionUI(
        priority=230,
        danger=True,
        comment_required=True,
        consequence=gettext_lazy(
            "Chỉ rút hồ sơ khi người nộp đã đề nghị; ghi căn cứ đề nghị (đơn, ngày nhận)."
        ),
    ),
}


def ui_for(code: str) -> ActionUI:
    return ACTION_UI.get(code, ActionUI())


def params_from(code: str, post: Mapping[str, str]) -> dict[str, str]:
    """The action's parameters from a POST, blanks left out (the service names what is missing)."""
    return {
        name: post[name].strip() for name in ui_for(code).params if str(post.get(name, "")).strip()
    }


def values_from(code: str, post: Mapping[str, str]) -> dict[str, str]:
    """What the person typed for the action, to show again with an error or a confirmation."""
    return {
        "comment": post.get("comment", ""),
        **{name: post.get(name, "") for name in ui_for(code).params},
    }


def consequence(*, spec: WorkflowSpec, action: ActionSpec, has_deadline: bool) -> list[str]:
    """What taking ``action`` does, in sentences: from the workflow (the target state, whether
    the dossier ends there, whether the clock stops) and from the action's own note."""
    sentences: list[str] = []
    target = spec.states.get(action.to_state) if action.to_state else None
    if target is not None:
        sentences.append(_("Hồ sơ chuyển sang trạng thái “%(state)s”.") % {"state": target.name})
        if target.is_final:
            sentences.append(_("Hồ sơ kết thúc tại đây; không thể hoàn tác thao tác này."))
        elif target.pauses_clock and has_deadline:
            sentences.append(_("Thời hạn giải quyết tạm dừng trong khi chờ người nộp."))
    note = ui_for(action.code).consequence
    if note:
        sentences.append(str(note))
    return sentences


@dataclass
class PanelEntry:
    """One action as the panel draws it; ``group`` is primary, more or danger."""

    spec: ActionSpec
    ui: ActionUI
    group: str
    error: DomainError | None = None
    values: dict[str, str] = field(default_factory=dict)
    consequence: list[str] = field(default_factory=list)
    # For a signed action: the sign offer (or None with the reason it cannot be signed now).
    signing: dict[str, Any] | None = None

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def open(self) -> bool:
        """A folded entry opens again when it comes back with an error or typed values."""
        return self.error is not None or any(self.values.values())


@dataclass
class Panel:
    primary: list[PanelEntry]
    more: list[PanelEntry]
    danger: list[PanelEntry]
    # An error of an action the panel no longer offers (the state moved on, an unknown action).
    error: DomainError | None = None

    @property
    def entries(self) -> list[PanelEntry]:
        return [*self.primary, *self.more, *self.danger]

    @property
    def empty(self) -> bool:
        return not self.entries


def panel_build(
    *,
    spec: WorkflowSpec,
    actions: Iterable[ActionSpec],
    has_deadline: bool,
    errors: Mapping[str, DomainError] | None = None,
    values: Mapping[str, dict[str, Any]] | None = None,
    signing: Mapping[str, dict[str, Any]] | None = None,
) -> Panel:
    """The panel of the actions available now: the first safe one by priority is primary.
    ``signing`` maps the actions taken with a signature to what their form needs."""
    errors = errors or {}
    values = values or {}
    signing = signing or {}
    ordered = sorted(actions, key=lambda a: (ui_for(a.code).priority, a.code))
    panel = Panel(primary=[], more=[], danger=[])
    for action in ordered:
        ui = ui_for(action.code)
        if action.code in signing:
            ui = replace(ui, form_template=SIGN_FORM)
        group = "danger" if ui.danger else ("more" if panel.primary else "primary")
        getattr(panel, group).append(
            PanelEntry(
                spec=action,
                ui=ui,
                group=group,
                error=errors.get(action.code),
                values=dict(values.get(action.code, {})),
                consequence=consequence(spec=spec, action=action, has_deadline=has_deadline)
                if ui.danger
                else [],
                signing=signing.get(action.code),
            )
        )
    offered = {e.code for e in panel.entries}
    panel.error = next((err for code, err in errors.items() if code not in offered), None)
    return panel
