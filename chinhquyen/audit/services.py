"""Writing to and checking the audit log. Call ``audit_record`` inside the transaction of the
change it records; it is committed or rolled back with it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import GENESIS, AuditCheckpoint, AuditRecord

MAX_CHAIN_RETRIES = 8


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _payload(
    *,
    chain: str,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_label: str,
    event: str,
    object_type: str,
    object_id: str,
    changes: dict[str, Any],
    prev_hash: str,
) -> str:
    return _canonical(
        [
            chain,
            seq,
            at.astimezone(UTC).isoformat(),
            actor_id,
            actor_label,
            event,
            object_type,
            object_id,
            changes,
            prev_hash,
        ]
    )


def record_digest(**fields: Any) -> str:
    """The SHA-256 of a record's canonical JSON (the fields of ``_payload``), in hex."""
    return hashlib.sha256(_payload(**fields).encode()).hexdigest()


def audit_record(
    *,
    event: str,
    object_type: str,
    object_id: str,
    actor=None,
    changes: dict[str, Any] | None = None,
    chain: str | None = None,
    at: datetime | None = None,
    new_object: bool = False,
) -> AuditRecord:
    """Append a record to the chain of ``object_type:object_id`` (or ``chain``).

    Callers that hold a row lock on the object (dossier services do) never collide; others may
    race on the same chain, and the unique (chain, seq) makes the loser retry on the new head.
    ``new_object=True`` says the object was just created in this transaction under a unique key,
    so its chain starts here: no head lookup, no savepoint (a clash would be a bug and fails loudly).
    """
    chain = chain or f"{object_type}:{object_id}"
    fields = {
        "chain": chain,
        "at": at or timezone.now(),
        "actor_id": actor.pk if actor is not None and actor.pk else None,
        "event": event,
        "object_type": object_type,
        "object_id": str(object_id),
        "changes": json.loads(_canonical(changes or {})),  # store exactly what was hashed
    }
    fields["actor_label"] = actor.get_username() if fields["actor_id"] else "system"

    def build(seq: int, prev_hash: str) -> AuditRecord:
        digest = record_digest(seq=seq, prev_hash=prev_hash, **fields)
        return AuditRecord(seq=seq, prev_hash=prev_hash, hash=digest, **fields)

    if new_object:
        record = build(1, GENESIS)
        record.save(force_insert=True)
        return record
    for _attempt in range(MAX_CHAIN_RETRIES):
        head = (
            AuditRecord.objects.filter(chain=chain)
            .order_by("-seq")
            .values_list("seq", "hash")
            .first()
        )
        record = build(head[0] + 1, head[1]) if head else build(1, GENESIS)
        try:
            with transaction.atomic():
                record.save(force_insert=True)
                return record
        except IntegrityError:
            continue
    raise RuntimeError(f"audit chain {chain} is too contended")


@dataclass
class VerifyReport:
    records: int = 0
    chains: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _iter_records(batch: int = 2000) -> Iterator[AuditRecord]:
    last = ("", 0)
    while True:
        rows = list(
            AuditRecord.objects.filter(chain__gte=last[0])
            .exclude(chain=last[0], seq__lte=last[1])
            .order_by("chain", "seq")[:batch]
        )
        if not rows:
            return
        yield from rows
        last = (rows[-1].chain, rows[-1].seq)


def audit_verify() -> VerifyReport:
    """Recompute every chain and compare it with the checkpoints. Reads in batches."""
    report = VerifyReport()
    heads: dict[str, tuple[int, str]] = {}
    current_chain, expected_seq, prev_hash = None, 1, GENESIS
    for rec in _iter_records():
        report.records += 1
        if rec.chain != current_chain:
            current_chain, expected_seq, prev_hash = rec.chain, 1, GENESIS
            report.chains += 1
        if rec.seq != expected_seq:
            report.problems.append(
                f"{rec.chain}: record #{expected_seq} is missing (found #{rec.seq})"
            )
        if rec.prev_hash != prev_hash:
            report.problems.append(f"{rec.chain}#{rec.seq}: previous hash does not match")
        digest = record_digest(
            chain=rec.chain,
            seq=rec.seq,
            at=rec.at,
            actor_id=rec.actor_id,
            actor_label=rec.actor_label,
            event=rec.event,
            object_type=rec.object_type,
            object_id=rec.object_id,
            changes=rec.changes,
            prev_hash=rec.prev_hash,
        )
        if digest != rec.hash:
            report.problems.append(f"{rec.chain}#{rec.seq}: content was altered (hash mismatch)")
        heads[rec.chain] = (rec.seq, rec.hash)
        expected_seq, prev_hash = rec.seq + 1, rec.hash
    for cp in AuditCheckpoint.objects.order_by("at"):
        report.checkpoints += 1
        if _heads_digest(cp.heads) != cp.digest:
            report.problems.append(f"checkpoint {cp.pk}: its own digest does not match")
        for chain, (seq, hash_) in cp.heads.items():
            if chain not in heads:
                report.problems.append(
                    f"{chain}: chain recorded at checkpoint {cp.pk} has disappeared"
                )
                continue
            if heads[chain][0] < seq:
                report.problems.append(
                    f"{chain}: records after #{heads[chain][0]} were removed (checkpoint {cp.pk} saw #{seq})"
                )
            elif not AuditRecord.objects.filter(chain=chain, seq=seq, hash=hash_).exists():
                report.problems.append(f"{chain}#{seq}: differs from checkpoint {cp.pk}")
    return report


def _heads_digest(heads: dict[str, list]) -> str:
    return hashlib.sha256(_canonical(heads).encode()).hexdigest()


def audit_checkpoint_create() -> AuditCheckpoint:
    """Seal the current head of every chain. Run periodically by the worker (and on demand)."""
    from django.db.models import Max

    heads: dict[str, list] = {}
    latest = AuditRecord.objects.values("chain").annotate(seq=Max("seq"))
    for row in latest.iterator(chunk_size=5000):
        heads[row["chain"]] = [row["seq"], None]
    for rec in _iter_records():
        if heads.get(rec.chain, [0])[0] == rec.seq:
            heads[rec.chain][1] = rec.hash
    count = AuditRecord.objects.count()
    return AuditCheckpoint.objects.create(
        at=timezone.now(), record_count=count, heads=heads, digest=_heads_digest(heads)
    )
