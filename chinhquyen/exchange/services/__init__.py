"""Every write of the exchange, in named steps:

- ``hub``: the hub's writes — register a peer, accept a message (alone or in a batch), hand out
  what waits for a peer, take its acknowledgements;
- ``node``: a node's identity at the hub, the keys it signs with, the ids it makes;
- ``outbox``: send a document (or revoke/update/replace one) or a status, and the worker's
  outbox side (the next batch, the hub's answer, back-off);
- ``inbox``: receive what was pulled, one message or a batch, before acknowledging it;
- ``registers``: the incoming and outgoing register lines — events, replacements, received
  documents and statuses applied to them, and lines imported from registers kept elsewhere.

Delivery guarantee, in one paragraph: a node commits a message to its outbox (with the log entry
and the register lines) before anything goes on the wire; the worker POSTs it with the message id
as idempotency key and marks it sent only on 2xx; the hub commits the message and one delivery
row per recipient before it answers 2xx, and answers a repeated message id with the same answer;
a recipient commits what it received (unique message id) before it acknowledges, and ignores a
message id it already has. Every crash point therefore leads to a retry that is a no-op.

Callers import from here (``from chinhquyen.exchange.services import …``).
"""

from .hub import (
    Accepted,
    hash_token,
    hub_accept,
    hub_accept_batch,
    hub_ack,
    hub_inbox,
    peer_register,
)
from .inbox import inbox_receive, inbox_receive_batch
from .node import document_id_make, node_identity, node_identity_set
from .outbox import (
    FileIn,
    document_send,
    outbox_batch,
    outbox_mark,
    outbox_mark_sent,
    status_send,
)
from .registers import IMPORT_MESSAGE_PREFIX, RegisterLineIn, register_import

__all__ = [
    "IMPORT_MESSAGE_PREFIX",
    "Accepted",
    "FileIn",
    "RegisterLineIn",
    "document_id_make",
    "document_send",
    "hash_token",
    "hub_accept",
    "hub_accept_batch",
    "hub_ack",
    "hub_inbox",
    "inbox_receive",
    "inbox_receive_batch",
    "node_identity",
    "node_identity_set",
    "outbox_batch",
    "outbox_mark",
    "outbox_mark_sent",
    "peer_register",
    "register_import",
    "status_send",
]
