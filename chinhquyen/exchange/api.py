"""The exchange API. Two audiences:

- the hub's peer API (``/hub/...``), spoken by agency nodes: register, post a message, read the
  inbox, acknowledge. Nodes authenticate with the token the hub issued at registration
  (``Authorization: Bearer``); registration itself needs the hub's enrolment secret.
- a node's officer API: the incoming/outgoing registers, status answers, and the figures.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer

from chinhquyen.accounts.auth import bearer_or_session
from chinhquyen.core.api import binary, errors
from chinhquyen.core.errors import PermissionDenied, ValidationFailed
from chinhquyen.core.pagination import Limit200, Limit500, Offset
from chinhquyen.core.proccache import ModelRow, ProcessCache

from . import conf, selectors, services
from .figures import figures_for
from .models import Peer, RegisterEntry
from .views import file_response

router = Router(tags=["exchange"])

# token hash -> the peer's row; a few seconds so a burst does not look the token up each time.
# Each request gets its own Peer built from the row.
PEER_CACHE_SECONDS = 10.0
_peer_cache: ProcessCache[ModelRow[Peer]] = ProcessCache(
    "exchange.peers", max_entries=10_000, ttl=PEER_CACHE_SECONDS
)


class PeerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        if not token:
            return None
        key = services.hash_token(token)
        row = _peer_cache.get(key)
        if row is not None:
            peer = row.build()
        else:
            peer = Peer.objects.filter(token_hash=key, is_active=True).first()
            if peer is None:
                return None
            _peer_cache.set(key, ModelRow.of(peer))
        request.peer = peer
        return peer


peer_auth = PeerToken()


def _hub_only() -> None:
    if conf.role() != "hub":
        raise PermissionDenied("Máy chủ này không phải trục liên thông.", code="not_a_hub")


class RegisteredOut(Schema):
    agency_id: str
    token: str


class MessageAcceptedOut(Schema):
    message_id: str
    recipients: list[str]
    duplicate: bool


class BatchResultOut(Schema):
    """One message of a batch: 201 stored (``duplicate``, ``recipients``), 200 a repeat, or a
    4xx ``status`` with ``code`` and ``detail``. Only the members that apply are present."""

    message_id: str
    status: int
    duplicate: bool | None = None
    recipients: list[str] | None = None
    code: str | None = None
    detail: str | None = None


class BatchOut(Schema):
    results: list[BatchResultOut]


class InboxMessageOut(Schema):
    message_id: str
    sender: str
    kind: str
    digest: str
    payload: str


class InboxOut(Schema):
    messages: list[InboxMessageOut]


class AckOut(Schema):
    acknowledged: int


class EntryOut(Schema):
    id: int
    agency_id: str
    direction: str
    document_id: str
    number_notation: str
    promulgation_date: dt.date | None
    subject: str
    document_type: str
    counterpart_id: str
    counterpart_name: str
    handler: str
    status: str
    status_label: str
    request_status: str
    business_type: int
    replaced_by: str
    sent_at: dt.datetime | None
    received_at: dt.datetime | None
    personal_signature_valid: bool | None
    agency_signature_valid: bool | None
    decree30_ok: bool | None


class RegisterPageOut(Schema):
    count: int
    results: list[EntryOut]


class AttachmentOut(Schema):
    index: int
    name: str
    content_type: str
    size: int
    unwrapped: bool
    warning: str | None


class AttachmentsOut(Schema):
    entry: EntryOut
    attachments: list[AttachmentOut]
    warnings: list[str]


class StatusSentOut(Schema):
    message_id: str
    entry: EntryOut


class FiguresOut(Schema):
    agency_id: str
    from_: dt.date = Field(alias="from")
    to: dt.date
    sent: int
    received: int
    assessed: int
    personal_signature_share: float | None
    agency_signature_share: float | None
    decree30_share: float | None


class RegisterIn(Schema):
    agency_id: str
    name: str = ""
    certificate_pem: str


@router.post(
    "/hub/register",
    auth=None,
    response={201: RegisteredOut, **errors(403, 422)},
    summary="Đăng ký cơ quan với trục",
)
def hub_register(request: HttpRequest, payload: RegisterIn):
    _hub_only()
    secret = str(conf.get("EXCHANGE_HUB_ENROL_SECRET"))
    given = request.headers.get("X-Enrol-Secret", "")
    if not secret or not hmac.compare_digest(secret.encode(), given.encode()):
        raise PermissionDenied("Sai hoặc thiếu mã đăng ký (X-Enrol-Secret).", code="enrol_denied")
    peer, token = services.peer_register(
        agency_id=payload.agency_id, name=payload.name, certificate_pem=payload.certificate_pem
    )
    return Status(201, {"agency_id": peer.agency_id, "token": token})


@router.post(
    "/hub/messages",
    auth=peer_auth,
    response={200: MessageAcceptedOut, 201: MessageAcceptedOut, **errors(401, 403, 409, 422)},
    summary="Gửi thông điệp edXML lên trục",
)
def hub_messages(request: HttpRequest):
    _hub_only()
    # From the stream: a message may be larger than the 2.5 MB Django buffers as request.body.
    # Its size was checked by its Content-Length before the view (REQUEST_BODY_LIMITS).
    answer = services.hub_accept(
        peer=request.auth,
        message_id=request.headers.get("X-Message-Id", ""),
        payload=request.read(),
    )
    return Status(200 if answer.duplicate else 201, answer.as_dict())


@router.post(
    "/hub/batch",
    auth=peer_auth,
    response={200: BatchOut, **errors(401, 403, 422)},
    exclude_unset=True,
    summary="Gửi nhiều thông điệp edXML một lần",
)
def hub_batch(request: HttpRequest):
    """Body: ``{"messages": [{"message_id": "...", "payload": "<edXML …>"}, …]}`` (≤ 200). Each
    message is answered on its own (``results``), exactly as ``POST /hub/messages`` would."""
    _hub_only()
    try:
        body = json.loads(request.read())  # from the stream, as /hub/messages
        items = [
            (str(m["message_id"]).strip(), m["payload"].encode("utf-8")) for m in body["messages"]
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValidationFailed(
            "Lô thông điệp không đúng định dạng.", code="malformed_batch"
        ) from exc
    if any("\x00" in message_id for message_id, _payload in items):
        raise ValidationFailed(
            "Mã thông điệp có ký tự không hợp lệ (ký tự NUL).", code="malformed_batch"
        )
    if len(items) > 200:
        raise ValidationFailed("Tối đa 200 thông điệp mỗi lô.", code="batch_too_large")
    return {"results": services.hub_accept_batch(peer=request.auth, items=items)}


@router.get(
    "/hub/inbox",
    auth=peer_auth,
    response={200: InboxOut, **errors(401, 403, 422)},
    summary="Thông điệp chờ nhận",
)
def hub_inbox(request: HttpRequest, limit: Limit200 = 50):
    _hub_only()
    return {"messages": services.hub_inbox(peer=request.auth, limit=limit)}


class AckIn(Schema):
    message_ids: list[str]


@router.post(
    "/hub/ack",
    auth=peer_auth,
    response={200: AckOut, **errors(401, 403, 422)},
    summary="Xác nhận đã nhận",
)
def hub_ack(request: HttpRequest, payload: AckIn):
    _hub_only()
    return {"acknowledged": services.hub_ack(peer=request.auth, message_ids=payload.message_ids)}


def _entry_out(e: RegisterEntry) -> dict:
    return {
        "id": e.id,
        "agency_id": e.agency_id,
        "direction": e.direction,
        "document_id": e.document_id,
        "number_notation": e.number_notation,
        "promulgation_date": e.promulgation_date,
        "subject": e.subject,
        "document_type": e.document_type,
        "counterpart_id": e.counterpart_id,
        "counterpart_name": e.counterpart_name,
        "handler": e.handler,
        "status": e.status,
        "status_label": e.get_status_display(),
        "request_status": e.request_status,
        "business_type": e.business_type,
        "replaced_by": e.replaced_by,
        "sent_at": e.sent_at,
        "received_at": e.received_at,
        "personal_signature_valid": e.personal_signature_valid,
        "agency_signature_valid": e.agency_signature_valid,
        "decree30_ok": e.decree30_ok,
    }


@router.get(
    "/registers",
    auth=bearer_or_session,
    response={200: RegisterPageOut, **errors(401, 403, 422)},
    summary="Sổ văn bản đến/đi",
)
def registers(
    request: HttpRequest,
    direction: str | None = None,
    agency_id: str | None = None,
    limit: Limit500 = 100,
    offset: Offset = 0,
):
    if direction not in (None, "in", "out"):
        raise ValidationFailed("direction phải là in hoặc out.", fields={"direction": ["in | out"]})
    qs = selectors.register_list(user=request.user, agency_id=agency_id, direction=direction)
    rows = list(qs[offset : offset + limit])
    return {"count": qs.count(), "results": [_entry_out(e) for e in rows]}


@router.get(
    "/registers/{entry_id}/attachments",
    auth=bearer_or_session,
    response={200: AttachmentsOut, **errors(401, 403, 404)},
    summary="Tệp đính kèm của văn bản",
)
def register_attachments(request: HttpRequest, entry_id: int):
    """The files of the document behind a register line, as they are downloaded: a file the
    sender's software zipped (EdXML102: ``application/zip`` under the file's own name) is listed
    unwrapped; ``warning`` says when the received bytes are handed out as they came."""
    entry = selectors.register_entry_get_for_user(user=request.user, pk=entry_id)
    doc = selectors.register_entry_document(entry=entry)
    return {
        "entry": _entry_out(entry),
        "attachments": [f.as_dict() for f in doc.files],
        "warnings": doc.warnings,
    }


@router.get(
    "/registers/{entry_id}/attachments/{index}",
    auth=bearer_or_session,
    summary="Tải tệp đính kèm",
    # The file as its sender typed it (or unwrapped from the library's zip): any media type.
    response={200: None, **errors(401, 403, 404)},
    openapi_extra=binary("*/*", description="Tệp đính kèm"),
)
def register_attachment(request: HttpRequest, entry_id: int, index: int):
    entry = selectors.register_entry_get_for_user(user=request.user, pk=entry_id)
    return file_response(selectors.register_entry_file(entry=entry, index=index))


class StatusIn(Schema):
    code: str
    description: str = ""
    staff: str = ""


@router.post(
    "/registers/{entry_id}/status",
    auth=bearer_or_session,
    response={200: StatusSentOut, **errors(401, 403, 404, 409, 422)},
    summary="Gửi trạng thái xử lý",
)
def register_status(request: HttpRequest, entry_id: int, payload: StatusIn):
    entry = selectors.register_entry_get_for_user(user=request.user, pk=entry_id)
    msg = services.status_send(
        entry=entry, code=payload.code, description=payload.description, staff=payload.staff
    )
    entry.refresh_from_db()
    return {"message_id": msg.message_id, "entry": _entry_out(entry)}


@router.get(
    "/figures",
    auth=bearer_or_session,
    response={200: FiguresOut, **errors(401, 403, 422)},
    by_alias=True,
    summary="Số liệu liên thông theo cơ quan và kỳ",
)
def figures(request: HttpRequest, agency_id: str, date_from: dt.date, date_to: dt.date):
    if date_to < date_from:
        raise ValidationFailed(
            "Kỳ báo cáo không hợp lệ.", fields={"date_to": ["phải sau date_from"]}
        )
    selectors.agency_check_access(user=request.user, agency_id=agency_id)
    return figures_for(agency_id=agency_id, date_from=date_from, date_to=date_to).as_dict()
