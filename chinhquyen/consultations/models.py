"""Consultations: before an agency puts a service online, citizens see the draft, comment,
answer a short survey and vote; the service goes online only if the consultation's rule is met.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chinhquyen.catalogue.models import OnlineMode


class Consultation(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Đang lấy ý kiến")
        CLOSED = "closed", _("Đã kết thúc")
        LAUNCHED = "launched", _("Đã đưa lên trực tuyến")

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Đạt")
        REJECTED = "rejected", _("Không đạt")

    procedure = models.ForeignKey(
        "catalogue.Procedure", on_delete=models.PROTECT, related_name="consultations"
    )
    agency = models.ForeignKey("units.Agency", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("tiêu đề"), max_length=300)
    purpose = models.TextField(_("mục đích, nội dung xin ý kiến"))
    planned_mode = models.CharField(
        _("mức độ dự kiến"),
        max_length=8,
        choices=[c for c in OnlineMode.choices if c[0] != OnlineMode.NONE],
    )
    # The draft as the citizen would see it: steps, e-form and documents, frozen at opening.
    draft_steps = models.TextField(_("trình tự dự kiến khi thực hiện trực tuyến"))
    draft_form_schema = models.JSONField(default=dict)
    draft_documents = models.JSONField(default=list)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    # The rule: at least ``min_votes`` votes and at least ``threshold_percent`` of them in favour.
    threshold_percent = models.PositiveSmallIntegerField(_("tỷ lệ đồng ý tối thiểu (%)"))
    min_votes = models.PositiveIntegerField(_("số phiếu tối thiểu"))
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="consultation_period"
            ),
            models.CheckConstraint(
                condition=models.Q(threshold_percent__gte=1, threshold_percent__lte=100),
                name="consultation_threshold",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_accepting(self, now=None) -> bool:
        now = now or timezone.now()
        return self.state == self.State.OPEN and self.opens_at <= now < self.closes_at


class Participation(models.Model):
    """One per account and consultation: the vote and the survey answers. A retry or a second
    click updates this row; it never adds a vote."""

    class Vote(models.TextChoices):
        FOR = "for", _("Đồng ý")
        AGAINST = "against", _("Không đồng ý")

    class WouldUse(models.TextChoices):
        YES = "yes", _("Có")
        MAYBE = "maybe", _("Có thể")
        NO = "no", _("Không")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="participations"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    vote = models.CharField(max_length=8, choices=Vote.choices)
    would_use = models.CharField(max_length=5, choices=WouldUse.choices)
    missing = models.TextField(_("còn thiếu gì"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "user"], name="one_vote_per_account")
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id}/{self.user_id}: {self.vote}"


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ kiểm duyệt")
        PUBLISHED = "published", _("Đã đăng")
        REJECTED = "rejected", _("Không đăng")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=4000)
    # What the public reads: the text with personal data removed, set at moderation.
    public_text = models.TextField(blank=True)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PENDING)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True, max_length=4000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A double click posts the same token twice: one comment.
    token = models.CharField(max_length=64)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["author", "token"], name="one_comment_per_token")
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id}#{self.pk}"


class LaunchDecision(models.Model):
    """The catalogue's record of a service put online after a consultation: the decision, the
    consultation it rests on, and the procedure version it created."""

    consultation = models.OneToOneField(
        Consultation, on_delete=models.PROTECT, related_name="decision"
    )
    version = models.OneToOneField(
        "catalogue.ProcedureVersion", on_delete=models.PROTECT, related_name="launch_decision"
    )
    decision_number = models.CharField(_("số quyết định"), max_length=120)
    decision_date = models.DateField(_("ngày quyết định"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.decision_number
