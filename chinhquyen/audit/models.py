"""A tamper-evident audit log.

Records form many short hash chains, one per audited object (``dossier:<code>``,
``procedure:<code>``, ``user:<id>`` ...). A writer only extends the chain of the object it already
holds a lock on, so the log never serialises all writes through one row. ``(chain, seq)`` is
unique, so a chain cannot fork. Periodic checkpoints record every chain's head and a digest of
them; removing a whole chain or its tail after a checkpoint is therefore detected too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

GENESIS = "0" * 64


class AuditRecord(models.Model):
    chain = models.CharField(max_length=120)
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    event = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=120)
    changes = models.JSONField(default=dict, help_text='{"field": [old, new]} and other details')
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")
        ]
        indexes = [models.Index(fields=["object_type", "object_id"]), models.Index(fields=["at"])]
        ordering = ["chain", "seq"]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.event}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("Audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit records are append-only")


class AuditCheckpoint(models.Model):
    at = models.DateTimeField()
    record_count = models.PositiveBigIntegerField()
    heads = models.JSONField(help_text='{"chain": [seq, hash]} at the time of the checkpoint')
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"checkpoint {self.at:%Y-%m-%d %H:%M} ({self.record_count} records)"
