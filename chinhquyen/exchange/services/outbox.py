"""Sending: a document (or its revoke/update/replace) or a status is signed and committed to the
outbox with its log entry and register lines before anything goes on the wire; the worker takes
the next batch, in order, and records the hub's answer (sent, refused, or retried with back-off)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from chinhquyen.core.errors import ValidationFailed

from .. import conf, edxml
from ..log import log_append, sha256_hex
from ..models import (
    STATUS_RANK,
    EntryStatus,
    LogDirection,
    NodeIdentity,
    OutboxMessage,
    OutboxState,
    RegisterDirection,
    RegisterEntry,
)
from .node import (
    _document_id_of,
    _now_vn,
    document_id_make,
    new_message_id,
    node_identity,
    node_keys,
)
from .registers import _entry_event, _register_sent


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
    _document_send_check(
        to=to, business_type=business_type, target_document_id=target_document_id, replaces=replaces
    )
    date = promulgation_date or timezone.localdate()
    if business_type in (edxml.BUSINESS_REVOKE, edxml.BUSINESS_UPDATE):
        document_id = target_document_id or ""
    else:
        document_id = document_id_make(
            agency_id=ident.agency_id, date=date, number=number, notation=notation
        )
    model = _document_model(
        ident=ident,
        to=to,
        document_id=document_id,
        number=number,
        notation=notation,
        date=date,
        place=place,
        document_type=document_type,
        subject=subject,
        content=content,
        signer=signer,
        due_date=due_date,
        business=_business_of(
            business_type=business_type,
            target_document_id=target_document_id,
            reason=reason,
            replaces=replaces,
            to=to,
            handler=handler,
        ),
        files=files or [],
    )
    recipients = [aid for aid, _ in to]
    msg = _enqueue(model=model, recipients=recipients, ordered=business_type != edxml.BUSINESS_NEW)
    _register_sent(
        agency_id=ident.agency_id,
        to=to,
        message_id=msg.message_id,
        document_id=document_id,
        number=number,
        notation=notation,
        date=date,
        document_type=document_type,
        subject=subject,
        handler=handler,
        business_type=business_type,
        replaces=replaces,
    )
    return msg


def _document_model(
    *,
    ident: NodeIdentity,
    to: list[tuple[str, str]],
    document_id: str,
    number: str,
    notation: str,
    date: dt.date,
    place: str,
    document_type: str,
    subject: str,
    content: str,
    signer: tuple[str, str, str] | None,
    due_date: dt.date | None,
    business: edxml.Business,
    files: list[FileIn],
) -> edxml.Edoc:
    """The edXML document this node sends, with the files attached."""
    attachments = _attachments_of(files)
    return edxml.Edoc(
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
        business=business,
        manifest=_manifest_of(attachments),
        attachments=attachments,
    )


def _document_send_check(
    *,
    to: list[tuple[str, str]],
    business_type: int,
    target_document_id: str | None,
    replaces: list[str] | None,
) -> None:
    """Refuse a send without recipients, of an unknown business type or without its target."""
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


def _attachments_of(files: list[FileIn]) -> list[edxml.Attachment]:
    """The files as edXML attachments, with content ids cid:1, cid:2, … in order."""
    return [
        edxml.Attachment.from_bytes(
            f.data,
            content_id=f"cid:{i + 1}",
            name=f.name,
            description=f.description or f.name,
            content_type=edxml.label_for(f.name, f.data, f.content_type),
        )
        for i, f in enumerate(files)
    ]


def _manifest_of(attachments: list[edxml.Attachment]) -> list[edxml.ManifestReference] | None:
    """The edXMLManifest listing the attachments (None without attachments)."""
    return [
        edxml.ManifestReference(
            content_id=a.content_id,
            content_type=a.content_type,
            description=a.description,
            attachment_name=a.name,
        )
        for a in attachments
    ] or None


def _business_of(
    *,
    business_type: int,
    target_document_id: str | None,
    reason: str,
    replaces: list[str] | None,
    to: list[tuple[str, str]],
    handler: str,
) -> edxml.Business:
    """The Bussiness block: the business type, its target or the replaced documents, the handler."""
    return edxml.Business(
        doc_type=business_type,
        document_id=target_document_id if business_type in (1, 2) else None,
        reason=reason or edxml.BUSINESS_TYPES[business_type],
        paper="0",
        replacements=[
            edxml.ReplacementInfo(document_id=d, organ_ids=[aid for aid, _ in to]) for d in replaces
        ]
        if business_type == edxml.BUSINESS_REPLACE and replaces
        else None,
        staff_info=edxml.StaffInfo(staff=handler) if handler else None,
    )


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
