"""Receiving: a pulled message is committed (unique message id) with its log entry and its effects
on the registers before it is acknowledged; a batch is committed at once with set-based writes,
falling back to one message at a time."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import edxml
from ..log import log_append, sha256_hex
from ..models import (
    STATUS_RANK,
    EntryStatus,
    InboxMessage,
    LogDirection,
    MessageKind,
    NodeIdentity,
    OutboxMessage,
    RegisterDirection,
    RegisterEntry,
)
from .node import _document_id_of, new_message_id, node_identity, node_keys
from .outbox import _status_model, status_send
from .registers import _apply_edoc, _apply_status

logger = logging.getLogger(__name__)


def _receive(*, message_id: str, sender: str, payload: bytes) -> bool:
    if InboxMessage.objects.filter(message_id=message_id).exists():
        return False
    ident = node_identity()
    model = edxml.parse(payload, strict=True)
    digest = sha256_hex(payload)
    with transaction.atomic(savepoint=False):
        InboxMessage.objects.create(
            message_id=message_id,
            sender=sender,
            kind=model.kind,
            document_id=_document_id_of(model),
            digest=digest,
            payload=payload,
        )
        log_append(entries=[(message_id, LogDirection.IN, sender, digest)])
        if isinstance(model, edxml.Edoc):
            for entry in _apply_edoc(ident, model, message_id):
                status_send(entry=entry, code="01", description=ARRIVED_TEXT)
        else:
            _apply_status(ident, model, message_id)
    return True


def inbox_receive(*, message_id: str, sender: str, payload: bytes) -> bool:
    """Commit one received message and its effects. False when it was already received (a
    redelivery after a crash before the acknowledgement): nothing happens twice."""
    try:
        with transaction.atomic():
            return _receive(message_id=message_id, sender=sender, payload=payload)
    except IntegrityError:
        return False


ARRIVED_TEXT = "Đã đến - phần mềm đã nhận, văn thư chưa xử lý"


def inbox_receive_batch(*, messages: list[tuple[str, str, bytes]]) -> list[str]:
    """Commit a pulled batch in one transaction, with set-based writes for the common cases (new
    documents and their automatic "01", processing statuses). If anything in it fails, fall back
    to one transaction per message so one bad message holds up no other. Returns the message
    ids that are now safely stored (to acknowledge)."""
    try:
        with transaction.atomic():
            _receive_batch(messages)
        return [m[0] for m in messages]
    except Exception:  # noqa: BLE001  (retried one by one below; failures are logged there)
        logger.warning(
            "exchange: batch receive failed, retrying one message at a time", exc_info=True
        )
    done = []
    for message_id, sender, payload in messages:
        try:
            inbox_receive(message_id=message_id, sender=sender, payload=payload)
        except Exception:
            logger.exception("exchange receive %s failed", message_id)
            continue
        done.append(message_id)
    return done


# One received message of a batch: (message id, sender, payload, parsed model, digest).
_Parsed = tuple[str, str, bytes, edxml.Edoc | edxml.Status, str]


def _receive_batch(messages: list[tuple[str, str, bytes]]) -> None:
    """Store a pulled batch and apply it, set-based for new documents and processing statuses."""
    ident = node_identity()
    parsed = _batch_parse_new(messages)
    if not parsed:
        return
    _batch_store(parsed)
    log_entries = [(mid, LogDirection.IN, sender, digest) for mid, sender, _, _, digest in parsed]
    new_docs = [
        p
        for p in parsed
        if isinstance(p[3], edxml.Edoc) and p[3].business_type == edxml.BUSINESS_NEW
    ]
    statuses = [
        p
        for p in parsed
        if isinstance(p[3], edxml.Status) and p[3].status_code not in ("13", "15", "16")
    ]
    others = [p for p in parsed if p not in new_docs and p not in statuses]
    now = timezone.now()
    if new_docs:
        entries = _batch_register_new_documents(ident, new_docs, now)
        outbox = _batch_answer_arrived(ident, entries)
        log_entries += [(o.message_id, LogDirection.OUT, o.recipients[0], o.digest) for o in outbox]
    if statuses:
        _batch_apply_statuses(ident, statuses, now)
    log_append(entries=log_entries)
    for mid, _, _, model, _ in others:
        if isinstance(model, edxml.Edoc):
            for entry in _apply_edoc(ident, model, mid):
                status_send(entry=entry, code="01", description=ARRIVED_TEXT)
        else:
            _apply_status(ident, model, mid)


def _batch_parse_new(messages: list[tuple[str, str, bytes]]) -> list[_Parsed]:
    """Parse the messages not received before (a redelivery is already applied)."""
    have = set(
        InboxMessage.objects.filter(message_id__in=[m[0] for m in messages]).values_list(
            "message_id", flat=True
        )
    )
    parsed = []
    for message_id, sender, payload in messages:
        if message_id in have:
            continue  # a redelivery: already applied
        have.add(message_id)
        parsed.append(
            (message_id, sender, payload, edxml.parse(payload, strict=True), sha256_hex(payload))
        )
    return parsed


def _batch_store(parsed: list[_Parsed]) -> None:
    """Store the received messages in one INSERT."""
    InboxMessage.objects.bulk_create(
        [
            InboxMessage(
                message_id=mid,
                sender=sender,
                kind=model.kind,
                document_id=_document_id_of(model),
                digest=digest,
                payload=payload,
            )
            for mid, sender, payload, model, digest in parsed
        ]
    )


def _batch_register_new_documents(
    ident: NodeIdentity, new_docs: list[_Parsed], now: dt.datetime
) -> list[RegisterEntry]:
    """Add the new documents to the incoming register ("arrived"); returns the lines added."""
    doc_ids = [(p[3].document_id or f"{p[1]},{p[0]}")[:255] for p in new_docs]
    existing = set(
        RegisterEntry.objects.filter(
            agency_id=ident.agency_id, direction=RegisterDirection.IN, document_id__in=doc_ids
        ).values_list("document_id", "counterpart_id")
    )
    entries = []
    for (mid, _, _, model, _), doc_id in zip(new_docs, doc_ids, strict=True):
        sender = model.from_.organ_id or ""
        if (doc_id, sender) in existing:
            continue
        existing.add((doc_id, sender))
        entries.append(
            RegisterEntry(
                agency_id=ident.agency_id,
                direction=RegisterDirection.IN,
                document_id=doc_id,
                counterpart_id=sender,
                message_id=mid,
                code_number=(model.code.number if model.code else "") or "",
                code_notation=(model.code.notation if model.code else "") or "",
                promulgation_date=model.promulgation_info.date if model.promulgation_info else None,
                document_type=(model.document_type.type_name if model.document_type else "") or "",
                subject=model.subject or "",
                counterpart_name=model.from_.organ_name or "",
                status=EntryStatus.ARRIVED,
                business_type=0,
                received_at=now,
                history=[{"at": now.isoformat(), "event": "arrived", "message_id": mid}],
            )
        )
    RegisterEntry.objects.bulk_create(entries)
    return entries


def _batch_answer_arrived(ident: NodeIdentity, entries: list[RegisterEntry]) -> list[OutboxMessage]:
    """Queue the automatic "01 arrived" status for each new line, in one INSERT."""
    key_pem, cert_pem = node_keys()
    outbox = []
    for entry in entries:
        model = _status_model(
            ident=ident, entry=entry, code="01", description=ARRIVED_TEXT, staff=""
        )
        payload = edxml.sign(edxml.build(model), key_pem=key_pem, cert_pem=cert_pem)
        outbox.append(
            OutboxMessage(
                message_id=new_message_id(),
                kind=MessageKind.STATUS,
                recipients=[entry.counterpart_id],
                document_id=entry.document_id[:255],
                payload=payload,
                digest=sha256_hex(payload),
            )
        )
    OutboxMessage.objects.bulk_create(outbox)
    return outbox


def _batch_apply_statuses(ident: NodeIdentity, statuses: list[_Parsed], now: dt.datetime) -> None:
    """Apply processing statuses to the outgoing register lines, in one UPDATE."""
    lines = {
        (e.document_id, e.counterpart_id): e
        for e in RegisterEntry.objects.filter(
            agency_id=ident.agency_id,
            direction=RegisterDirection.OUT,
            document_id__in=[p[3].response_for.document_id or "" for p in statuses],
        )
    }
    changed: dict[int, RegisterEntry] = {}
    for mid, _, _, model, _ in statuses:
        entry = lines.get((model.response_for.document_id or "", model.from_.organ_id or ""))
        if entry is None:
            continue
        code = model.status_code
        event = {"at": now.isoformat(), "event": f"status-{code}", "message_id": mid}
        if STATUS_RANK.get(code, 0) >= STATUS_RANK.get(entry.status, 0):
            entry.status = code
            if code == "04" and model.staff_info and model.staff_info.staff:
                entry.handler = model.staff_info.staff
        else:
            event["event"] += "-late"
        entry.history = [*entry.history, event]
        entry.updated_at = now
        changed[entry.pk] = entry
    RegisterEntry.objects.bulk_update(
        list(changed.values()), ["status", "handler", "history", "updated_at"]
    )
