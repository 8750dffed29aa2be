"""The procedure catalogue (DOMAIN.md §2). A procedure is an identity (its national code); what it
says is held in versions. Editing creates a new version; a dossier points at the version it was
received under, so its time limit, fees and form never change under it."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class OnlineMode(models.TextChoices):
    FULL = "full", _("Toàn trình")  # fully online
    PARTIAL = "partial", _("Một phần")  # partly online
    NONE = "none", _("Không trực tuyến")  # information only


class TimeUnit(models.TextChoices):
    DAYS = "days", _("ngày làm việc")
    HOURS = "hours", _("giờ làm việc")


class ProcedureLevel(models.TextChoices):
    CENTRAL = "central", _("Cấp Trung ương")
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")


class Field(models.Model):
    """Lĩnh vực: the field a procedure belongs to (Hộ tịch, Xây dựng, ...)."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Procedure(models.Model):
    code = models.CharField(_("mã thủ tục"), max_length=40, unique=True)
    current = models.OneToOneField(
        "ProcedureVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agencies = models.ManyToManyField(
        "units.Agency", blank=True, related_name="procedures", help_text="Agencies that receive it"
    )
    workflow = models.ForeignKey(
        "dossiers.Workflow",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="procedures",
    )
    # How the agency issues the result (an operating choice, not part of the published version):
    # an electronic result is signed by the competent person and sealed before it is issued.
    electronic_result = models.BooleanField(_("kết quả là văn bản điện tử"), default=False)
    # None: approving without a signature is allowed only when the result is not electronic.
    unsigned_approval = models.BooleanField(
        _("cho phép phê duyệt không ký số"), null=True, blank=True, default=None
    )
    # "Also searched as": how people name this procedure when they do not know its name ("sổ
    # đỏ", "làm giấy khai sinh"). A search aid kept on the procedure, not part of the published
    # version: adding a phrase must not make a new version of the procedure's legal content.
    # Written by ``procedure_search_phrases_set``; carried by the interchange format.
    search_phrases = models.JSONField(_("cụm từ tìm kiếm khác"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def signature_required(self) -> bool:
        """Must the result carry the competent person's signature (and the seal) before the
        dossier is approved and issued?"""
        if self.unsigned_approval is None:
            return self.electronic_result
        return not self.unsigned_approval


class ProcedureVersion(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    # The seven mandatory components: name, steps, method, documents (RequiredDocument rows),
    # processing time, applicants, implementing agency.
    name = models.CharField(_("tên thủ tục"), max_length=500)
    search_text = models.TextField(
        editable=False, default="", help_text="Name, code and field folded to ASCII lower case"
    )
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="versions")
    levels = models.JSONField(default=list, help_text="ProcedureLevel values")
    online_mode = models.CharField(max_length=8, choices=OnlineMode.choices)
    legacy_level = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Decree 43/2011 level 1–4"
    )
    steps = models.TextField(_("trình tự thực hiện"))
    method = models.TextField(_("cách thức thực hiện"))
    processing_time = models.DecimalField(max_digits=6, decimal_places=1)
    time_unit = models.CharField(max_length=5, choices=TimeUnit.choices, default=TimeUnit.DAYS)
    processing_time_note = models.CharField(max_length=500, blank=True)
    applicants = models.TextField(_("đối tượng thực hiện"))
    implementing_agency = models.TextField(_("cơ quan thực hiện"))
    fees = models.JSONField(default=list, help_text='[{"name", "amount" (VND), "note"}]')
    result_type = models.TextField(_("kết quả thực hiện"))
    legal_basis = models.JSONField(default=list, help_text="List of legal documents")
    requirements = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    decision_number = models.CharField(_("quyết định công bố"), max_length=120, blank=True)
    decision_date = models.DateField(null=True, blank=True)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    form_schema = models.JSONField(default=dict, help_text="JSON Schema of the e-form")
    # Part of the version's content (the interchange format's `agency_kinds`), so that an export
    # carries it even where no agency of those kinds exists yet; Procedure.agencies holds the
    # actual links made from it.
    agency_kinds = models.JSONField(default=list, blank=True, help_text="units.AgencyKind values")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["procedure", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "version"], name="procedure_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.version}: {self.name}"

    @property
    def total_fee(self) -> Decimal:
        return sum((Decimal(str(f.get("amount", 0))) for f in self.fees), Decimal(0))


class RequiredDocument(models.Model):
    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="documents"
    )
    code = models.CharField(max_length=40, help_text="Slot key used by the e-form and uploads")
    name = models.CharField(max_length=500)
    originals = models.PositiveSmallIntegerField(default=1)
    copies = models.PositiveSmallIntegerField(default=0)
    is_required = models.BooleanField(default=True)
    template_name = models.CharField(max_length=200, blank=True)
    template_url = models.CharField(max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="required_document_unique_code"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SearchQueryStat(models.Model):
    """How one query fared on one day, and nothing about who searched (no account, address or
    session; personal numbers and e-mails are removed from the query before it is kept:
    ``searchlog.search_query_clean``). What the catalogue admin reads to add a synonym or an
    "also searched as" phrase where people did not find what they meant."""

    query = models.CharField(_("truy vấn"), max_length=200)
    day = models.DateField(_("ngày"))
    searches = models.PositiveIntegerField(_("lượt tìm"), default=0)
    empty = models.PositiveIntegerField(_("không có kết quả"), default=0)
    refined = models.PositiveIntegerField(_("tìm lại ngay"), default=0)
    opened = models.PositiveIntegerField(_("mở một kết quả"), default=0)

    class Meta:
        verbose_name = _("thống kê tìm kiếm")
        verbose_name_plural = _("thống kê tìm kiếm")
        constraints = [
            models.UniqueConstraint(fields=["query", "day"], name="search_query_stat_unique")
        ]
        indexes = [models.Index(fields=["day"], name="search_query_stat_day")]

    def __str__(self) -> str:
        return f"{self.query} ({self.day:%d/%m/%Y})"


class SearchTermKind(models.TextChoices):
    # A phrase people type, searched also as the catalogue's words ("sổ đỏ" → "giấy chứng nhận
    # quyền sử dụng đất"; a spelling variant "kí" → "ký").
    SYNONYM = "synonym", _("Từ đồng nghĩa, cách viết khác")
    # A word or phrase that carries no meaning in a request ("làm", "xin", "thủ tục"): it
    # weighs little in the ranking.
    FILLER = "filler", _("Từ không mang nghĩa tìm kiếm")


class SearchTerm(models.Model):
    """The words people use, as data: the catalogue admin's synonym, spelling and filler table
    (search.py reads it; services ``search_term_save`` / ``search_term_delete`` write it; the
    interchange format carries it as ``search_terms``)."""

    kind = models.CharField(_("loại"), max_length=8, choices=SearchTermKind.choices)
    phrase = models.CharField(_("cụm từ người dân gõ"), max_length=200)
    key = models.CharField(max_length=200, editable=False, help_text="fold(phrase)")
    target = models.CharField(
        _("tìm cả"), max_length=300, blank=True, help_text=_("Từ ngữ trong danh mục thủ tục")
    )
    note = models.TextField(
        _("ghi chú cho người tìm"),
        blank=True,
        help_text=_("Hiển thị trên trang kết quả khi từ này được dùng để tìm"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("từ tìm kiếm")
        verbose_name_plural = _("từ đồng nghĩa và từ đệm tìm kiếm")
        ordering = ["kind", "key", "target"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "target"], name="search_term_unique")
        ]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.target}" if self.target else self.phrase


class SearchIndexStamp(models.Model):
    """One row whose token changes with every write that changes what search sees (a new
    version, a renamed field, a search term, a procedure's phrases). Each process keeps its own
    search index and rebuilds it when the stamp it read differs (search.py). A fresh random
    token, not a counter: a rolled-back write must not let a later one reuse its value."""

    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.token
