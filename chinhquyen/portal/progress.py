"""The step indicator of the public lookup, drawn from the national status code (1–10).

The national codes are not a straight line: 5 (supplement) and 6 (payment) happen while the
dossier is being handled, and 3, 7 and 8 (refused, withdrawn, stopped) end it early. The
indicator shows the main path and places every code on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from chinhquyen.dossiers.models import NationalStatus as S

# The main path a dossier follows, as national status codes.
MAIN_PATH = (S.SUBMITTED, S.ACCEPTED, S.IN_PROCESS, S.DONE, S.RETURNED)
LABELS = {
    S.SUBMITTED: _("Đăng ký"),
    S.ACCEPTED: _("Tiếp nhận"),
    S.IN_PROCESS: _("Xử lý"),
    S.DONE: _("Có kết quả"),
    S.RETURNED: _("Trả kết quả"),
}
# Where an off-path code sits on the main path.
_POSITION = {S.SUPPLEMENT: 2, S.PAYMENT: 2, S.REFUSED: 0}
HALTED = {S.REFUSED, S.WITHDRAWN, S.STOPPED}


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current", "todo", "halted"


def progress_steps(*, status_code: int, received: bool) -> list[Step]:
    if status_code in MAIN_PATH:
        current = MAIN_PATH.index(status_code)
    elif status_code in _POSITION:
        current = _POSITION[status_code]
    else:  # withdrawn or stopped: wherever the dossier had got to
        current = 2 if received else 0
    halted = status_code in HALTED
    steps = []
    for i, code in enumerate(MAIN_PATH):
        if i < current or (i == current and code == S.RETURNED):
            state = "done"
        elif i == current:
            state = "halted" if halted else "current"
        else:
            state = "todo"
        steps.append(Step(label=str(LABELS[code]), state=state))
    return steps


def next_step(dossier) -> str:
    """What happens next, in the citizen's words, from the national status code (so it holds
    for any workflow an agency configures)."""
    from django.utils.translation import gettext as _

    from chinhquyen.workdays.text import deadline_text

    code = dossier.status_code
    if code == S.SUBMITTED:
        return _("Chờ cán bộ tiếp nhận")
    if code == S.SUPPLEMENT:
        return _("Cần bổ sung hồ sơ — xem yêu cầu và nộp bổ sung trực tuyến")
    if code in (S.ACCEPTED, S.IN_PROCESS):
        if dossier.due_at:
            return _("Đang giải quyết, hẹn trả kết quả %(due)s") % {
                "due": deadline_text(dossier.due_at)
            }
        return _("Đang giải quyết")
    if code == S.PAYMENT:
        return _("Cần nộp phí, lệ phí để tiếp tục giải quyết")
    if code == S.DONE:
        return _("Đã có kết quả — nhận tại %(agency)s") % {"agency": dossier.agency.name}
    if code == S.RETURNED:
        return _("Đã trả kết quả")
    if code == S.REFUSED:
        return _("Không được tiếp nhận — xem lý do trong hồ sơ")
    if code == S.WITHDRAWN:
        return _("Đã rút hồ sơ")
    if code == S.STOPPED:
        return _("Đã dừng xử lý — xem lý do trong hồ sơ")
    return ""
