"""The rules of the standard workflow actions (``ACTION_RULES``): what each action checks and
changes on the dossier (its clock, flags, steps, result), on an ``ActionContext``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from chinhquyen.accounts.models import Role
from chinhquyen.core.errors import Conflict, ValidationFailed
from chinhquyen.units.models import Agency
from chinhquyen.workdays import calendar

from .. import results
from ..models import (
    Dossier,
    DossierFile,
    DossierStep,
    SignedAs,
    StepKind,
)
from ..workflow import ActionSpec, WorkflowSpec
from .clock import due_for
from .events import _iso, _user_agency_id

User = get_user_model()


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
