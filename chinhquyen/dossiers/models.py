"""Dossiers (hồ sơ) and the configurable workflow they move through (DOMAIN.md §3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _


class Channel(models.IntegerChoices):
    COUNTER = 1, _("Trực tiếp")  # at the counter
    ONLINE = 2, _("Trực tuyến")  # online
    POST = 3, _("Bưu chính công ích")  # by public postal service


class NationalStatus(models.IntegerChoices):
    """Status codes used to synchronise with the national public-service portal."""

    SUBMITTED = 1, _("Mới đăng ký")
    ACCEPTED = 2, _("Đã tiếp nhận")
    REFUSED = 3, _("Không tiếp nhận")
    IN_PROCESS = 4, _("Đang xử lý")
    SUPPLEMENT = 5, _("Yêu cầu bổ sung giấy tờ")
    PAYMENT = 6, _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = 7, _("Công dân yêu cầu rút hồ sơ")
    STOPPED = 8, _("Dừng xử lý")
    DONE = 9, _("Đã xử lý xong")
    RETURNED = 10, _("Đã trả kết quả")


class Workflow(models.Model):
    """States with their share of the time limit and actions with roles: eGov DIGIT's idea."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name


class WorkflowState(models.Model):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="states")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    national_status = models.PositiveSmallIntegerField(choices=NationalStatus.choices)
    time_share = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text="Share (%) of the time limit for this state",
    )
    is_initial = models.BooleanField(default=False)
    is_final = models.BooleanField(default=False)
    pauses_clock = models.BooleanField(default=False, help_text="Waiting for the applicant")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["workflow", "position"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "code"], name="workflow_state_unique")
        ]

    def __str__(self) -> str:
        return f"{self.workflow.code}:{self.code}"


class WorkflowAction(models.Model):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="actions")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    from_states = models.ManyToManyField(WorkflowState, related_name="outgoing")

    class Target(models.TextChoices):
        STATE = "state", _("Chuyển sang trạng thái to_state")
        STAY = "stay", _("Giữ nguyên trạng thái")  # forward, extend, assign again
        RESUME = "resume", _("Trở lại trạng thái trước khi tạm dừng")  # after supplement, payment

    target = models.CharField(max_length=8, choices=Target.choices, default=Target.STATE)
    to_state = models.ForeignKey(
        WorkflowState, null=True, blank=True, on_delete=models.PROTECT, related_name="incoming"
    )
    roles = models.JSONField(default=list, help_text="accounts.Role values allowed to act")
    owner_may_act = models.BooleanField(default=False, help_text="The applicant may take it")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["workflow", "position"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "code"], name="workflow_action_unique")
        ]

    def __str__(self) -> str:
        return f"{self.workflow.code}:{self.code}"


class Dossier(models.Model):
    code = models.CharField(max_length=60, unique=True)
    procedure = models.ForeignKey(
        "catalogue.Procedure", on_delete=models.PROTECT, related_name="dossiers"
    )
    procedure_version = models.ForeignKey(
        "catalogue.ProcedureVersion", on_delete=models.PROTECT, related_name="dossiers"
    )
    workflow = models.ForeignKey(Workflow, on_delete=models.PROTECT, related_name="dossiers")
    # No index of its own for agency and applicant: the (agency, state) and (applicant,
    # -submitted_at) indexes below start with them. Every index is written on every submission.
    agency = models.ForeignKey(
        "units.Agency", on_delete=models.PROTECT, related_name="dossiers", db_index=False
    )
    channel = models.PositiveSmallIntegerField(choices=Channel.choices)
    state = models.CharField(max_length=40)
    status_code = models.PositiveSmallIntegerField(choices=NationalStatus.choices)
    resume_state = models.CharField(
        max_length=40, blank=True, help_text="State to return to after a pause"
    )

    # Applicant. The identifiers are personal data: never on public pages or in logs.
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
        db_index=False,
    )
    applicant_name = models.CharField(max_length=200)
    applicant_id_number = models.CharField(max_length=20, blank=True)
    applicant_phone = models.CharField(max_length=20, blank=True)
    applicant_email = models.EmailField(blank=True)
    applicant_address = models.CharField(max_length=300, blank=True)
    form_data = models.JSONField(default=dict)

    submitted_at = models.DateTimeField()
    received_at = models.DateTimeField(
        null=True, blank=True, help_text="Accepted: the clock starts"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    state_due_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_total_seconds = models.PositiveBigIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    supplement_count = models.PositiveSmallIntegerField(default=0)
    repeated_supplement = models.BooleanField(
        default=False, help_text="Second request: counts as late"
    )
    extension_count = models.PositiveSmallIntegerField(default=0)
    original_due_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_dossiers",
    )
    payment_amount = models.DecimalField(max_digits=14, decimal_places=0, null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    result_code = models.CharField(max_length=80, blank=True)
    result_summary = models.TextField(blank=True)
    history_length = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["agency", "state"]),
            models.Index(fields=["applicant", "-submitted_at"]),
            models.Index(fields=["due_at"]),
        ]

    def __str__(self) -> str:
        return self.code


class DossierEvent(models.Model):
    """Append-only history: one row per transition, with who, when, comment and files."""

    # No index of its own: the unique (dossier, seq) below starts with it.
    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=40, blank=True)
    to_state = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=20, blank=True)
    agency = models.ForeignKey(
        "units.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["dossier", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "seq"], name="dossier_event_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Dossier history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Dossier history is append-only")


# The extension a stored file gets, from its type as checked by content (dossiers/files.py).
STORED_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
FILE_NAME_MAX_LENGTH = 255  # DossierFile.name: any name a file system allows (255 bytes)
# Letters of the person's name kept in the stored name, as a hint for whoever reads the folder.
STORED_STEM_LENGTH = 40


def dossier_upload_to(instance: DossierFile, filename: str) -> str:
    """A generated name, safe on every file system: the content digest, an ASCII hint of the
    name and the extension of the checked type (``2f1c…-to-khai-khai-sinh.pdf``). The name the
    person gave, in full, stays in ``DossierFile.name`` for pages and downloads: a file system
    holds at most 255 bytes per name, which 86 Vietnamese letters of 3 bytes already fill."""
    stem = slugify(filename.rsplit(".", 1)[0])[:STORED_STEM_LENGTH].strip("-_") or "tep"
    extension = STORED_EXTENSIONS.get(instance.content_type, "")
    folder = f"dossiers/{instance.dossier.submitted_at:%Y/%m}/{instance.dossier.code}"
    return f"{folder}/{instance.sha256[:16]}-{stem}{extension}"


def display_name(name: str) -> str:
    """The name shown for a file: as given, cut to the column's 255 characters with its
    extension kept."""
    limit = FILE_NAME_MAX_LENGTH
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        return name[:limit]
    return f"{stem[: limit - len(extension) - 1]}.{extension}"


class SignedAs(models.TextChoices):
    PERSONAL = "personal", _("Đã ký số cá nhân")
    AGENCY = "agency", _("Đã ký số cơ quan")
    COPY = "copy", _("Bản sao điện tử")


class DossierFile(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="files")
    event = models.ForeignKey(
        DossierEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="files"
    )
    document_code = models.CharField(max_length=40, blank=True)
    name = models.CharField(max_length=FILE_NAME_MAX_LENGTH)  # as the person named it
    file = models.FileField(upload_to=dossier_upload_to, max_length=400)
    content_type = models.CharField(max_length=60)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    is_result = models.BooleanField(default=False)
    # A signed file is a new file made from an earlier one (the draft, then the personally
    # signed copy); only the last of a line is the dossier's official result.
    derived_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="derivatives"
    )
    signed_as = models.CharField(max_length=10, choices=SignedAs.choices, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["dossier", "uploaded_at"]

    def __str__(self) -> str:
        return self.name


class StepKind(models.TextChoices):
    FORWARD = "forward", _("Liên thông xử lý")
    CONSULT = "consult", _("Lấy ý kiến")


class DossierStep(models.Model):
    """An inter-agency step or consultation, with its own deadline."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(max_length=10, choices=StepKind.choices)
    agency = models.ForeignKey(
        "units.Agency", on_delete=models.PROTECT, related_name="dossier_steps"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    answer = models.TextField(blank=True)

    class Meta:
        ordering = ["dossier", "requested_at"]
        indexes = [models.Index(fields=["agency", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.agency_id}"


class DossierCounter(models.Model):
    """Per-agency daily sequence for dossier codes. Incremented with one atomic upsert."""

    agency = models.ForeignKey(  # indexed by the unique (agency, day)
        "units.Agency", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="dossier_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.last}"


class IdempotencyRecord(models.Model):
    """Remembers the answer to a request made with an Idempotency-Key, per user."""

    user = models.ForeignKey(  # indexed by the unique (user, key)
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique")]

    def __str__(self) -> str:
        return self.key


class DossierEvaluation(models.Model):
    """The applicant's evaluation of a finished dossier (Circular 01/2018 Art. 13): the
    indicators scored per dossier, 2/1/0 points each. Given once."""

    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="evaluation")
    scores = models.JSONField(help_text='{"1": 2, "2": 1, …} for the per-dossier indicators')
    total = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)

    class Channel(models.TextChoices):
        ONLINE = "online", "Trực tuyến"
        KIOSK = "kiosk", "Máy đánh giá tại bộ phận một cửa"

    # The applicant's account online; empty at the counter's kiosk (no login there).
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    channel = models.CharField(max_length=6, choices=Channel.choices, default=Channel.ONLINE)

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.total}"
