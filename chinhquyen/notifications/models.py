"""Messages to applicants about their dossiers: one row per message and channel.

The row is the outbox and the log at once: it is created once per (dossier, event, channel), so a
retried or duplicated task finds it and never builds or sends a second message, and it records
every attempt's outcome for the admin.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("Chờ gửi")  # waiting for its first or next attempt
    SENDING = "sending", _("Đang gửi")  # claimed by a worker; its lease ends at next_attempt_at
    SENT = "sent", _("Đã gửi")  # accepted by the mail server: never sent again
    FAILED = "failed", _("Gửi không thành công")  # attempts used up or refused for good


def mask_address(address: str) -> str:
    """``congdan@example.vn`` → ``c***@example.vn``: enough to tell messages apart in logs and
    the admin without writing the personal address down."""
    local, at, domain = address.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


class Notification(models.Model):
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="notifications"
    )
    event_seq = models.PositiveIntegerField(help_text="DossierEvent.seq the message is about")
    action = models.CharField(max_length=40)
    channel = models.CharField(max_length=10, choices=NotificationChannel.choices)
    # Personal data: shown masked in the admin and never logged.
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="Not before this time (back-off, or a worker's lease)"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "event_seq", "channel"], name="notification_once_per_event"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel} {self.action} ({self.status})"

    @property
    def masked_recipient(self) -> str:
        return mask_address(self.recipient)
