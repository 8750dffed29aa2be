"""Every write of a consultation: open, participate (vote + survey), comment, moderate, answer,
close (with its published summary) and launch the service online. Keyword-only, atomic, audited.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.audit.services import audit_record
from chinhquyen.catalogue.models import OnlineMode, Procedure
from chinhquyen.catalogue.services import procedure_save, version_record
from chinhquyen.core.errors import Conflict, PermissionDenied, ValidationFailed
from chinhquyen.core.redaction import redact

from .models import Comment, Consultation, LaunchDecision, Participation

# Who runs a consultation for an agency, and who moderates and answers its comments.
ORGANISER_ROLES = frozenset({Role.LEADER, Role.AGENCY_ADMIN})
MODERATOR_ROLES = frozenset({Role.HANDLER, Role.LEADER, Role.AGENCY_ADMIN})
MIN_PERIOD = timedelta(days=1)
MAX_PERIOD = timedelta(days=90)
_MODE_RANK = {OnlineMode.NONE: 0, OnlineMode.PARTIAL: 1, OnlineMode.FULL: 2}


def _officer_of(user, agency_id: int, roles: frozenset[str]) -> bool:
    profile = profile_of(user)
    return (
        profile is not None
        and profile.agency_id == agency_id
        and bool(roles.intersection(user_roles(user)))
    )


def can_organise(user, consultation: Consultation) -> bool:
    return _officer_of(user, consultation.agency_id, ORGANISER_ROLES)


def can_moderate(user, consultation: Consultation) -> bool:
    return _officer_of(user, consultation.agency_id, MODERATOR_ROLES)


def can_participate(user) -> bool:
    """A verified account: a citizen or business whose identity number is on file."""
    profile = profile_of(user)
    return (
        profile is not None
        and user.is_active
        and Role.CITIZEN in user_roles(user)
        and bool(profile.id_number.strip())
    )


def _audit(event: str, consultation: Consultation, actor, changes: dict[str, Any] | None = None):
    audit_record(
        event=event,
        object_type="consultation",
        object_id=str(consultation.pk),
        actor=actor,
        changes=changes or {},
    )


def _organiser_profile(actor):
    """The actor's profile if they may open a consultation for their agency, else refused."""
    profile = profile_of(actor)
    if (
        profile is None
        or not profile.agency_id
        or not ORGANISER_ROLES.intersection(user_roles(actor))
    ):
        raise PermissionDenied(_("Chỉ lãnh đạo hoặc quản trị cơ quan được mở lấy ý kiến."))
    return profile


def _procedure_errors(procedure, agency_id, planned_mode: str) -> dict[str, list[str]]:
    """Field errors on the procedure (known, received here) and on the planned online mode."""
    errors: dict[str, list[str]] = {}
    if procedure is None or procedure.current is None:
        errors["procedure"] = [_("Không có thủ tục này.")]
    elif not procedure.agencies.filter(pk=agency_id).exists():
        errors["procedure"] = [_("Cơ quan của bạn không tiếp nhận thủ tục này.")]
    if planned_mode not in (OnlineMode.FULL, OnlineMode.PARTIAL):
        errors["planned_mode"] = [_("Chọn toàn trình hoặc một phần.")]
    elif (
        procedure is not None
        and procedure.current is not None
        and _MODE_RANK[procedure.current.online_mode] >= _MODE_RANK[planned_mode]
    ):
        errors["planned_mode"] = [_("Thủ tục đã được cung cấp trực tuyến ở mức này hoặc cao hơn.")]
    return errors


def _period_errors(opens_at: datetime, closes_at: datetime | None) -> dict[str, list[str]]:
    """Field errors on the closing date: given, and 1 to 90 days after the opening."""
    if closes_at is None:
        return {"closes_at": [_("Nhập ngày kết thúc (ngày/tháng/năm).")]}
    if closes_at - opens_at < MIN_PERIOD:
        return {"closes_at": [_("Thời gian lấy ý kiến ít nhất 1 ngày.")]}
    if closes_at - opens_at > MAX_PERIOD:
        return {"closes_at": [_("Thời gian lấy ý kiến không quá 90 ngày.")]}
    return {}


@transaction.atomic
def consultation_open(
    *,
    actor,
    procedure_code: str,
    title: str,
    purpose: str,
    planned_mode: str,
    closes_at: datetime | None,
    threshold_percent: int,
    min_votes: int,
    draft_steps: str = "",
    opens_at: datetime | None = None,
) -> Consultation:
    """Open a consultation on putting ``procedure_code`` online at the actor's agency. The draft
    (steps, e-form, documents) is frozen from the current version, with the planned steps."""
    profile = _organiser_profile(actor)
    procedure = (
        Procedure.objects.select_related("current").filter(code=procedure_code.strip()).first()
    )
    errors = _procedure_errors(procedure, profile.agency_id, planned_mode)
    title, purpose = (title or "").strip(), (purpose or "").strip()
    if not title:
        errors["title"] = [_("Nhập tiêu đề.")]
    if not purpose:
        errors["purpose"] = [_("Nêu nội dung xin ý kiến.")]
    opens_at = opens_at or timezone.now()
    errors.update(_period_errors(opens_at, closes_at))
    if not 1 <= int(threshold_percent) <= 100:
        errors["threshold_percent"] = [_("Tỷ lệ đồng ý phải từ 1 đến 100%.")]
    if int(min_votes) < 1:
        errors["min_votes"] = [_("Cần ít nhất 1 phiếu.")]
    if errors:
        raise ValidationFailed(_("Thông tin lấy ý kiến chưa hợp lệ."), fields=errors)
    if Consultation.objects.filter(
        procedure=procedure, agency_id=profile.agency_id, state=Consultation.State.OPEN
    ).exists():
        raise Conflict(_("Thủ tục này đang được lấy ý kiến tại cơ quan của bạn."))
    current = procedure.current
    consultation = Consultation.objects.create(
        procedure=procedure,
        agency_id=profile.agency_id,
        title=title,
        purpose=purpose,
        planned_mode=planned_mode,
        draft_steps=(draft_steps or "").strip() or current.steps,
        draft_form_schema=current.form_schema,
        draft_documents=[
            {"code": d.code, "name": d.name, "is_required": d.is_required}
            for d in current.documents.order_by("position")
        ],
        opens_at=opens_at,
        closes_at=closes_at,
        threshold_percent=int(threshold_percent),
        min_votes=int(min_votes),
        created_by=actor,
    )
    _audit("consultation.open", consultation, actor, {"procedure": procedure.code})
    return consultation


def _accepting(consultation: Consultation) -> None:
    consultation_close_if_due(consultation=consultation)
    if not consultation.is_accepting():
        raise Conflict(_("Cuộc lấy ý kiến này không còn nhận ý kiến."), code="consultation_closed")


def _participant(user) -> None:
    if not can_participate(user):
        raise PermissionDenied(
            _(
                "Chỉ tài khoản công dân, doanh nghiệp đã xác thực danh tính mới được góp ý, biểu quyết."
            )
        )


def consultation_participate(
    *, user, consultation: Consultation, vote: str, would_use: str, missing: str = ""
) -> Participation:
    """The account's vote and survey answers; a second call (retry, double click, a change of
    mind while the consultation is open) updates the same row."""
    _participant(user)
    errors: dict[str, list[str]] = {}
    if vote not in Participation.Vote.values:
        errors["vote"] = [_("Chọn đồng ý hoặc không đồng ý.")]
    if would_use not in Participation.WouldUse.values:
        errors["would_use"] = [_("Cho biết bạn có dùng dịch vụ này không.")]
    missing = (missing or "").strip()
    if len(missing) > 2000:
        errors["missing"] = [_("Tối đa 2.000 ký tự.")]
    if errors:
        raise ValidationFailed(_("Phiếu ý kiến chưa hợp lệ."), fields=errors)
    values = {"vote": vote, "would_use": would_use, "missing": missing}
    for _attempt in range(2):
        try:
            with transaction.atomic():
                locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
                _accepting(locked)
                row, created = Participation.objects.update_or_create(
                    consultation=locked, user=user, defaults=values
                )
                _audit(
                    "consultation.vote" if created else "consultation.vote_change",
                    locked,
                    user,
                    {"vote": vote},
                )
                return row
        except IntegrityError:  # a concurrent first vote of the same account won the insert
            continue
    raise Conflict(_("Vui lòng thử lại."))  # pragma: no cover - two races in a row


@transaction.atomic
def consultation_comment(*, user, consultation: Consultation, text: str, token: str) -> Comment:
    """A comment, held for moderation. ``token`` comes from the form: posting it twice gives
    one comment."""
    _participant(user)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(
            _("Nhập nội dung góp ý."), fields={"text": [_("Nhập nội dung góp ý.")]}
        )
    if len(text) > 4000:
        raise ValidationFailed(_("Góp ý quá dài."), fields={"text": [_("Tối đa 4.000 ký tự.")]})
    token = (token or "").strip()[:64]
    if not token:
        raise ValidationFailed(_("Biểu mẫu đã cũ, vui lòng tải lại trang."), code="stale_form")
    existing = Comment.objects.filter(author=user, token=token).first()
    if existing is not None:
        return existing
    _accepting(consultation)
    try:
        with transaction.atomic():
            comment = Comment.objects.create(
                consultation=consultation, author=user, text=text, token=token
            )
    except IntegrityError:
        return Comment.objects.get(author=user, token=token)
    _audit("consultation.comment", consultation, user, {"comment": comment.pk})
    return comment


def _personal_of(user) -> dict[str, list[str]]:
    """What the account tells us about its owner, for ``redact``."""
    profile = profile_of(user)
    names = [user.get_full_name(), user.username]
    known = [user.email]
    if profile is not None:
        names.append(profile.full_name)
        known += [profile.phone, profile.id_number]
    return {"names": [n for n in names if n], "known": [k for k in known if k]}


def comment_public_text(comment: Comment) -> str:
    """The comment as the public would read it: personal data removed."""
    return redact(comment.text, **_personal_of(comment.author))


@transaction.atomic
def comment_moderate(*, actor, comment: Comment, publish: bool) -> Comment:
    if not can_moderate(actor, comment.consultation):
        raise PermissionDenied(_("Bạn không kiểm duyệt góp ý của cơ quan khác."))
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    comment.status = Comment.Status.PUBLISHED if publish else Comment.Status.REJECTED
    comment.public_text = comment_public_text(comment) if publish else ""
    comment.moderated_by, comment.moderated_at = actor, timezone.now()
    comment.save()
    _audit(
        "consultation.moderate",
        comment.consultation,
        actor,
        {"comment": comment.pk, "status": comment.status},
    )
    return comment


@transaction.atomic
def comment_answer(*, actor, comment: Comment, answer: str) -> Comment:
    if not can_moderate(actor, comment.consultation):
        raise PermissionDenied(_("Bạn không trả lời góp ý của cơ quan khác."))
    answer = (answer or "").strip()
    if not answer or len(answer) > 4000:
        raise ValidationFailed(
            _("Nhập câu trả lời (tối đa 4.000 ký tự)."),
            fields={"answer": [_("Nhập câu trả lời (tối đa 4.000 ký tự).")]},
        )
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.status != Comment.Status.PUBLISHED:
        raise Conflict(_("Chỉ trả lời góp ý đã được đăng."))
    comment.answer = redact(answer, **_personal_of(comment.author))
    comment.answered_by, comment.answered_at = actor, timezone.now()
    comment.save()
    _audit("consultation.answer", comment.consultation, actor, {"comment": comment.pk})
    return comment


def consultation_summary(consultation: Consultation) -> dict[str, Any]:
    """Votes, survey results and the published comments with their answers; the outcome under
    the consultation's rule."""
    rows = list(consultation.participations.values_list("vote", "would_use", "missing"))
    votes_for = sum(1 for v, _w, _m in rows if v == Participation.Vote.FOR)
    total = len(rows)
    share = round(100 * votes_for / total, 1) if total else None
    approved = (
        total >= consultation.min_votes
        and share is not None
        and share >= consultation.threshold_percent
    )
    comments = consultation.comments.filter(status=Comment.Status.PUBLISHED).order_by(
        "-answered_at", "created_at"
    )
    return {
        "votes": total,
        "for": votes_for,
        "against": total - votes_for,
        "share_for": share,
        "would_use": {
            choice: sum(1 for _v, w, _m in rows if w == choice)
            for choice in Participation.WouldUse.values
        },
        "missing": [redact(m) for _v, _w, m in rows if m][:50],
        "comments": [{"text": c.public_text, "answer": c.answer} for c in comments[:50]],
        "rule": {
            "threshold_percent": consultation.threshold_percent,
            "min_votes": consultation.min_votes,
        },
        "outcome": Consultation.Outcome.APPROVED if approved else Consultation.Outcome.REJECTED,
    }


def consultation_close_if_due(*, consultation: Consultation, now: datetime | None = None) -> bool:
    """Close a consultation whose period has ended and publish its summary. Idempotent."""
    now = now or timezone.now()
    if consultation.state != Consultation.State.OPEN or now < consultation.closes_at:
        return False
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if locked.state != Consultation.State.OPEN:
            consultation.refresh_from_db()
            return False
        summary = consultation_summary(locked)
        locked.summary = summary
        locked.outcome = summary["outcome"]
        locked.state = Consultation.State.CLOSED
        locked.closed_at = now
        locked.save(update_fields=["summary", "outcome", "state", "closed_at"])
        _audit(
            "consultation.close",
            locked,
            None,
            {"outcome": locked.outcome, "votes": summary["votes"], "for": summary["for"]},
        )
    consultation.refresh_from_db()
    return True


def consultations_close_due(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    closed = 0
    for c in Consultation.objects.filter(state=Consultation.State.OPEN, closes_at__lte=now):
        closed += consultation_close_if_due(consultation=c, now=now)
    return closed


@transaction.atomic
def consultation_launch(
    *, actor, consultation: Consultation, decision_number: str, decision_date: date
) -> LaunchDecision:
    """Put the service online as consulted: a new catalogue version with the planned mode and
    steps, recorded with the decision and its consultation. Only when the rule was met."""
    if not can_organise(actor, consultation):
        raise PermissionDenied(_("Chỉ lãnh đạo hoặc quản trị cơ quan được quyết định."))
    consultation = Consultation.objects.get(pk=consultation.pk)  # not the caller's copy
    consultation_close_if_due(consultation=consultation)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.state == Consultation.State.OPEN:
        raise Conflict(_("Cuộc lấy ý kiến chưa kết thúc."), code="consultation_open")
    if consultation.state == Consultation.State.LAUNCHED:
        raise Conflict(_("Dịch vụ đã được đưa lên trực tuyến."), code="already_launched")
    if consultation.outcome != Consultation.Outcome.APPROVED:
        raise Conflict(
            _("Kết quả lấy ý kiến không đạt ngưỡng: chưa được đưa dịch vụ lên trực tuyến."),
            code="consultation_rejected",
        )
    decision_number = (decision_number or "").strip()
    if not decision_number or decision_date is None:
        raise ValidationFailed(
            _("Nhập số và ngày của quyết định."),
            fields={"decision_number": [_("Nhập số và ngày của quyết định.")]},
        )
    if decision_date > timezone.localdate():
        raise ValidationFailed(
            _("Ngày quyết định không được ở tương lai."),
            fields={"decision_date": [_("Ngày quyết định không được ở tương lai.")]},
        )
    current = consultation.procedure.current
    record = version_record(current)
    record.update(
        online_mode=consultation.planned_mode,
        steps=consultation.draft_steps,
        decision_number=decision_number,
        decision_date=decision_date.isoformat(),
        effective_from=max(decision_date, current.effective_from).isoformat(),
    )
    version, _created = procedure_save(data=record, actor=actor)
    decision = LaunchDecision.objects.create(
        consultation=consultation,
        version=version,
        decision_number=decision_number,
        decision_date=decision_date,
        decided_by=actor,
    )
    consultation.state = Consultation.State.LAUNCHED
    consultation.save(update_fields=["state"])
    _audit(
        "consultation.launch",
        consultation,
        actor,
        {"version": version.version, "decision": decision_number},
    )
    return decision
