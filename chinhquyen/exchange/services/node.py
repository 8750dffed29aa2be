"""A node's identity at the hub, the keys it signs with, and the ids it makes (message ids,
QCVN 102 DocumentIds)."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from chinhquyen.core.errors import NotFound
from chinhquyen.core.proccache import ProcessCache

from .. import conf, edxml
from ..models import NodeIdentity

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _document_id_of(model: edxml.Edoc | edxml.Status) -> str:
    if isinstance(model, edxml.Status):
        return (model.response_for.document_id or "")[:255]
    return (model.document_id or "")[:255]


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
