"""Every write of the exchange: the hub's (register a peer, accept a message, hand out and take
acknowledgements) and a node's (send a document or a status, push the outbox, receive from the
inbox, apply revoke/update/replace and statuses to the registers).

Delivery guarantee, in one paragraph: a node commits a message to its outbox (with the log entry
and the register lines) before anything goes on the wire; the worker POSTs it with the message id
as idempotency key and marks it sent only on 2xx; the hub commits the message and one delivery
row per recipient before it answers 2xx, and answers a repeated message id with the same answer;
a recipient commits what it received (unique message id) before it acknowledges, and ignores a
message id it already has. Every crash point therefore leads to a retry that is a no-op.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from chinhquyen.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from chinhquyen.core.proccache import ProcessCache

from .. import conf, edxml
from ..log import log_append, sha256_hex
from ..models import (
    STATUS_RANK,
    DeliveryState,
    EntryStatus,
    HubDelivery,
    HubMessage,
    InboxMessage,
    LogDirection,
    MessageKind,
    NodeIdentity,
    OutboxMessage,
    OutboxState,
    Peer,
    RegisterDirection,
    RegisterEntry,
)

logger = logging.getLogger(__name__)
VN = ZoneInfo("Asia/Ho_Chi_Minh")


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


# === hub =========================================================================================


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


def _document_id_of(model: edxml.Edoc | edxml.Status) -> str:
    if isinstance(model, edxml.Status):
        return (model.response_for.document_id or "")[:255]
    return (model.document_id or "")[:255]


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


# === node: identity and keys ======================================================================


def node_identity() -> NodeIdentity:
    ident = NodeIdentity.objects.first()
    if ident is None:
        raise NotFound(
            "Nút liên thông chưa đăng ký với trục (chạy `chinhquyen exchange register`).",
            code="node_not_registered",
        )
    return ident


@transaction.atomic
def node_identity_set(*, agency_id: str, name: str, hub_url: str, token: str) -> NodeIdentity:
    NodeIdentity.objects.exclude(agency_id=agency_id).delete()
    ident, _ = NodeIdentity.objects.update_or_create(
        agency_id=agency_id, defaults={"name": name, "hub_url": hub_url.rstrip("/"), "token": token}
    )
    return ident


# (key file, certificate file) -> their PEM bytes, read once per process.
_keys_cache: ProcessCache[tuple[bytes, bytes]] = ProcessCache("exchange.node_keys", max_entries=8)


def node_keys() -> tuple[bytes, bytes]:
    """(private key PEM, certificate PEM) this node signs with."""
    key_file, cert_file = str(conf.get("EXCHANGE_KEY_FILE")), str(conf.get("EXCHANGE_CERT_FILE"))
    return _keys_cache.get_or_set(
        (key_file, cert_file),
        lambda: (conf.read_pem("EXCHANGE_KEY_FILE"), conf.read_pem("EXCHANGE_CERT_FILE")),
    )


def new_message_id() -> str:
    return str(uuid.uuid4())


def document_id_make(*, agency_id: str, date: dt.date, number: str, notation: str) -> str:
    """QCVN 102 DocumentId: ``OrganId,yyyy/MM/dd,Số/Ký hiệu``."""
    return f"{agency_id},{date:%Y/%m/%d},{number}/{notation}"


def _now_vn() -> dt.datetime:
    return timezone.now().astimezone(VN).replace(tzinfo=None, microsecond=0)


def _enqueue(
    *, model: edxml.Edoc | edxml.Status, recipients: list[str], ordered: bool
) -> OutboxMessage:
    key_pem, cert_pem = node_keys()
    payload = edxml.sign(edxml.build(model), key_pem=key_pem, cert_pem=cert_pem)
    message_id = new_message_id()
    digest = sha256_hex(payload)
    msg = OutboxMessage.objects.create(
        message_id=message_id,
        kind=model.kind,
        recipients=recipients,
        document_id=_document_id_of(model),
        payload=payload,
        digest=digest,
        ordered=ordered,
    )
    log_append(entries=[(message_id, LogDirection.OUT, ",".join(recipients)[:32], digest)])
    return msg


@dataclass
class FileIn:
    name: str
    data: bytes
    content_type: str = ""  # "" = from the name (edxml.content_type_for)
    description: str = ""


@transaction.atomic
def document_send(
    *,
    to: list[tuple[str, str]],
    number: str,
    notation: str,
    subject: str,
    files: list[FileIn] | None = None,
    content: str = "",
    document_type: str = "Công văn",
    promulgation_date: dt.date | None = None,
    place: str = "",
    signer: tuple[str, str, str] | None = None,
    handler: str = "",
    business_type: int = edxml.BUSINESS_NEW,
    target_document_id: str | None = None,
    replaces: list[str] | None = None,
    reason: str = "",
    due_date: dt.date | None = None,
) -> OutboxMessage:
    """Send a document (or revoke/update/replace an earlier one) to one or many agencies.

    ``to``: [(agency_id, name)]. For revoke (1) and update (2), ``target_document_id`` is the
    DocumentId of the document concerned; for replace (3), ``replaces`` lists the DocumentIds the
    new document replaces. Commits the signed message to the outbox, the log and the outgoing
    register; the worker delivers it.
    """
    ident = node_identity()
    if not to:
        raise ValidationFailed("Cần ít nhất một nơi nhận.", fields={"to": ["bắt buộc"]})
    if business_type not in edxml.BUSINESS_TYPES:
        raise ValidationFailed(
            "Loại nghiệp vụ không hợp lệ.", fields={"business_type": ["0, 1, 2 hoặc 3"]}
        )
    if business_type in (edxml.BUSINESS_REVOKE, edxml.BUSINESS_UPDATE) and not target_document_id:
        raise ValidationFailed(
            "Cần mã văn bản cần thu hồi/cập nhật.", fields={"target_document_id": ["bắt buộc"]}
        )
    if business_type == edxml.BUSINESS_REPLACE and not replaces:
        raise ValidationFailed("Cần mã văn bản bị thay thế.", fields={"replaces": ["bắt buộc"]})
    date = promulgation_date or timezone.localdate()
    if business_type in (edxml.BUSINESS_REVOKE, edxml.BUSINESS_UPDATE):
        document_id = target_document_id or ""
    else:
        document_id = document_id_make(
            agency_id=ident.agency_id, date=date, number=number, notation=notation
        )
    files = files or []
    attachments = [
        edxml.Attachment.from_bytes(
            f.data,
            content_id=f"cid:{i + 1}",
            name=f.name,
            description=f.description or f.name,
            content_type=edxml.label_for(f.name, f.data, f.content_type),
        )
        for i, f in enumerate(files)
    ]
    model = edxml.Edoc(
        from_=edxml.Organization(organ_id=ident.agency_id, organ_name=ident.name or None),
        to=[edxml.Organization(organ_id=aid, organ_name=name or None) for aid, name in to],
        document_id=document_id,
        code=edxml.Code(number=number, notation=notation),
        promulgation_info=edxml.PromulgationInfo(place=place or None, date=date),
        document_type=edxml.DocumentType(type="1", type_name=document_type),
        subject=subject,
        content=content or None,
        signer_info=edxml.SignerInfo(competence=signer[0], position=signer[1], full_name=signer[2])
        if signer
        else None,
        due_date=due_date,
        steering_type="1",
        traces=[edxml.TraceHeader(organ_id=ident.agency_id, timestamp=_now_vn())],
        business=edxml.Business(
            doc_type=business_type,
            document_id=target_document_id if business_type in (1, 2) else None,
            reason=reason or edxml.BUSINESS_TYPES[business_type],
            paper="0",
            replacements=[
                edxml.ReplacementInfo(document_id=d, organ_ids=[aid for aid, _ in to])
                for d in replaces
            ]
            if business_type == edxml.BUSINESS_REPLACE and replaces
            else None,
            staff_info=edxml.StaffInfo(staff=handler) if handler else None,
        ),
        manifest=[
            edxml.ManifestReference(
                content_id=a.content_id,
                content_type=a.content_type,
                description=a.description,
                attachment_name=a.name,
            )
            for a in attachments
        ]
        or None,
        attachments=attachments,
    )
    recipients = [aid for aid, _ in to]
    msg = _enqueue(model=model, recipients=recipients, ordered=business_type != edxml.BUSINESS_NEW)
    now = timezone.now()
    if business_type in (edxml.BUSINESS_NEW, edxml.BUSINESS_REPLACE):
        RegisterEntry.objects.bulk_create(
            [
                RegisterEntry(
                    agency_id=ident.agency_id,
                    direction=RegisterDirection.OUT,
                    document_id=document_id,
                    message_id=msg.message_id,
                    code_number=number,
                    code_notation=notation,
                    promulgation_date=date,
                    document_type=document_type,
                    subject=subject,
                    counterpart_id=aid,
                    counterpart_name=name,
                    handler=handler,
                    status=EntryStatus.SENT,
                    business_type=business_type,
                    sent_at=now,
                    history=[{"at": now.isoformat(), "event": "sent"}],
                )
                for aid, name in to
            ]
        )
        if business_type == edxml.BUSINESS_REPLACE:
            _mark_replaced(
                agency_id=ident.agency_id,
                direction=RegisterDirection.OUT,
                document_ids=replaces or [],
                counterparts=recipients,
                by=document_id,
            )
    else:
        entries = RegisterEntry.objects.filter(
            agency_id=ident.agency_id,
            direction=RegisterDirection.OUT,
            document_id=document_id,
            counterpart_id__in=recipients,
        )
        for entry in entries:
            if business_type == edxml.BUSINESS_REVOKE:
                _entry_event(entry, "revoke-sent", status=EntryStatus.REVOKED)
            else:
                entry.subject = subject
                _entry_event(entry, "update-sent")
    return msg


def _entry_event(entry: RegisterEntry, event: str, *, status: str | None = None, **extra) -> None:
    now = timezone.now()
    entry.history = [*entry.history, {"at": now.isoformat(), "event": event, **extra}]
    if status is not None:
        entry.status = status
    entry.updated_at = now
    entry.save()


def _mark_replaced(
    *, agency_id: str, direction: str, document_ids: list[str], counterparts: list[str], by: str
) -> None:
    for entry in RegisterEntry.objects.filter(
        agency_id=agency_id,
        direction=direction,
        document_id__in=document_ids,
        counterpart_id__in=counterparts,
    ):
        entry.replaced_by = by
        _entry_event(entry, "replaced", status=EntryStatus.REPLACED, by=by)


def _status_model(
    *, ident: NodeIdentity, entry: RegisterEntry, code: str, description: str, staff: str
) -> edxml.Status:
    return edxml.Status(
        from_=edxml.Organization(organ_id=ident.agency_id, organ_name=ident.name or None),
        response_for=edxml.ResponseFor(
            organ_id=entry.counterpart_id,
            code=entry.number_notation or None,
            promulgation_date=entry.promulgation_date,
            document_id=entry.document_id,
        ),
        staff_info=edxml.StaffInfo(staff=staff) if staff else None,
        status_code=code,
        description=description or edxml.STATUS_CODES[code],
        timestamp=_now_vn(),
        traces=[edxml.TraceHeader(organ_id=ident.agency_id, timestamp=_now_vn())],
    )


@transaction.atomic
def status_send(
    *, entry: RegisterEntry, code: str, description: str = "", staff: str = ""
) -> OutboxMessage:
    """Answer about a register line with a status message (01-06, 15, 16 from the recipient;
    13 from the sender asking to withdraw). Updates the local line in the same transaction."""
    if code not in edxml.STATUS_CODES:
        raise ValidationFailed(
            "Mã trạng thái không hợp lệ.", fields={"code": ["01-06, 13, 15, 16"]}
        )
    if code == "13" and entry.direction != RegisterDirection.OUT:
        raise ValidationFailed(
            "Chỉ cơ quan gửi được yêu cầu lấy lại văn bản (13).", code="wrong_direction"
        )
    if code != "13" and entry.direction != RegisterDirection.IN:
        raise ValidationFailed(
            "Chỉ cơ quan nhận được gửi trạng thái xử lý.", code="wrong_direction"
        )
    ident = node_identity()
    model = _status_model(ident=ident, entry=entry, code=code, description=description, staff=staff)
    msg = _enqueue(model=model, recipients=[entry.counterpart_id], ordered=False)
    if code in ("13", "15", "16"):
        entry.request_status = code
        # 15: this agency agrees to give the document back, so its copy is withdrawn.
        _entry_event(
            entry, f"status-sent-{code}", status=EntryStatus.REVOKED if code == "15" else None
        )
    else:
        if staff and code == "04":
            entry.handler = staff
        _entry_event(
            entry,
            f"status-sent-{code}",
            status=code if STATUS_RANK.get(code, 0) >= STATUS_RANK.get(entry.status, 0) else None,
        )
    return msg


# === registers kept elsewhere (historical import) ================================================


@dataclass(frozen=True)
class RegisterLineIn:
    """One line of a register that was kept before this node existed (e.g. the statistics of the
    national axis for 2019): the document, the other agency, when it was sent (outgoing) or
    received (incoming) and, if the signatures were assessed, the three verdicts."""

    document_id: str
    counterpart_id: str
    at: dt.datetime
    counterpart_name: str = ""
    code_number: str = ""
    code_notation: str = ""
    promulgation_date: dt.date | None = None
    document_type: str = ""
    subject: str = ""
    status: str = ""  # default: "sent" (outgoing) or "03" accepted and registered (incoming)
    personal_signature_valid: bool | None = None
    agency_signature_valid: bool | None = None
    decree30_ok: bool | None = None
    assessed_at: dt.datetime | None = None


IMPORT_MESSAGE_PREFIX = "import:"  # message_id of an imported line: no message went through us


def _register_line_errors(line: RegisterLineIn, now: dt.datetime) -> list[str]:
    errors = []
    if not line.document_id or len(line.document_id) > 255:
        errors.append("document_id: bắt buộc, tối đa 255 ký tự")
    if not line.counterpart_id or len(line.counterpart_id) > 32:
        errors.append("counterpart_id: bắt buộc, tối đa 32 ký tự")
    for name in ("at", "assessed_at"):
        value = getattr(line, name)
        if value is None:
            if name == "at":
                errors.append("at: bắt buộc")
            continue
        if timezone.is_naive(value):
            errors.append(f"{name}: phải có múi giờ")
        elif value > now:
            errors.append(f"{name}: không được ở tương lai")
    if line.status and line.status not in EntryStatus.values:
        errors.append(f"status: không có trạng thái «{line.status}»")
    verdicts = (line.personal_signature_valid, line.agency_signature_valid, line.decree30_ok)
    if (line.assessed_at is None) != all(v is None for v in verdicts):
        errors.append("assessed_at: cần khi (và chỉ khi) có kết quả đánh giá chữ ký")
    return errors


@transaction.atomic
def register_import(
    *, agency_id: str, direction: str, lines: list[RegisterLineIn], source: str
) -> int:
    """Record lines of ``agency_id``'s outgoing or incoming register that were kept elsewhere,
    all or nothing. No message goes through this node, so nothing enters the outbox or the
    message log; each line's history says where it came from (``source``). A line already in
    the register (same agency, direction, document and counterpart) is left as it is, so an
    import can be run again. Returns the number of lines added."""
    if direction not in RegisterDirection.values:
        raise ValidationFailed(
            "Chiều sổ văn bản không hợp lệ.", fields={"direction": ["in hoặc out"]}
        )
    if not agency_id or len(agency_id) > 32:
        raise ValidationFailed("Thiếu mã định danh cơ quan.", fields={"agency_id": ["bắt buộc"]})
    now = timezone.now()
    errors = {
        f"lines[{i}]": problems
        for i, line in enumerate(lines)
        if (problems := _register_line_errors(line, now))
    }
    if errors:
        raise ValidationFailed("Dòng sổ văn bản không hợp lệ.", fields=errors)
    have = set(
        RegisterEntry.objects.filter(
            agency_id=agency_id,
            direction=direction,
            document_id__in={line.document_id for line in lines},
        ).values_list("document_id", "counterpart_id")
    )
    outgoing = direction == RegisterDirection.OUT
    default_status = EntryStatus.SENT if outgoing else EntryStatus.ACCEPTED
    new = []
    for line in lines:
        key = (line.document_id, line.counterpart_id)
        if key in have:
            continue
        have.add(key)
        new.append(
            RegisterEntry(
                agency_id=agency_id,
                direction=direction,
                document_id=line.document_id,
                message_id=f"{IMPORT_MESSAGE_PREFIX}{source}"[:64],
                code_number=line.code_number,
                code_notation=line.code_notation,
                promulgation_date=line.promulgation_date,
                document_type=line.document_type,
                subject=line.subject,
                counterpart_id=line.counterpart_id,
                counterpart_name=line.counterpart_name,
                status=line.status or default_status,
                sent_at=line.at if outgoing else None,
                received_at=None if outgoing else line.at,
                updated_at=now,
                history=[{"at": now.isoformat(), "event": "imported", "source": source}],
                personal_signature_valid=line.personal_signature_valid,
                agency_signature_valid=line.agency_signature_valid,
                decree30_ok=line.decree30_ok,
                assessed_at=line.assessed_at,
            )
        )
    RegisterEntry.objects.bulk_create(new, batch_size=500)
    return len(new)


# === node: receiving =============================================================================


def _apply_edoc(ident: NodeIdentity, model: edxml.Edoc, message_id: str) -> list[RegisterEntry]:
    """Apply a received document to the incoming register. Returns lines that need an
    automatic "01 arrived" answer."""
    sender = model.from_.organ_id or ""
    sender_name = model.from_.organ_name or ""
    btype = model.business_type
    now = timezone.now()
    if btype in (edxml.BUSINESS_REVOKE, edxml.BUSINESS_UPDATE):
        target = (model.business.document_id if model.business else None) or model.document_id or ""
        entries = list(
            RegisterEntry.objects.filter(
                agency_id=ident.agency_id,
                direction=RegisterDirection.IN,
                document_id=target,
                counterpart_id=sender,
            )
        )
        for entry in entries:
            if btype == edxml.BUSINESS_REVOKE:
                _entry_event(entry, "revoked", status=EntryStatus.REVOKED, message_id=message_id)
            else:
                entry.subject = model.subject or entry.subject
                if model.code:
                    entry.code_number = model.code.number or entry.code_number
                    entry.code_notation = model.code.notation or entry.code_notation
                if model.promulgation_info and model.promulgation_info.date:
                    entry.promulgation_date = model.promulgation_info.date
                _entry_event(entry, "updated", message_id=message_id)
        if not entries:
            logger.warning("exchange: %s for unknown document %s from %s", btype, target, sender)
        return []
    document_id = model.document_id or f"{sender},{message_id}"
    entry, created = RegisterEntry.objects.get_or_create(
        agency_id=ident.agency_id,
        direction=RegisterDirection.IN,
        document_id=document_id[:255],
        counterpart_id=sender,
        defaults={
            "message_id": message_id,
            "code_number": (model.code.number if model.code else "") or "",
            "code_notation": (model.code.notation if model.code else "") or "",
            "promulgation_date": model.promulgation_info.date if model.promulgation_info else None,
            "document_type": (model.document_type.type_name if model.document_type else "") or "",
            "subject": model.subject or "",
            "counterpart_name": sender_name,
            "status": EntryStatus.ARRIVED,
            "business_type": btype,
            "received_at": now,
            "history": [{"at": now.isoformat(), "event": "arrived", "message_id": message_id}],
        },
    )
    if btype == edxml.BUSINESS_REPLACE and model.business and model.business.replacements:
        _mark_replaced(
            agency_id=ident.agency_id,
            direction=RegisterDirection.IN,
            document_ids=[r.document_id for r in model.business.replacements if r.document_id],
            counterparts=[sender],
            by=document_id,
        )
    return [entry] if created else []


def _apply_status(ident: NodeIdentity, model: edxml.Status, message_id: str) -> None:
    sender = model.from_.organ_id or ""
    code = model.status_code
    direction = RegisterDirection.IN if code == "13" else RegisterDirection.OUT
    entries = RegisterEntry.objects.filter(
        agency_id=ident.agency_id,
        direction=direction,
        document_id=model.response_for.document_id or "",
        counterpart_id=sender,
    )
    for entry in entries:
        if code in ("13", "15", "16"):
            entry.request_status = code
            _entry_event(
                entry,
                f"status-{code}",
                status=EntryStatus.REVOKED if code == "15" else None,
                message_id=message_id,
            )
        elif STATUS_RANK.get(code, 0) >= STATUS_RANK.get(entry.status, 0):
            if code == "04" and model.staff_info and model.staff_info.staff:
                entry.handler = model.staff_info.staff
            _entry_event(entry, f"status-{code}", status=code, message_id=message_id)
        else:
            _entry_event(entry, f"status-{code}-late", message_id=message_id)


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


def _receive_batch(messages: list[tuple[str, str, bytes]]) -> None:
    ident = node_identity()
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
    if not parsed:
        return
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
                    promulgation_date=model.promulgation_info.date
                    if model.promulgation_info
                    else None,
                    document_type=(model.document_type.type_name if model.document_type else "")
                    or "",
                    subject=model.subject or "",
                    counterpart_name=model.from_.organ_name or "",
                    status=EntryStatus.ARRIVED,
                    business_type=0,
                    received_at=now,
                    history=[{"at": now.isoformat(), "event": "arrived", "message_id": mid}],
                )
            )
        RegisterEntry.objects.bulk_create(entries)
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
        log_entries += [(o.message_id, LogDirection.OUT, o.recipients[0], o.digest) for o in outbox]
    if statuses:
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
    log_append(entries=log_entries)
    for mid, _, _, model, _ in others:
        if isinstance(model, edxml.Edoc):
            for entry in _apply_edoc(ident, model, mid):
                status_send(entry=entry, code="01", description=ARRIVED_TEXT)
        else:
            _apply_status(ident, model, mid)


# === node: the worker's two halves ===============================================================


def _backoff(attempts: int) -> dt.timedelta:
    base = float(conf.get("EXCHANGE_RETRY_BASE_SECONDS"))
    cap = float(conf.get("EXCHANGE_RETRY_MAX_SECONDS"))
    return dt.timedelta(seconds=min(cap, base * (2 ** max(0, attempts - 1))))


def outbox_batch(limit: int) -> list[OutboxMessage]:
    """The next messages to push, in order. A revoke/update/replace (``ordered``) goes alone and
    only when nothing queued before it is still pending, so it never overtakes its document."""
    now = timezone.now()
    batch: list[OutboxMessage] = []
    for position, msg in enumerate(
        OutboxMessage.objects.filter(state=OutboxState.PENDING).order_by("id")[: limit * 2]
    ):
        if msg.ordered:
            if position == 0 and msg.next_attempt_at <= now:
                batch.append(msg)
            break
        if msg.next_attempt_at <= now:
            batch.append(msg)
        if len(batch) >= limit:
            break
    return batch


def outbox_mark_sent(*, pks: list[int]) -> None:
    """The hub committed these (2xx): one UPDATE for the lot."""
    if pks:
        OutboxMessage.objects.filter(pk__in=pks).update(
            state=OutboxState.SENT, sent_at=timezone.now(), last_error=""
        )


def outbox_mark(*, msg: OutboxMessage, status: int | None, error: str = "") -> None:
    """Record the hub's answer: 2xx sent; 4xx (not 408/429) refused for good; else retry later."""
    if status is not None and 200 <= status < 300:
        OutboxMessage.objects.filter(pk=msg.pk).update(
            state=OutboxState.SENT, sent_at=timezone.now(), last_error=""
        )
        return
    attempts = msg.attempts + 1
    if status is not None and 400 <= status < 500 and status not in (408, 429):
        OutboxMessage.objects.filter(pk=msg.pk).update(
            state=OutboxState.FAILED, attempts=attempts, last_error=error[:2000]
        )
        return
    OutboxMessage.objects.filter(pk=msg.pk).update(
        attempts=attempts,
        next_attempt_at=timezone.now() + _backoff(attempts),
        last_error=error[:2000],
    )
