"""Certificate authorities we run or trust, and the identities officers and agencies sign with."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CertificateAuthority(models.Model):
    """A CA certificate: the development root created by ``chinhquyen pki init-ca`` (with its
    encrypted key under ``var/keys/``) or a root imported only to be trusted."""

    name = models.CharField(_("tên"), max_length=200, unique=True)
    certificate_pem = models.TextField(_("chứng thư (PEM)"))
    key_path = models.CharField(_("tệp khóa"), max_length=400, blank=True)
    crl_url = models.URLField(_("địa chỉ CRL"), blank=True)
    ocsp_url = models.URLField(_("địa chỉ OCSP"), blank=True)
    is_trusted = models.BooleanField(_("tin cậy khi kiểm tra"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tổ chức cấp chứng thư")
        verbose_name_plural = _("tổ chức cấp chứng thư")

    def __str__(self) -> str:
        return self.name

    @property
    def can_issue(self) -> bool:
        return bool(self.key_path)


class IdentityKind(models.TextChoices):
    PERSONAL = "personal", _("Cá nhân")  # the competent person; blue signature image
    AGENCY = "agency", _("Cơ quan")  # the agency; red seal image


class KeyStorage(models.TextChoices):
    FILE = "file", _("Tệp khóa mã hóa")  # encrypted PKCS#8 under SIGNATURES_KEY_DIR
    PKCS11 = "pkcs11", _("Thiết bị PKCS#11 (token/HSM)")  # PIN from the person or environment
    REMOTE = "remote", _("Ký số từ xa (xác nhận trên ứng dụng)")  # key in the provider's HSM


class SigningIdentity(models.Model):
    """A certificate with the key that signs for a person or an agency, and its image."""

    label = models.SlugField(_("mã"), max_length=80, unique=True)
    kind = models.CharField(_("loại"), max_length=10, choices=IdentityKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signing_identities",
    )
    agency = models.ForeignKey(
        "units.Agency", on_delete=models.PROTECT, related_name="signing_identities"
    )
    certificate_pem = models.TextField(_("chứng thư (PEM)"))
    chain_pem = models.TextField(_("chuỗi chứng thư (PEM)"), blank=True)
    subject = models.CharField(_("chủ thể"), max_length=500)
    serial_hex = models.CharField(max_length=80)
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    storage = models.CharField(max_length=10, choices=KeyStorage.choices, default=KeyStorage.FILE)
    key_path = models.CharField(max_length=400, blank=True)
    pkcs11_module = models.CharField(max_length=400, blank=True)
    pkcs11_token = models.CharField(max_length=100, blank=True)
    pkcs11_key_label = models.CharField(max_length=100, blank=True)
    pkcs11_cert_label = models.CharField(max_length=100, blank=True)
    # Remote signing (providers/remote.py): the person's account and credential (certificate)
    # at the provider; the provider itself is SIGNATURES_REMOTE_URL.
    remote_user_id = models.CharField(_("tài khoản ký số từ xa"), max_length=200, blank=True)
    remote_credential_id = models.CharField(max_length=200, blank=True)
    image_png = models.BinaryField(_("ảnh chữ ký/con dấu (PNG)"), blank=True, default=b"")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("danh tính ký số")
        verbose_name_plural = _("danh tính ký số")
        indexes = [models.Index(fields=["agency", "kind", "is_active"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="personal") | models.Q(user__isnull=False),
                name="signing_identity_personal_has_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_kind_display()})"

    def is_valid_at(self, when=None) -> bool:
        when = when or timezone.now()
        return self.is_active and self.not_before <= when <= self.not_after


class SigningBatch(models.Model):
    """One "sign these" of a person from the workspace: the results of one or many dossiers
    signed with one confirmation of their key, then approved (a leader) or sealed and issued
    (whoever keeps the seal). A remote signing service answers later: the batch waits for the
    person's confirmation in the provider's app (``transaction_id``, ``expires_at``)."""

    class Purpose(models.TextChoices):
        APPROVE = "approve", _("Ký số và phê duyệt")
        SEAL = "seal", _("Đóng dấu, ban hành kết quả")

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ xác nhận của người ký")
        FINISHED = "finished", _("Đã xong")
        FAILED = "failed", _("Không ký được")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    identity = models.ForeignKey(SigningIdentity, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    transaction_id = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"], name="signing_batch_state")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"


class SigningBatchItem(models.Model):
    """One dossier of a batch and what became of it: each is signed and moved on in a
    transaction of its own, so a failure leaves that dossier exactly as it was."""

    class State(models.TextChoices):
        PENDING = "pending", _("Đang chờ")
        DONE = "done", _("Đã ký")
        FAILED = "failed", _("Không ký được")

    batch = models.ForeignKey(SigningBatch, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(
        "dossiers.DossierFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.ForeignKey(
        "dossiers.DossierFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The document prepared for signing (twophase.PreparedSignature.to_json) until it is done.
    prepared = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    error_code = models.CharField(max_length=60, blank=True)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["batch", "position"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "position"], name="signing_item_position")
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.position}"
