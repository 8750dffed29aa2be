"""Feedback (phản ánh, kiến nghị — PAKN) from citizens and businesses, its deadlines, reminders,
published answers, usefulness votes, and the API keys of Open311 clients.

Personal data (sender name, e-mail, phone, address, the raw description and answer, attachments,
media URL, location address) lives only on ``Feedback`` and is read by the sender and the officers
of the agency it is routed to. The public reads ``public_description`` / ``public_answer``, which
are written at publication through ``core.redaction.redact``.
"""

from __future__ import annotations

import hashlib
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FeedbackKind(models.TextChoices):
    """What the feedback is about; each kind is one Open311 service (its service_code)."""

    DOSSIER = "ho-so", _("Phản ánh về hồ sơ")
    PROCEDURE = "thu-tuc", _("Phản ánh, kiến nghị về thủ tục hành chính")
    AGENCY = "co-quan", _("Phản ánh về cơ quan, cán bộ")


class FeedbackState(models.TextChoices):
    RECEIVED = "received", _("Chờ tiếp nhận")  # sent; accept or refuse within 2 working days
    NEEDS_INFO = "needs_info", _("Chờ bổ sung thông tin")  # the sender was asked for more
    ACCEPTED = "accepted", _("Đang xử lý")  # accepted; answer within 15 working days
    ANSWERED = "answered", _("Đã trả lời, chờ công khai")  # publish within 2 working days
    PUBLISHED = "published", _("Đã công khai trả lời")  # final; visible to the public
    REFUSED = "refused", _("Không tiếp nhận")  # final; the reason is told to the sender


# Decimals of the coordinates shown to the public: 3 ≈ 110 m of latitude.
PUBLIC_LOCATION_PLACES = 3

OPEN_STATES = (
    FeedbackState.RECEIVED,
    FeedbackState.NEEDS_INFO,
    FeedbackState.ACCEPTED,
    FeedbackState.ANSWERED,
)


class FeedbackChannel(models.TextChoices):
    WEB = "web", _("Cổng dịch vụ công")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")


class DueStep(models.TextChoices):
    """The officer's obligation that ``Feedback.due_at`` measures."""

    ACCEPT = "accept", _("Tiếp nhận hoặc từ chối")
    ANSWER = "answer", _("Trả lời")
    PUBLISH = "publish", _("Công khai trả lời")


def new_feedback_code() -> str:
    """PA-YYMMDD-XXXXXX: readable over the phone, not guessable, no 0/O or 1/I confusion."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    tail = "".join(secrets.choice(alphabet) for _ in range(6))
    return f"PA-{timezone.localdate():%y%m%d}-{tail}"


def feedback_upload_to(instance: FeedbackAttachment, filename: str) -> str:
    return f"feedback/{instance.feedback.code}/{secrets.token_hex(8)}-{filename}"


class Feedback(models.Model):
    code = models.CharField(_("mã phản ánh"), max_length=20, unique=True)
    kind = models.CharField(_("loại"), max_length=10, choices=FeedbackKind.choices)
    state = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=FeedbackState.choices,
        default=FeedbackState.RECEIVED,
    )
    channel = models.CharField(max_length=10, choices=FeedbackChannel.choices)
    agency = models.ForeignKey(
        "units.Agency", on_delete=models.PROTECT, related_name="feedback", verbose_name=_("cơ quan")
    )
    procedure = models.ForeignKey(
        "catalogue.Procedure", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("tiêu đề"), max_length=200)
    # --- personal data: never rendered on public pages or in public API answers ---
    description = models.TextField(_("nội dung"))
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_sent",
    )
    sender_name = models.CharField(max_length=120, blank=True)
    sender_email = models.EmailField(blank=True)
    sender_phone = models.CharField(max_length=20, blank=True)
    sender_address = models.CharField(max_length=255, blank=True)
    address_string = models.CharField(max_length=255, blank=True)  # where the problem is
    media_url = models.URLField(max_length=500, blank=True)
    # Lets an anonymous sender come back to add information (only its hash is stored).
    reply_token_hash = models.CharField(max_length=64, blank=True)
    # --- location: the commune is published with the answer, the coordinates only rounded ---
    unit = models.ForeignKey(
        "units.AdministrativeUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("xã, phường"),
    )
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # --- workflow ---
    received_at = models.DateTimeField()
    accept_due_at = models.DateTimeField()
    info_limit_at = models.DateTimeField()  # asking for more is allowed until then (≤ 5 days)
    accepted_at = models.DateTimeField(null=True, blank=True)
    answer_due_at = models.DateTimeField(null=True, blank=True)
    info_requested_at = models.DateTimeField(null=True, blank=True)
    info_request = models.TextField(blank=True)
    info_reply = models.TextField(blank=True)
    resume_state = models.CharField(max_length=12, blank=True)  # where NEEDS_INFO goes back to
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    publish_due_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    refused_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    # The officer's current obligation and its due time (None when nothing is owed).
    due_step = models.CharField(max_length=10, choices=DueStep.choices, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    # --- public, redacted at publication ---
    public_description = models.TextField(blank=True)
    public_answer = models.TextField(blank=True)
    # --- idempotency: one feedback per (scope, key) ---
    idem_scope = models.CharField(max_length=80, blank=True)
    idem_key = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        constraints = [
            models.UniqueConstraint(
                fields=["idem_scope", "idem_key"],
                condition=~Q(idem_key=""),
                name="feedback_one_per_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["agency", "state", "due_at"]),
            models.Index(fields=["state", "published_at"]),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_anonymous(self) -> bool:
        return self.sender_id is None and not self.sender_name

    def public_location(self) -> tuple[Decimal, Decimal] | None:
        """The coordinates as published: rounded to 3 decimals (about 100 m). A location sent
        with "Dùng vị trí của tôi" is often where the sender stands or lives; the officers see
        it exactly, the public only the neighbourhood."""
        if self.lat is None or self.long is None:
            return None
        step = Decimal(1).scaleb(-PUBLIC_LOCATION_PLACES)
        return Decimal(self.lat).quantize(step), Decimal(self.long).quantize(step)

    def can_request_info(self, now) -> bool:
        return (
            self.state in (FeedbackState.RECEIVED, FeedbackState.ACCEPTED)
            and not self.info_requested_at
            and now <= self.info_limit_at
        )


class FeedbackAttachment(models.Model):
    """A file sent with the feedback. Never published: it may show the sender."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=255)
    file = models.FileField(upload_to=feedback_upload_to, max_length=400)
    content_type = models.CharField(max_length=60)
    size = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return self.name


class FeedbackVote(models.Model):
    """A reader's "useful / not useful" on a published answer: one per reader, changeable."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="votes")
    voter_key = models.CharField(max_length=64)  # "u:<user id>" or "d:" + hash of the device cookie
    useful = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feedback", "voter_key"], name="feedback_one_vote")
        ]

    def __str__(self) -> str:
        return f"{self.feedback_id}:{'+' if self.useful else '-'}"


class FeedbackReminder(models.Model):
    """A reminder sent to the agency about one deadline: the unique key makes it once only."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="reminders")
    step = models.CharField(max_length=10, choices=DueStep.choices)
    due_at = models.DateTimeField()
    kind = models.CharField(max_length=10, default="due_soon")  # due_soon | overdue
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["feedback", "step", "due_at", "kind"], name="feedback_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.feedback_id}:{self.step}:{self.kind}"


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Open311Client(models.Model):
    """An application allowed to create requests through Open311 (its ``api_key``).

    Only the SHA-256 of the key is stored; the raw key is shown once, when it is made
    (``manage.py open311_key create`` or the admin)."""

    name = models.CharField(_("tên ứng dụng"), max_length=120)
    contact = models.CharField(_("liên hệ"), max_length=200, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(max_length=8, editable=False)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ứng dụng Open311")
        verbose_name_plural = _("ứng dụng Open311")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"
