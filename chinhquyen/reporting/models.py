"""The national reporting centre (DOMAIN.md §0, §5, §7): the indicator catalogue as dated data,
per-day counters maintained as dossiers move, and the provinces' signed periodic reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Indicator(models.Model):
    """The identity of an indicator. What it means and how it is computed is in its versions."""

    code = models.CharField(max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.code

    def version_on(self, day) -> IndicatorVersion | None:
        for version in self.versions.all():
            if version.is_valid_on(day):
                return version
        return None


class IndicatorVersion(models.Model):
    """One definition of an indicator, in force during [valid_from, valid_to)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="versions")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    group = models.CharField(max_length=60, blank=True, help_text="e.g. d766.online")
    name = models.CharField(max_length=300)
    definition = models.TextField()
    formula = models.JSONField(
        help_text="Formula over the platform's facts (see docs/reporting.md)"
    )
    formula_ref = models.CharField(max_length=300, blank=True, help_text="Legal source")
    unit_of_measure = models.CharField(max_length=30)
    disaggregations = models.JSONField(default=list)
    target = models.JSONField(null=True, blank=True)
    scoring = models.JSONField(null=True, blank=True, help_text="How points are given")
    classes = models.JSONField(default=list, blank=True, help_text="Classification thresholds")
    public = models.BooleanField(default=True, help_text="Published results may be read by anyone")

    class Meta:
        ordering = ["indicator", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "valid_from"], name="indicator_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} từ {self.valid_from:%d/%m/%Y}"

    def is_valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


COUNTER_FIELDS = (
    "submitted",
    "submitted_online",
    "accepted",
    "refused",
    "finished",
    "finished_on_time",
    "finished_late",
    "finished_e_result",
    "evaluations",
    "evaluation_points",
    "returned",  # results handed back through the one-stop (Circular 01/2018 indicator 5)
)


class Counts(models.Model):
    """The counted facts (``COUNTER_FIELDS``), shared by the daily rows and their roll-ups."""

    submitted = models.PositiveIntegerField(default=0)
    submitted_online = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    finished = models.PositiveIntegerField(default=0)
    finished_on_time = models.PositiveIntegerField(default=0)
    finished_late = models.PositiveIntegerField(default=0)
    finished_e_result = models.PositiveIntegerField(default=0)
    evaluations = models.PositiveIntegerField(default=0)
    evaluation_points = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyCounter(Counts):
    """Per (agency, procedure, day in Vietnam) counts, incremented by one upsert per dossier
    event, so that adding a dossier costs the same however many there are."""

    agency = models.ForeignKey("units.Agency", on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey("catalogue.Procedure", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "procedure", "day"], name="reporting_counter_unique"
            )
        ]
        indexes = [models.Index(fields=["day", "agency"], name="reporting_counter_day_idx")]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.procedure_id} {self.day}"


class SealedHalf(models.Model):
    """A half-month (the 1st to the cut-off day, the day after it to the month's end) whose daily
    counters have been rolled up into ``AgencyHalfCounter`` and ``OnlineUse`` (see ``rollups.py``).
    Every reporting period, calendar or Decree 09, is a run of whole half-months."""

    start = models.DateField(unique=True)
    end = models.DateField()
    sealed_at = models.DateTimeField()
    agencies = models.PositiveIntegerField(default=0, help_text="Rows rolled up")
    revision = models.PositiveIntegerField(
        default=0, help_text="Back-dated writes added since the seal (cached answers key on it)"
    )

    class Meta:
        ordering = ["start"]

    def __str__(self) -> str:
        return f"{self.start}–{self.end}"


class AgencyHalfCounter(Counts):
    """The daily counters of one agency summed over one sealed half-month. Written once, when
    the half is sealed; later only by a back-dated event (demo data, imports)."""

    agency = models.ForeignKey("units.Agency", on_delete=models.CASCADE, related_name="+")
    start = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "start"], name="reporting_half_unique")
        ]
        indexes = [models.Index(fields=["start"], name="reporting_half_start_idx")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.start}"


class ProcedureHalfCounter(Counts):
    """The daily counters of one agency and procedure summed over one sealed half-month: the
    drill-down to procedures reads these instead of the daily rows."""

    agency = models.ForeignKey("units.Agency", on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey("catalogue.Procedure", on_delete=models.CASCADE, related_name="+")
    start = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "procedure", "start"], name="reporting_proc_half_unique"
            )
        ]
        indexes = [models.Index(fields=["start", "agency"], name="reporting_proc_half_idx")]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.procedure_id} {self.start}"


class OnlineUse(models.Model):
    """Which sealed half-months of ``year`` an (agency, procedure) received at least one online
    dossier in: bit i of ``halves`` is half i of the year (0 = 1–14 January). One row per pair
    and year keeps "services with at least one online dossier" a small read for any period."""

    agency = models.ForeignKey("units.Agency", on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey("catalogue.Procedure", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    halves = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "procedure", "year"], name="reporting_online_use_unique"
            )
        ]
        indexes = [models.Index(fields=["year", "agency"], name="reporting_online_use_idx")]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.procedure_id} {self.year}: {self.halves:024b}"


class Report(models.Model):
    """The periodic report of one province for one Decree 09/2019 period (central side)."""

    unit = models.ForeignKey("units.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=30)
    current = models.OneToOneField(
        "ReportSubmission", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="report_unit_period_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period}"


class ReportSubmission(models.Model):
    """One accepted version of a report: the first one or a correction. Never changed."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="submissions")
    seq = models.PositiveIntegerField()
    sender_agency = models.ForeignKey("units.Agency", on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField()
    channel = models.CharField(max_length=8, default="api", help_text="api or xlsx")
    payload = models.JSONField(help_text="The signed report, exactly as received")
    payload_sha256 = models.CharField(max_length=64)
    signature = models.TextField(help_text="Base64 RSA PKCS#1 v1.5 SHA-256 signature")
    certificate = models.TextField(help_text="PEM of the signing certificate")
    signer = models.CharField(max_length=300)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["report", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["report", "seq"], name="report_submission_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report} #{self.seq}"


class ReportValue(models.Model):
    submission = models.ForeignKey(
        ReportSubmission, on_delete=models.PROTECT, related_name="values"
    )
    indicator = models.CharField(max_length=60)
    unit = models.CharField(max_length=40, help_text="Scope key: province:31, agency:…")
    period = models.CharField(max_length=30)
    value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["indicator", "unit", "period"])]

    def __str__(self) -> str:
        return f"{self.indicator} {self.unit} {self.period} = {self.value}"


class Completeness(models.TextChoices):
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Muộn")
    MISSING = "missing", _("Chưa gửi (quá hạn)")
    PENDING = "pending", _("Chưa đến hạn")
