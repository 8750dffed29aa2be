"""The hub's writes: register a peer, accept a message (alone or in a batch) with one delivery row per
recipient, hand out what waits for a peer and take its acknowledgements. Everything is committed
before the hub answers 2xx; a repeated message id gets the same answer."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from chinhquyen.core.errors import Conflict, PermissionDenied, ValidationFailed

from .. import conf, edxml
from ..log import log_append, sha256_hex
from ..models import (
    DeliveryState,
    HubDelivery,
    HubMessage,
    LogDirection,
    Peer,
)
from .node import _document_id_of


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _load_cert(pem: str | bytes):
    from cryptography import x509

    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise ValidationFailed(
            "Chứng thư số không hợp lệ (cần PEM X.509).", fields={"certificate_pem": [str(exc)]}
        ) from exc


@transaction.atomic
def peer_register(*, agency_id: str, name: str, certificate_pem: str) -> tuple[Peer, str]:
    """Register (or re-register) an agency at the hub. Returns the peer and a new API token
    (shown once; only its hash is kept). Re-registering rotates the token and the certificate."""
    agency_id = (agency_id or "").strip()
    if not agency_id or len(agency_id) > 32:
        raise ValidationFailed(
            "Mã định danh cơ quan không hợp lệ.",
            fields={"agency_id": ["bắt buộc, tối đa 32 ký tự"]},
        )
    _load_cert(certificate_pem)
    token = secrets.token_urlsafe(32)
    peer, _ = Peer.objects.update_or_create(
        agency_id=agency_id,
        defaults={
            "name": name,
            "certificate_pem": certificate_pem,
            "token_hash": hash_token(token),
            "is_active": True,
        },
    )
    return peer, token


@dataclass
class Accepted:
    message_id: str
    recipients: list[str]
    duplicate: bool

    def as_dict(self) -> dict:
        return {
            "message_id": self.message_id,
            "recipients": self.recipients,
            "duplicate": self.duplicate,
        }


def _recipients_of(model: edxml.Edoc | edxml.Status) -> list[str]:
    if isinstance(model, edxml.Status):
        rf = model.response_for
        target = (rf.organ_id or "").strip() or (rf.document_id or "").split(",")[0].strip()
        return [target] if target else []
    seen: list[str] = []
    for org in model.to:
        if org.organ_id and org.organ_id not in seen:
            seen.append(org.organ_id)
    return seen


def _existing_answer(message_id: str, digest: str) -> Accepted:
    msg = HubMessage.objects.get(message_id=message_id)
    if msg.digest != digest:
        raise Conflict(
            "Mã thông điệp đã được dùng cho một nội dung khác.",
            code="message_id_reused",
            extra={"message_id": message_id},
        )
    return Accepted(
        message_id, list(msg.deliveries.order_by("id").values_list("recipient", flat=True)), True
    )


def _hub_check(
    *, peer: Peer, message_id: str, payload: bytes, known: set[str] | None = None
) -> tuple[edxml.Edoc | edxml.Status, list[str]]:
    """Everything the hub refuses a message for (raises a DomainError), before storing it."""
    if not message_id or len(message_id) > 64:
        raise ValidationFailed(
            "Thiếu hoặc sai mã thông điệp (X-Message-Id).", code="message_id_invalid"
        )
    model = edxml.parse(payload, strict=True)
    if model.from_.organ_id != peer.agency_id:
        raise PermissionDenied(
            f"Cơ quan gửi trong edXML ({model.from_.organ_id}) khác cơ quan đã xác thực ({peer.agency_id}).",
            code="sender_mismatch",
        )
    if conf.get("EXCHANGE_HUB_VERIFY_SIGNATURES"):
        report = edxml.verify(payload, cert_pem=peer.certificate_pem.encode("ascii"))
        if not report.valid:
            raise ValidationFailed(
                f"Chữ ký số của thông điệp không hợp lệ: {report.reason}", code="signature_invalid"
            )
    recipients = _recipients_of(model)
    if not recipients:
        raise ValidationFailed("Thông điệp không có nơi nhận.", code="no_recipient")
    if known is None:
        known = set(
            Peer.objects.filter(agency_id__in=recipients, is_active=True).values_list(
                "agency_id", flat=True
            )
        )
    unknown = [r for r in recipients if r not in known]
    if unknown:
        raise ValidationFailed(
            "Cơ quan nhận chưa đăng ký trên trục: " + ", ".join(unknown),
            code="unknown_recipient",
            extra={"unknown": unknown},
        )
    return model, recipients


def hub_accept(*, peer: Peer, message_id: str, payload: bytes) -> Accepted:
    """Accept a message from ``peer``: committed (message + deliveries + log) before returning."""
    message_id = (message_id or "").strip()
    digest = sha256_hex(payload)
    if message_id and HubMessage.objects.filter(message_id=message_id).exists():
        return _existing_answer(message_id, digest)
    model, recipients = _hub_check(peer=peer, message_id=message_id, payload=payload)
    try:
        with transaction.atomic():
            msg = HubMessage.objects.create(
                message_id=message_id,
                sender=peer.agency_id,
                kind=model.kind,
                document_id=_document_id_of(model),
                digest=digest,
                payload=payload,
            )
            HubDelivery.objects.bulk_create(
                [HubDelivery(message=msg, recipient=r) for r in recipients]
            )
            log_append(entries=[(message_id, LogDirection.HUB_IN, peer.agency_id, digest)])
    except IntegrityError:
        # A concurrent duplicate won the race; answer as it was answered.
        return _existing_answer(message_id, digest)
    return Accepted(message_id, recipients, False)


def hub_accept_batch(*, peer: Peer, items: list[tuple[str, bytes]]) -> list[dict]:
    """Accept several messages in one transaction (one commit, one lock of the log head).
    Each item is answered on its own, as ``hub_accept`` would: 201 stored, 200 duplicate,
    4xx refused with a code. Nothing of the batch is acknowledged before the commit."""
    from chinhquyen.core.errors import DomainError

    results: dict[str, dict] = {}
    ids = [mid for mid, _ in items]
    existing = dict(
        HubMessage.objects.filter(message_id__in=ids).values_list("message_id", "digest")
    )
    known = set(Peer.objects.filter(is_active=True).values_list("agency_id", flat=True))
    fresh: list[tuple[str, bytes, str, edxml.Edoc | edxml.Status, list[str]]] = []
    for mid, payload in items:
        digest = sha256_hex(payload)
        if mid in existing:
            if existing[mid] != digest:
                results[mid] = {
                    "status": 409,
                    "code": "message_id_reused",
                    "detail": "Mã thông điệp đã được dùng cho một nội dung khác.",
                }
            else:
                results[mid] = {"status": 200, "duplicate": True}
            continue
        try:
            model, recipients = _hub_check(peer=peer, message_id=mid, payload=payload, known=known)
        except DomainError as exc:
            results[mid] = {"status": exc.status, "code": exc.code, "detail": exc.message}
            continue
        existing[mid] = digest
        fresh.append((mid, payload, digest, model, recipients))
    if fresh:
        try:
            with transaction.atomic():
                msgs = HubMessage.objects.bulk_create(
                    [
                        HubMessage(
                            message_id=mid,
                            sender=peer.agency_id,
                            kind=model.kind,
                            document_id=_document_id_of(model),
                            digest=digest,
                            payload=payload,
                        )
                        for mid, payload, digest, model, _ in fresh
                    ]
                )
                HubDelivery.objects.bulk_create(
                    [
                        HubDelivery(message=m, recipient=r)
                        for m, f in zip(msgs, fresh, strict=True)
                        for r in f[4]
                    ]
                )
                log_append(
                    entries=[
                        (mid, LogDirection.HUB_IN, peer.agency_id, digest)
                        for mid, _, digest, _, _ in fresh
                    ]
                )
        except IntegrityError:
            # A concurrent retry of the same message won a race: settle them one by one.
            for mid, payload, *_ in fresh:
                try:
                    answer = hub_accept(peer=peer, message_id=mid, payload=payload)
                except DomainError as exc:
                    results[mid] = {"status": exc.status, "code": exc.code, "detail": exc.message}
                else:
                    results[mid] = {
                        "status": 200 if answer.duplicate else 201,
                        "duplicate": answer.duplicate,
                    }
        else:
            for mid, _, _, _, recipients in fresh:
                results[mid] = {"status": 201, "duplicate": False, "recipients": recipients}
    return [{"message_id": mid, **results[mid]} for mid, _ in items]


def hub_inbox(*, peer: Peer, limit: int = 50) -> list[dict]:
    """Messages waiting for ``peer``, oldest first. Delivered again until acknowledged."""
    rows = (
        HubDelivery.objects.filter(recipient=peer.agency_id, state=DeliveryState.PENDING)
        .select_related("message")
        .order_by("id")[: max(1, min(limit, 200))]
    )
    return [
        {
            "message_id": d.message.message_id,
            "sender": d.message.sender,
            "kind": d.message.kind,
            "digest": d.message.digest,
            "payload": bytes(d.message.payload).decode("utf-8"),
        }
        for d in rows
    ]


@transaction.atomic
def hub_ack(*, peer: Peer, message_ids: list[str]) -> int:
    """The recipient committed these messages: mark them delivered (idempotent)."""
    # Lock only the delivery rows (of=("self",)) and never load the payloads.
    rows = list(
        HubDelivery.objects.select_for_update(of=("self",))
        .filter(
            recipient=peer.agency_id,
            state=DeliveryState.PENDING,
            message__message_id__in=message_ids[:500],
        )
        .values_list("pk", "message__message_id", "message__digest")
    )
    if not rows:
        return 0
    now = timezone.now()
    HubDelivery.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(
        state=DeliveryState.DELIVERED, delivered_at=now
    )
    log_append(
        entries=[(mid, LogDirection.HUB_OUT, peer.agency_id, digest) for _, mid, digest in rows]
    )
    return len(rows)
