"""The message log: one SHA-256 hash chain per process database, sealed by RFC 3161 time-stamps.

The idea is X-Road's message log: every message a node or the hub handles is recorded with the
digest of its exact bytes, in the same transaction that stores the message; periodically the
chain head is time-stamped by a TSA, so the log up to that point can be shown to have existed
then and not to have been edited since. ``log_verify`` recomputes the chain, compares each
entry's digest with the stored message bytes, and checks every time-stamp token.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from chinhquyen.core.aio import run_sync

from . import conf
from .models import (
    HubMessage,
    InboxMessage,
    LogDirection,
    LogEntry,
    LogHead,
    LogTimestamp,
    OutboxMessage,
)

GENESIS = "0" * 64


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def log_entry_hash(
    *, seq: int, message_id: str, direction: str, peer: str, digest: str, created_at, prev_hash: str
) -> str:
    text = "|".join(
        [str(seq), message_id, direction, peer, digest, created_at.isoformat(), prev_hash]
    )
    return sha256_hex(text.encode("utf-8"))


def log_append(*, entries: list[tuple[str, str, str, str]]) -> list[LogEntry]:
    """Append (message_id, direction, peer, digest) entries. Must run inside the transaction
    that stores the messages: the head row is locked until it commits, so there is one chain."""
    assert transaction.get_connection().in_atomic_block, "log_append needs the caller's transaction"
    head = LogHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _ = LogHead.objects.get_or_create(pk=1)
        head = LogHead.objects.select_for_update().get(pk=1)
    now = timezone.now()
    rows = []
    seq, prev = head.seq, head.hash
    for message_id, direction, peer, digest in entries:
        seq += 1
        entry_hash = log_entry_hash(
            seq=seq,
            message_id=message_id,
            direction=direction,
            peer=peer,
            digest=digest,
            created_at=now,
            prev_hash=prev,
        )
        rows.append(
            LogEntry(
                seq=seq,
                message_id=message_id,
                direction=direction,
                peer=peer,
                digest=digest,
                created_at=now,
                prev_hash=prev,
                entry_hash=entry_hash,
            )
        )
        prev = entry_hash
    LogEntry.objects.bulk_create(rows)
    LogHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return rows


def _timestamp_token(url: str, digest: bytes) -> bytes:
    from pyhanko.sign.timestamps import HTTPTimeStamper

    stamper = HTTPTimeStamper(url, timeout=float(conf.get("EXCHANGE_HTTP_TIMEOUT")))
    token = run_sync(stamper.async_timestamp(digest, "sha256"))
    return token.dump()


def log_timestamp(*, tsa_url: str | None = None) -> LogTimestamp | None:
    """Time-stamp the current chain head (nothing to do if it is already stamped)."""
    url = tsa_url if tsa_url is not None else str(conf.get("EXCHANGE_TSA_URL"))
    if not url:
        return None
    head = LogHead.objects.filter(pk=1).first()
    if head is None or head.seq == 0:
        return None
    last = LogTimestamp.objects.order_by("-seq").first()
    if last is not None and last.seq >= head.seq:
        return None
    token = _timestamp_token(url, hashlib.sha256(bytes.fromhex(head.hash)).digest())
    return LogTimestamp.objects.create(seq=head.seq, head_hash=head.hash, token=token, tsa_url=url)


@dataclass
class LogReport:
    entries: int = 0
    timestamps: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _payload_digests(message_ids: set[str]) -> dict[tuple[str, str], str]:
    """(message_id, direction) -> digest of the bytes stored now, for the messages in the log."""
    out: dict[tuple[str, str], str] = {}
    ids = list(message_ids)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for mid, payload in OutboxMessage.objects.filter(message_id__in=chunk).values_list(
            "message_id", "payload"
        ):
            out[(mid, LogDirection.OUT)] = sha256_hex(bytes(payload))
        for mid, payload in InboxMessage.objects.filter(message_id__in=chunk).values_list(
            "message_id", "payload"
        ):
            out[(mid, LogDirection.IN)] = sha256_hex(bytes(payload))
        for mid, payload in HubMessage.objects.filter(message_id__in=chunk).values_list(
            "message_id", "payload"
        ):
            digest = sha256_hex(bytes(payload))
            out[(mid, LogDirection.HUB_IN)] = digest
            out[(mid, LogDirection.HUB_OUT)] = digest
    return out


def _check_token(ts: LogTimestamp, trust_root_pem: bytes | None) -> str | None:
    from asn1crypto import cms
    from asn1crypto import pem as asn1_pem
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko_certvalidator import ValidationContext

    try:
        content = cms.ContentInfo.load(bytes(ts.token))
        signed = content["content"]
        expected = hashlib.sha256(bytes.fromhex(ts.head_hash)).digest()
        # Without a root only integrity is checked (never the operating system's trust list).
        roots = []
        if trust_root_pem:
            _, _, der = asn1_pem.unarmor(trust_root_pem)
            roots = [asn1_x509.Certificate.load(der)]
        vc = ValidationContext(trust_roots=roots)
        status = run_sync(
            validate_tst_signed_data(
                signed, vc, lambda algo: hashlib.new(algo, bytes.fromhex(ts.head_hash)).digest()
            )
        )
    except Exception as exc:  # noqa: BLE001  (a corrupt token is a finding, not a crash)
        return (
            f"time-stamp at seq {ts.seq}: token unreadable or invalid ({type(exc).__name__}: {exc})"
        )
    tst_info = signed["encap_content_info"]["content"].parsed
    if tst_info["message_imprint"]["hashed_message"].native != expected:
        return f"time-stamp at seq {ts.seq}: token imprint does not match the chain head"
    if not status.get("intact") or not status.get("valid"):
        return f"time-stamp at seq {ts.seq}: token signature is not intact"
    trusted = (
        status.get("trust_problem_indic") is None and status.get("validation_path") is not None
    )
    if trust_root_pem and not trusted:
        return f"time-stamp at seq {ts.seq}: TSA certificate is not trusted"
    return None


def log_verify(*, trust_root_pem: bytes | None = None, check_payloads: bool = True) -> LogReport:
    """Recompute the chain, compare digests with stored bytes, check every time-stamp token."""
    if trust_root_pem is None and conf.get("EXCHANGE_TSA_ROOT_FILE"):
        trust_root_pem = Path(str(conf.get("EXCHANGE_TSA_ROOT_FILE"))).read_bytes()
    report = LogReport()
    prev = GENESIS
    expected_seq = 0
    hashes: dict[int, str] = {}
    batch: list[LogEntry] = []

    def check_batch(rows: list[LogEntry]) -> None:
        if not check_payloads or not rows:
            return
        stored = _payload_digests({r.message_id for r in rows})
        for r in rows:
            now_digest = stored.get((r.message_id, r.direction))
            if now_digest is None:
                report.problems.append(
                    f"seq {r.seq}: message {r.message_id} ({r.direction}) is missing"
                )
            elif now_digest != r.digest:
                report.problems.append(
                    f"seq {r.seq}: message {r.message_id} ({r.direction}) was altered"
                )

    for entry in LogEntry.objects.order_by("seq").iterator(chunk_size=2000):
        expected_seq += 1
        report.entries += 1
        if entry.seq != expected_seq:
            report.problems.append(f"seq {expected_seq}: missing (next is {entry.seq})")
            expected_seq = entry.seq
        if entry.prev_hash != prev:
            report.problems.append(f"seq {entry.seq}: previous hash does not match the chain")
        recomputed = log_entry_hash(
            seq=entry.seq,
            message_id=entry.message_id,
            direction=entry.direction,
            peer=entry.peer,
            digest=entry.digest,
            created_at=entry.created_at,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.entry_hash:
            report.problems.append(f"seq {entry.seq}: entry was altered (hash mismatch)")
        prev = entry.entry_hash
        hashes[entry.seq] = entry.entry_hash
        batch.append(entry)
        if len(batch) >= 500:
            check_batch(batch)
            batch = []
    check_batch(batch)

    head = LogHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != expected_seq or (expected_seq and head.hash != prev)):
        report.problems.append(
            f"chain head (seq {head.seq}) does not match the last entry (seq {expected_seq}): entries were removed"
        )
    for ts in LogTimestamp.objects.order_by("seq"):
        report.timestamps += 1
        if hashes.get(ts.seq) != ts.head_hash:
            report.problems.append(
                f"time-stamp at seq {ts.seq}: the sealed chain head is no longer in the log"
            )
        problem = _check_token(ts, trust_root_pem)
        if problem:
            report.problems.append(problem)
    return report
