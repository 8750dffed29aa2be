"""Document exchange (trục liên thông): the hub's registry and store, a node's outbox and inbox,
the hash-chained message log, and the incoming/outgoing registers.

The same tables exist in every process; which ones fill up depends on the role
(``EXCHANGE_ROLE``): the hub uses ``Peer``, ``HubMessage`` and ``HubDelivery``; a node uses
``NodeIdentity``, ``OutboxMessage``, ``InboxMessage`` and ``RegisterEntry``; both keep a
message log (``LogEntry``, ``LogHead``, ``LogTimestamp``).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    EDOC = "edoc", _("Văn bản")
    STATUS = "status", _("Trạng thái")


# --- hub ----------------------------------------------------------------------------------------


class Peer(models.Model):
    """An agency registered at the hub: its QCVN 102 id, its signing certificate, and the hash
    of the API token it authenticates with."""

    agency_id = models.CharField(_("mã định danh cơ quan"), max_length=32, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=255, blank=True)
    certificate_pem = models.TextField(_("chứng thư số (PEM)"))
    token_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(default=True)
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["agency_id"]

    def __str__(self) -> str:
        return self.agency_id


class HubMessage(models.Model):
    """A message the hub has accepted (committed before the sender hears 2xx)."""

    message_id = models.CharField(max_length=64, unique=True)
    sender = models.CharField(max_length=32, db_index=True)
    kind = models.CharField(max_length=8, choices=MessageKind.choices)
    document_id = models.CharField(max_length=255, blank=True)
    digest = models.CharField(max_length=64)
    payload = models.BinaryField()
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.message_id} ({self.sender})"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Chờ nhận")  # stored at the hub, recipient has not acknowledged
    DELIVERED = "delivered", _("Đã nhận")  # recipient acknowledged after committing it


class HubDelivery(models.Model):
    message = models.ForeignKey(HubMessage, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.CharField(max_length=32)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "recipient"], name="exchange_delivery_once")
        ]
        indexes = [models.Index(fields=["recipient", "state", "id"], name="exchange_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.message.message_id} -> {self.recipient}: {self.state}"


# --- node ---------------------------------------------------------------------------------------


class NodeIdentity(models.Model):
    """This node's registration at the hub (one row). The token is the node's secret for the
    hub, kept in the node's own database (see docs/exchange.md)."""

    agency_id = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=255, blank=True)
    hub_url = models.URLField()
    token = models.CharField(max_length=128)
    registered_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.agency_id


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")  # committed locally, not yet accepted by the hub
    SENT = "sent", _("Đã gửi")  # the hub committed it and answered 2xx
    FAILED = "failed", _("Bị từ chối")  # the hub refused it for good (4xx); needs an officer


class OutboxMessage(models.Model):
    message_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=8, choices=MessageKind.choices)
    recipients = models.JSONField(default=list)
    document_id = models.CharField(max_length=255, blank=True)
    # Revoke/update/replace must not overtake the documents they refer to: the sender pushes
    # them alone, after everything queued before them (services.outbox.outbox_batch).
    ordered = models.BooleanField(default=False)
    payload = models.BinaryField()
    digest = models.CharField(max_length=64)
    state = models.CharField(max_length=8, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "id"], name="exchange_outbox_idx")]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.state}"


class InboxMessage(models.Model):
    """A message this node has received and applied; the unique message id is what makes a
    redelivery (after a crash before the acknowledgement) a no-op."""

    message_id = models.CharField(max_length=64, unique=True)
    sender = models.CharField(max_length=32)
    kind = models.CharField(max_length=8, choices=MessageKind.choices)
    document_id = models.CharField(max_length=255, blank=True)
    digest = models.CharField(max_length=64)
    payload = models.BinaryField()
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.message_id} ({self.sender})"


# --- message log (both roles) -------------------------------------------------------------------


class LogDirection(models.TextChoices):
    OUT = "out", _("Gửi đi")  # node: entered the outbox
    IN = "in", _("Nhận về")  # node: received and applied
    HUB_IN = "hub-in", _("Trục nhận")  # hub: accepted from a sender
    HUB_OUT = "hub-out", _("Trục chuyển")  # hub: acknowledged by a recipient


class LogEntry(models.Model):
    """One link of the message log's single hash chain: entry_hash = SHA-256 over the fields
    and the previous entry's hash (log.log_entry_hash)."""

    seq = models.BigIntegerField(unique=True)
    message_id = models.CharField(max_length=64)
    direction = models.CharField(max_length=8, choices=LogDirection.choices)
    peer = models.CharField(max_length=32, blank=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["message_id"], name="exchange_log_msg_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.direction} {self.message_id}"


class LogHead(models.Model):
    """The chain head (one row). Appenders lock it, so the chain has no forks."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class LogTimestamp(models.Model):
    """An RFC 3161 time-stamp token over the chain head at ``seq`` (the X-Road batch idea)."""

    seq = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    token = models.BinaryField()
    tsa_url = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"time-stamp #{self.seq}"


# --- registers ----------------------------------------------------------------------------------


class RegisterDirection(models.TextChoices):
    IN = "in", _("Văn bản đến")
    OUT = "out", _("Văn bản đi")


class EntryStatus(models.TextChoices):
    SENT = "sent", _("Đã gửi")  # outgoing, no answer yet
    ARRIVED = "01", _("Đã đến")
    REFUSED = "02", _("Từ chối tiếp nhận")
    ACCEPTED = "03", _("Đã tiếp nhận, vào sổ")
    ASSIGNED = "04", _("Đã phân công xử lý")
    PROCESSING = "05", _("Đang xử lý")
    FINISHED = "06", _("Hoàn thành xử lý")
    REVOKED = "revoked", _("Đã thu hồi")
    REPLACED = "replaced", _("Đã bị thay thế")


# Processing statuses only move forward, so a late 01 never overwrites a 05.
STATUS_RANK = {
    "sent": 0,
    "01": 1,
    "02": 2,
    "03": 2,
    "04": 3,
    "05": 4,
    "06": 5,
    "revoked": 9,
    "replaced": 9,
}


class RegisterEntry(models.Model):
    """One line of an agency's incoming or outgoing register (sổ văn bản đến / đi). An outgoing
    document sent to three agencies is three lines, one status each."""

    agency_id = models.CharField(max_length=32, db_index=True)
    direction = models.CharField(max_length=3, choices=RegisterDirection.choices)
    document_id = models.CharField(max_length=255)
    message_id = models.CharField(max_length=64)
    code_number = models.CharField(_("số"), max_length=64, blank=True)
    code_notation = models.CharField(_("ký hiệu"), max_length=128, blank=True)
    promulgation_date = models.DateField(_("ngày ban hành"), null=True, blank=True)
    document_type = models.CharField(_("loại văn bản"), max_length=128, blank=True)
    subject = models.TextField(_("trích yếu"), blank=True)
    counterpart_id = models.CharField(max_length=32)
    counterpart_name = models.CharField(max_length=255, blank=True)
    handler = models.CharField(_("người xử lý"), max_length=255, blank=True)
    status = models.CharField(max_length=8, choices=EntryStatus.choices)
    request_status = models.CharField(max_length=2, blank=True)  # 13 asked, 15/16 answered
    business_type = models.PositiveSmallIntegerField(default=0)
    replaced_by = models.CharField(max_length=255, blank=True)
    history = models.JSONField(default=list)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # Signature figures (null = not assessed yet, never counted as "no").
    personal_signature_valid = models.BooleanField(null=True)
    agency_signature_valid = models.BooleanField(null=True)
    decree30_ok = models.BooleanField(null=True)
    assessed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency_id", "direction", "document_id", "counterpart_id"],
                name="exchange_register_line_once",
            )
        ]
        indexes = [models.Index(fields=["agency_id", "direction", "id"], name="exchange_reg_idx")]

    def __str__(self) -> str:
        return f"{self.direction} {self.document_id} ({self.counterpart_id})"

    @property
    def number_notation(self) -> str:
        return "/".join(p for p in (self.code_number, self.code_notation) if p)
