"""Every write to feedback: keyword-only, one transaction each, audited in it (STYLE.md §2, §5).

The workflow and its deadlines (DOMAIN.md §5), all counted by ``workdays.calendar.due_date``:

    received ──accept (≤ 2 working days after receipt)──▶ accepted ──answer (≤ 15 after accept)──▶
    answered ──publish (≤ 2 after the answer)──▶ published
    received ──refuse (≤ 2, with a reason)──▶ refused
    received | accepted ──request_info (≤ 5 after receipt, once)──▶ needs_info
    needs_info ──info_provide (by the sender)──▶ back where it was, its clock restarted
    needs_info ──refuse (no answer from the sender)──▶ refused

``due_step``/``due_at`` always hold the officer's current obligation: the reminder task and the
overdue view read them, nothing else recomputes deadlines.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.audit.services import audit_record
from chinhquyen.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chinhquyen.core.phone import InvalidPhone, phone_normalise
from chinhquyen.core.redaction import redact
from chinhquyen.dossiers.files import check_upload
from chinhquyen.workdays.calendar import DeadlineState, deadline_state, due_date

from .models import (
    DueStep,
    Feedback,
    FeedbackAttachment,
    FeedbackChannel,
    FeedbackKind,
    FeedbackReminder,
    FeedbackState,
    FeedbackVote,
    Open311Client,
    hash_key,
    new_feedback_code,
)

logger = logging.getLogger(__name__)

# DOMAIN.md §5, in working days.
ACCEPT_DAYS = 2
INFO_REQUEST_DAYS = 5
ANSWER_DAYS = 15
PUBLISH_DAYS = 2

MAX_ATTACHMENTS = 5
MAX_DESCRIPTION = 5000

# Who may take which action, among the officers of the agency the feedback is routed to.
ACTION_ROLES: dict[str, frozenset[str]] = {
    "accept": frozenset({Role.COUNTER, Role.HANDLER, Role.LEADER, Role.AGENCY_ADMIN}),
    "refuse": frozenset({Role.COUNTER, Role.HANDLER, Role.LEADER, Role.AGENCY_ADMIN}),
    "request_info": frozenset({Role.COUNTER, Role.HANDLER, Role.LEADER, Role.AGENCY_ADMIN}),
    "answer": frozenset({Role.HANDLER, Role.LEADER, Role.AGENCY_ADMIN}),
    "publish": frozenset({Role.LEADER, Role.AGENCY_ADMIN}),
}


class WrongState(Conflict):
    code = "feedback_wrong_state"


# --------------------------------------------------------------------------- helpers


def _officer_of(user, feedback: Feedback, action: str) -> None:
    """Raise unless ``user`` is an officer of the feedback's agency with a role for ``action``.

    Someone outside the agency gets NotFound, as if the feedback did not exist (no probing)."""
    profile = profile_of(user)
    if profile is None or not profile.is_officer or profile.agency_id != feedback.agency_id:
        raise NotFound("Không tìm thấy phản ánh.")
    if not ACTION_ROLES[action].intersection(user_roles(user)):
        raise PermissionDenied(
            "Vai trò của bạn không được thực hiện thao tác này.", code="feedback_role"
        )


def _lock(code: str) -> Feedback:
    try:
        return Feedback.objects.select_for_update().get(code=code)
    except Feedback.DoesNotExist:
        raise NotFound("Không tìm thấy phản ánh.") from None


def _require_state(feedback: Feedback, *states: str) -> None:
    if feedback.state not in states:
        raise WrongState(
            "Phản ánh không ở trạng thái cho phép thao tác này.",
            extra={"state": feedback.state},
        )


def _text(value: str, field: str, message: str, *, max_length: int = MAX_DESCRIPTION) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, fields={field: [message]})
    if len(value) > max_length:
        msg = f"Tối đa {max_length} ký tự."
        raise ValidationFailed(msg, fields={field: [msg]})
    return value


def _audit(feedback: Feedback, event: str, actor, changes: dict, *, new: bool = False) -> None:
    audit_record(
        event=f"feedback.{event}",
        object_type="feedback",
        object_id=feedback.code,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        changes=changes,
        new_object=new,
    )


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _coordinate(value, field: str, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) > limit:
        msg = "Tọa độ không hợp lệ."
        raise ValidationFailed(msg, fields={field: [msg]})
    return number.quantize(Decimal("0.000001"))


def _commune(code: str, on: dt.date):
    """The commune (current two-level units) a feedback is located in, by its GSO code."""
    from chinhquyen.units.models import UnitLevel
    from chinhquyen.units.selectors import unit_resolve

    if not code.strip():
        return None
    try:
        return unit_resolve(code=code.strip(), level=UnitLevel.COMMUNE, on=on)
    except NotFound:
        msg = "Không tìm thấy xã, phường này; hãy chọn trong danh sách."
        raise ValidationFailed(msg, fields={"commune": [msg]}) from None


def _place(street: str, unit) -> str:
    """The place as one line — the street or place typed, then the commune and province chosen
    — for the officers (never published: it often is the sender's home)."""
    parts = [street.strip()]
    if unit is not None:
        parts += [unit.name, unit.parent.name if unit.parent_id else ""]
    return ", ".join(p for p in parts if p)[:255]


def _phone(value: str) -> str:
    try:
        return phone_normalise(value)
    except InvalidPhone as exc:
        raise ValidationFailed(str(exc), fields={"sender_phone": [str(exc)]}) from None


def _route(
    *, kind: str, agency_id: str, procedure_code: str, dossier_code: str, unit=None
) -> tuple[object, object, object]:
    """The agency responsible, with the procedure and dossier the feedback is about.

    About a dossier → its agency; about a procedure → the agency the sender picked among those
    that receive it, else the one of the commune where the feedback is located, else the first
    of them; about an agency → that agency."""
    from chinhquyen.catalogue.models import Procedure
    from chinhquyen.dossiers.models import Dossier
    from chinhquyen.units.models import Agency

    agency = procedure = dossier = None
    picked = None
    if agency_id:
        picked = Agency.objects.filter(agency_id=agency_id.strip(), is_active=True).first()
        if picked is None:
            msg = "Không tìm thấy cơ quan."
            raise ValidationFailed(msg, fields={"agency_id": [msg]})
    if kind == FeedbackKind.DOSSIER:
        dossier = Dossier.objects.select_related("agency").filter(code=dossier_code.strip()).first()
        if not dossier_code.strip() or dossier is None:
            msg = "Không tìm thấy hồ sơ có mã này."
            raise ValidationFailed(msg, fields={"dossier_code": [msg]})
        agency = dossier.agency
    elif kind == FeedbackKind.PROCEDURE:
        procedure = Procedure.objects.filter(code=procedure_code.strip()).first()
        if not procedure_code.strip() or procedure is None:
            msg = "Không tìm thấy thủ tục có mã này."
            raise ValidationFailed(msg, fields={"procedure_code": [msg]})
        receivers = list(procedure.agencies.filter(is_active=True).order_by("agency_id"))
        if unit is not None:
            receivers.sort(key=lambda a: a.unit_id != unit.pk)  # stable: then by agency id
        if picked is not None:
            if picked not in receivers:
                msg = "Cơ quan này không tiếp nhận thủ tục đã chọn."
                raise ValidationFailed(msg, fields={"agency_id": [msg]})
            agency = picked
        elif receivers:
            agency = receivers[0]
        else:
            msg = "Thủ tục chưa có cơ quan tiếp nhận; hãy chọn cơ quan."
            raise ValidationFailed(msg, fields={"agency_id": [msg]})
    elif kind == FeedbackKind.AGENCY:
        if picked is None:
            msg = "Hãy chọn cơ quan."
            raise ValidationFailed(msg, fields={"agency_id": [msg]})
        agency = picked
    else:
        msg = "Loại phản ánh không hợp lệ."
        raise ValidationFailed(msg, fields={"kind": [msg]})
    return agency, procedure, dossier


# --------------------------------------------------------------------------- submit


def _earlier(idem_scope: str, idem_key: str) -> Feedback | None:
    """The feedback an earlier request with the same non-empty idempotency key made, if any."""
    if not idem_key:
        return None
    return Feedback.objects.filter(idem_scope=idem_scope, idem_key=idem_key).first()


def _location(lat, long) -> dict[str, Any]:
    """The checked latitude and longitude (as lat and long fields): both or neither."""
    lat_value = _coordinate(lat, "lat", 90)
    long_value = _coordinate(long, "long", 180)
    if (lat_value is None) != (long_value is None):
        msg = "Cần cả vĩ độ và kinh độ."
        raise ValidationFailed(msg, fields={"lat": [msg]})
    return {"lat": lat_value, "long": long_value}


def _checked_attachments(attachments: Sequence[tuple[str, bytes]]) -> list[tuple[str, bytes, str]]:
    """The attachments as (name, content, content type), each checked like an upload."""
    if len(attachments) > MAX_ATTACHMENTS:
        msg = f"Tối đa {MAX_ATTACHMENTS} tệp."
        raise ValidationFailed(msg, fields={"attachments": [msg]})
    checked = []
    for name, content in attachments:
        try:
            checked.append((name, content, check_upload(name=name, content=content)))
        except ValidationFailed as exc:
            exc.fields = {"attachments": [f"{name}: {m}" for m in exc.fields.get("file", [])]}
            raise
    return checked


def _check_email(sender_email: str) -> None:
    """Refuse a sender email that is given but not valid."""
    if sender_email:
        try:
            validate_email(sender_email.strip())
        except DjangoValidationError:
            msg = "Địa chỉ thư điện tử không hợp lệ."
            raise ValidationFailed(msg, fields={"sender_email": [msg]}) from None


def _sender_contact(
    user, anonymous: bool, name: str, email: str, phone: str, address: str
) -> tuple[Any, dict[str, str]]:
    """The sender (a signed-in, not anonymous user) and the contact fields: the phone checked,
    all blank if anonymous, else the sender's profile fills what the form left empty."""
    phone = "" if anonymous else _phone(phone or "")
    sender = user if user is not None and user.is_authenticated and not anonymous else None
    if anonymous:
        name = email = phone = address = ""
    elif sender is not None:
        profile = profile_of(sender)
        name = name or (profile.full_name if profile else sender.get_username())
        email = email or sender.email
        phone = phone or (profile.phone if profile else "")
    return sender, {
        "sender_name": name.strip()[:120],
        "sender_email": email.strip()[:254],
        "sender_phone": phone.strip()[:20],
        "sender_address": address.strip()[:255],
    }


def _first_deadlines(now: dt.datetime) -> dict[str, Any]:
    """A new feedback's deadlines: accept it, or ask for more information, within a few days."""
    accept_due_at = due_date(now, days=ACCEPT_DAYS, apply_cutoff=False)
    return {
        "received_at": now,
        "accept_due_at": accept_due_at,
        "info_limit_at": due_date(now, days=INFO_REQUEST_DAYS, apply_cutoff=False),
        "due_step": DueStep.ACCEPT,
        "due_at": accept_due_at,
    }


def _save_submitted(feedback: Feedback, checked: list[tuple[str, bytes, str]], sender) -> None:
    """Save the new feedback, its attachments and its audit record in one transaction."""
    with transaction.atomic():
        feedback.save()
        for name, content, content_type in checked:
            attachment = FeedbackAttachment(
                feedback=feedback, name=name, content_type=content_type, size=len(content)
            )
            attachment.file.save(name, ContentFile(content), save=False)
            attachment.save()
        _audit(
            feedback,
            "submitted",
            sender,
            {
                "kind": feedback.kind,
                "agency": feedback.agency.agency_id,
                "channel": feedback.channel,
                "due_at": _iso(feedback.due_at),
                "attachments": len(checked),
            },
            new=True,
        )


def _save_unless_raced(
    feedback: Feedback, checked: list[tuple[str, bytes, str]], sender
) -> Feedback | None:
    """Save the new feedback; None, or the feedback a concurrent duplicate made first."""
    try:
        _save_submitted(feedback, checked, sender)
    except IntegrityError:
        if not feedback.idem_key:
            raise
        # A concurrent duplicate won the unique key: answer with what it made.
        return Feedback.objects.get(idem_scope=feedback.idem_scope, idem_key=feedback.idem_key)
    return None


def feedback_submit(
    *,
    kind: str,
    description: str,
    title: str = "",
    user=None,
    anonymous: bool = False,
    agency_id: str = "",
    procedure_code: str = "",
    dossier_code: str = "",
    sender_name: str = "",
    sender_email: str = "",
    sender_phone: str = "",
    sender_address: str = "",
    lat=None,
    long=None,
    address_string: str = "",
    commune_code: str = "",
    media_url: str = "",
    attachments: Sequence[tuple[str, bytes]] = (),
    channel: str = FeedbackChannel.WEB,
    idem_scope: str = "",
    idem_key: str = "",
    at: dt.datetime | None = None,
) -> tuple[Feedback, str]:
    """Record a feedback and route it; returns it with the raw reply token (shown once, lets an
    anonymous sender add information later; empty for a retry).

    The same non-empty (``idem_scope``, ``idem_key``) returns the feedback made the first time:
    a double click, a retried request or a resent form never makes two.

    Where: ``commune_code`` (a commune of the current two-level units, chosen from a list),
    ``address_string`` (the street or place, as typed), and/or ``lat``/``long`` (from the
    sender's device, or an Open311 client). ``sender_phone`` is stored in national form
    (``core.phone``); a text that is no Vietnamese number is refused."""
    earlier = _earlier(idem_scope, idem_key)
    if earlier is not None:
        return earlier, ""
    description = _text(description, "description", "Vui lòng nhập nội dung phản ánh.")
    title = (title or "").strip()[:200] or description.splitlines()[0][:120]
    where = _location(lat, long)
    checked = _checked_attachments(attachments)
    _check_email(sender_email)
    sender, contact = _sender_contact(
        user, anonymous, sender_name, sender_email, sender_phone, sender_address
    )
    now = at or timezone.now()
    unit = _commune(commune_code or "", timezone.localdate(now))
    agency, procedure, dossier = _route(
        kind=kind,
        agency_id=agency_id or "",
        procedure_code=procedure_code or "",
        dossier_code=dossier_code or "",
        unit=unit,
    )
    reply_token = secrets.token_urlsafe(18)
    feedback = Feedback(
        code=new_feedback_code(),
        kind=kind,
        channel=channel,
        agency=agency,
        procedure=procedure,
        dossier=dossier,
        title=title,
        description=description,
        sender=sender,
        **contact,
        address_string=_place(address_string or "", unit),
        unit=unit,
        media_url=(media_url or "").strip()[:500],
        reply_token_hash=hash_key(reply_token),
        **where,
        **_first_deadlines(now),
        idem_scope=idem_scope if idem_key else "",
        idem_key=idem_key,
    )
    earlier = _save_unless_raced(feedback, checked, sender)
    if earlier is not None:
        return earlier, ""
    return feedback, reply_token


# --------------------------------------------------------------------------- officer actions


@transaction.atomic
def feedback_accept(*, user, code: str, at: dt.datetime | None = None) -> Feedback:
    feedback = _lock(code)
    _officer_of(user, feedback, "accept")
    _require_state(feedback, FeedbackState.RECEIVED)
    now = at or timezone.now()
    feedback.state = FeedbackState.ACCEPTED
    feedback.accepted_at = now
    feedback.answer_due_at = due_date(now, days=ANSWER_DAYS, apply_cutoff=False)
    feedback.due_step, feedback.due_at = DueStep.ANSWER, feedback.answer_due_at
    feedback.save()
    _audit(feedback, "accepted", user, {"answer_due_at": _iso(feedback.answer_due_at)})
    return feedback


@transaction.atomic
def feedback_refuse(*, user, code: str, reason: str, at: dt.datetime | None = None) -> Feedback:
    feedback = _lock(code)
    _officer_of(user, feedback, "refuse")
    _require_state(feedback, FeedbackState.RECEIVED, FeedbackState.NEEDS_INFO)
    reason = _text(reason, "reason", "Vui lòng nêu lý do không tiếp nhận.")
    now = at or timezone.now()
    old = feedback.state
    feedback.state = FeedbackState.REFUSED
    feedback.refused_at = now
    feedback.refusal_reason = reason
    feedback.due_step, feedback.due_at = "", None
    feedback.save()
    _audit(feedback, "refused", user, {"state": [old, feedback.state], "reason": reason})
    _tell_sender_on_commit(feedback, "refused")
    return feedback


@transaction.atomic
def feedback_request_info(
    *, user, code: str, question: str, at: dt.datetime | None = None
) -> Feedback:
    """Ask the sender for more, once, no later than 5 working days after receipt."""
    feedback = _lock(code)
    _officer_of(user, feedback, "request_info")
    _require_state(feedback, FeedbackState.RECEIVED, FeedbackState.ACCEPTED)
    now = at or timezone.now()
    if feedback.info_requested_at:
        raise Conflict("Đã yêu cầu bổ sung thông tin một lần.", code="feedback_info_already_asked")
    if now > feedback.info_limit_at:
        raise Conflict(
            "Đã quá thời hạn 5 ngày làm việc để yêu cầu bổ sung thông tin.",
            code="feedback_info_too_late",
        )
    question = _text(question, "question", "Vui lòng nêu thông tin cần bổ sung.")
    feedback.resume_state = feedback.state
    feedback.state = FeedbackState.NEEDS_INFO
    feedback.info_requested_at = now
    feedback.info_request = question
    feedback.due_step, feedback.due_at = "", None  # waiting for the sender
    feedback.save()
    _audit(feedback, "info_requested", user, {"question": question})
    _tell_sender_on_commit(feedback, "info_requested")
    return feedback


@transaction.atomic
def feedback_info_provide(
    *, code: str, text: str, user=None, reply_token: str = "", at: dt.datetime | None = None
) -> Feedback:
    """The sender adds what was asked: the feedback goes back where it was, its clock restarted
    from now (the agency could not work without the information)."""
    feedback = _lock(code)
    is_owner = (user is not None and user.is_authenticated and feedback.sender_id == user.pk) or (
        reply_token and secrets.compare_digest(hash_key(reply_token), feedback.reply_token_hash)
    )
    if not is_owner:
        raise NotFound("Không tìm thấy phản ánh.")
    _require_state(feedback, FeedbackState.NEEDS_INFO)
    text = _text(text, "text", "Vui lòng nhập thông tin bổ sung.")
    now = at or timezone.now()
    feedback.info_reply = text
    feedback.state = feedback.resume_state or FeedbackState.RECEIVED
    if feedback.state == FeedbackState.ACCEPTED:
        feedback.answer_due_at = due_date(now, days=ANSWER_DAYS, apply_cutoff=False)
        feedback.due_step, feedback.due_at = DueStep.ANSWER, feedback.answer_due_at
    else:
        feedback.accept_due_at = due_date(now, days=ACCEPT_DAYS, apply_cutoff=False)
        feedback.due_step, feedback.due_at = DueStep.ACCEPT, feedback.accept_due_at
    feedback.save()
    _audit(feedback, "info_provided", user, {"due_at": _iso(feedback.due_at)})
    return feedback


@transaction.atomic
def feedback_answer(*, user, code: str, answer: str, at: dt.datetime | None = None) -> Feedback:
    feedback = _lock(code)
    _officer_of(user, feedback, "answer")
    _require_state(feedback, FeedbackState.ACCEPTED)
    answer = _text(answer, "answer", "Vui lòng nhập nội dung trả lời.", max_length=10000)
    now = at or timezone.now()
    feedback.state = FeedbackState.ANSWERED
    feedback.answer = answer
    feedback.answered_at = now
    feedback.answered_by = user
    feedback.publish_due_at = due_date(now, days=PUBLISH_DAYS, apply_cutoff=False)
    feedback.due_step, feedback.due_at = DueStep.PUBLISH, feedback.publish_due_at
    feedback.save()
    _audit(feedback, "answered", user, {"publish_due_at": _iso(feedback.publish_due_at)})
    _tell_sender_on_commit(feedback, "answered")
    return feedback


def feedback_redact(feedback: Feedback, text: str) -> str:
    """``text`` with this feedback's sender data and every recognisable identifier removed."""
    names = [feedback.sender_name]
    if feedback.sender_id:
        profile = profile_of(feedback.sender)
        if profile is not None:
            names.append(profile.full_name)
    if feedback.dossier_id:
        names.append(feedback.dossier.applicant_name)
    return redact(text, names=names, addresses=[feedback.sender_address, feedback.address_string])


def feedback_public_texts(feedback: Feedback) -> tuple[str, str]:
    """What would be published: the redacted description and answer (for the officer to review)."""
    return feedback_redact(feedback, feedback.description), feedback_redact(
        feedback, feedback.answer
    )


@transaction.atomic
def feedback_publish(
    *,
    user,
    code: str,
    public_description: str = "",
    public_answer: str = "",
    at: dt.datetime | None = None,
) -> Feedback:
    """Publish the answer. The officer may edit the texts; both are redacted again whatever
    they say, so a slip cannot publish a phone number or the sender's name."""
    feedback = _lock(code)
    _officer_of(user, feedback, "publish")
    _require_state(feedback, FeedbackState.ANSWERED)
    now = at or timezone.now()
    feedback.public_description = feedback_redact(
        feedback, public_description.strip() or feedback.description
    )
    feedback.public_answer = feedback_redact(feedback, public_answer.strip() or feedback.answer)
    feedback.state = FeedbackState.PUBLISHED
    feedback.published_at = now
    feedback.due_step, feedback.due_at = "", None
    feedback.save()
    _audit(feedback, "published", user, {"published_at": _iso(now)})
    return feedback


# --------------------------------------------------------------------------- readers


def feedback_vote_useful(*, code: str, voter_key: str, useful: bool) -> FeedbackVote:
    """A reader marks a published answer useful or not: one vote per reader, the last one counts."""
    if not voter_key:
        raise ValidationFailed("Không xác định được người đánh giá.", code="feedback_no_voter")
    feedback = Feedback.objects.filter(code=code, state=FeedbackState.PUBLISHED).first()
    if feedback is None:
        raise NotFound("Không tìm thấy phản ánh.")
    with transaction.atomic():
        try:
            with transaction.atomic():
                vote, created = FeedbackVote.objects.get_or_create(
                    feedback=feedback, voter_key=voter_key, defaults={"useful": useful}
                )
        except IntegrityError:  # a concurrent first vote of the same reader
            vote, created = FeedbackVote.objects.get(feedback=feedback, voter_key=voter_key), False
        if not created and vote.useful != useful:
            vote.useful = useful
            vote.at = timezone.now()
            vote.save(update_fields=["useful", "at"])
    return vote


# --------------------------------------------------------------------------- reminders


def _agency_addresses(feedback: Feedback) -> list[str]:
    from chinhquyen.accounts.models import Profile

    emails = {feedback.agency.email} if feedback.agency.email else set()
    emails.update(
        Profile.objects.filter(agency_id=feedback.agency_id, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    return sorted(emails)


def feedback_remind_due(*, now: dt.datetime | None = None) -> int:
    """Remind the agency of each deadline that is near (≤ 1 working day left) or passed.

    Safe to run as often as wanted: a reminder row is unique per (feedback, step, due time,
    kind) and is claimed before sending, so each deadline gets one "due soon" and one "overdue"
    reminder however many workers or retries run. A failed send gives the claim back."""
    now = now or timezone.now()
    sent = 0
    candidates = Feedback.objects.select_related("agency").filter(
        due_at__isnull=False,
        state__in=[FeedbackState.RECEIVED, FeedbackState.ACCEPTED, FeedbackState.ANSWERED],
    )
    for feedback in candidates.iterator():
        state = deadline_state(feedback.due_at, now=now)
        if state == DeadlineState.ON_TIME:
            continue
        kind = "overdue" if state == DeadlineState.OVERDUE else "due_soon"
        try:
            with transaction.atomic():
                reminder = FeedbackReminder.objects.create(
                    feedback=feedback, step=feedback.due_step, due_at=feedback.due_at, kind=kind
                )
        except IntegrityError:
            continue  # already reminded of this deadline
        recipients = _agency_addresses(feedback)
        try:
            if recipients:
                send_mail(
                    _reminder_subject(feedback, kind),
                    _reminder_body(feedback, kind),
                    settings.DEFAULT_FROM_EMAIL,
                    recipients,
                )
        except Exception:
            logger.exception("feedback reminder %s failed; will retry", reminder.pk)
            reminder.delete()
            continue
        FeedbackReminder.objects.filter(pk=reminder.pk).update(recipients=len(recipients))
        sent += 1
    return sent


def _reminder_subject(feedback: Feedback, kind: str) -> str:
    step = DueStep(feedback.due_step).label
    if kind == "overdue":
        return f"[Quá hạn] Phản ánh {feedback.code}: {step}"
    return f"[Sắp đến hạn] Phản ánh {feedback.code}: {step}"


def _reminder_body(feedback: Feedback, kind: str) -> str:
    from chinhquyen.workdays.text import deadline_text

    due = deadline_text(feedback.due_at, language="vi", year=True)
    return (
        f"Phản ánh {feedback.code} ({feedback.get_kind_display()}) gửi {feedback.agency.name}.\n"
        f"Việc cần làm: {DueStep(feedback.due_step).label}.\n"
        f"Hạn: {due}.\n"
        f"{'Đã quá hạn.' if kind == 'overdue' else 'Còn không quá 1 ngày làm việc.'}\n"
    )


# --------------------------------------------------------------------------- sender messages


def _tell_sender_on_commit(feedback: Feedback, event: str) -> None:
    """E-mail the sender (if they left an address) after commit, through the task queue."""
    if not settings.NOTIFICATIONS_ENABLED or not feedback.sender_email:
        return
    from .tasks import feedback_tell_sender

    pk = feedback.pk
    transaction.on_commit(
        lambda: feedback_tell_sender.enqueue(feedback_id=pk, event=event), robust=True
    )


def feedback_sender_message(*, feedback_id: int, event: str) -> bool:
    feedback = Feedback.objects.filter(pk=feedback_id).first()
    if feedback is None or not feedback.sender_email:
        return False
    texts = {
        "refused": f"Phản ánh {feedback.code} không được tiếp nhận. Lý do: {feedback.refusal_reason}",
        "info_requested": f"Phản ánh {feedback.code} cần bổ sung thông tin: {feedback.info_request}",
        "answered": f"Phản ánh {feedback.code} đã được trả lời:\n\n{feedback.answer}",
    }
    send_mail(
        f"Phản ánh {feedback.code}",
        texts.get(event, ""),
        settings.DEFAULT_FROM_EMAIL,
        [feedback.sender_email],
    )
    return True


# --------------------------------------------------------------------------- Open311 clients


def open311_client_create(*, name: str, contact: str = "", actor=None) -> tuple[Open311Client, str]:
    """A new client and its raw API key (shown once; only its hash is kept)."""
    name = _text(name, "name", "Vui lòng nhập tên ứng dụng.", max_length=120)
    raw = "o311_" + secrets.token_urlsafe(30)
    with transaction.atomic():
        client = Open311Client.objects.create(
            name=name, contact=contact, key_hash=hash_key(raw), key_prefix=raw[:8]
        )
        audit_record(
            event="open311.client_created",
            object_type="open311_client",
            object_id=str(client.pk),
            actor=actor,
            changes={"name": name, "prefix": client.key_prefix},
            new_object=True,
        )
    return client, raw


def open311_client_revoke(*, client_id: int, actor=None) -> Open311Client:
    with transaction.atomic():
        client = Open311Client.objects.select_for_update().filter(pk=client_id).first()
        if client is None:
            raise NotFound("Không tìm thấy ứng dụng.")
        client.is_active = False
        client.save(update_fields=["is_active"])
        audit_record(
            event="open311.client_revoked",
            object_type="open311_client",
            object_id=str(client.pk),
            actor=actor,
            changes={"is_active": [True, False]},
        )
    return client


def open311_client_authenticate(raw: str) -> Open311Client | None:
    if not raw:
        return None
    client = Open311Client.objects.filter(key_hash=hash_key(raw), is_active=True).first()
    if client is not None:
        Open311Client.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client
