"""A node's worker: push the outbox to the hub, pull the inbox, acknowledge, time-stamp the log.

One worker per node database (``chinhquyen exchange run-node``). Pushes go out in parallel
(``EXCHANGE_PUSH_CONCURRENCY`` threads doing HTTP only; every database write stays on the main
thread). The hub is the only peer a node talks to.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from django.db import close_old_connections

from . import conf
from .log import log_timestamp
from .models import NodeIdentity, OutboxMessage
from .services import (
    inbox_receive_batch,
    node_identity,
    outbox_batch,
    outbox_mark,
    outbox_mark_sent,
)

logger = logging.getLogger(__name__)

_local = threading.local()


def _session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        _local.session = session
    return session


def _headers(ident: NodeIdentity) -> dict[str, str]:
    return {"Authorization": f"Bearer {ident.token}"}


# The edXML of one POST /hub/batch: at most this much (JSON escaping makes the body at most three
# times larger, under the hub's EXCHANGE_BATCH_MAX_BYTES). A larger message goes on its own to
# /hub/messages.
GROUP_BYTES = 4 * 1024 * 1024


def groups_of(messages: list[OutboxMessage], *, per_group: int) -> list[list[OutboxMessage]]:
    """The messages in order, in groups of at most ``per_group`` and ``GROUP_BYTES`` of edXML (a
    larger message alone)."""
    groups: list[list[OutboxMessage]] = []
    size = 0
    for msg in messages:
        length = len(msg.payload)
        if not groups or len(groups[-1]) >= per_group or size + length > GROUP_BYTES:
            groups.append([])
            size = 0
        groups[-1].append(msg)
        size += length
    return groups


def _post_group(
    ident: NodeIdentity, group: list[OutboxMessage]
) -> dict[str, tuple[int | None, str]]:
    """POST a group to /hub/batch (a single message to /hub/messages, the plain interface).
    Answers message id -> (HTTP-like status, error text); a transport error answers None."""
    if len(group) == 1:
        status, error = _post(ident, group[0].message_id, bytes(group[0].payload))
        return {group[0].message_id: (status, error)}
    body = {
        "messages": [
            {"message_id": m.message_id, "payload": bytes(m.payload).decode("utf-8")} for m in group
        ]
    }
    try:
        resp = _session().post(
            f"{ident.hub_url}/api/v1/exchange/hub/batch",
            json=body,
            headers=_headers(ident),
            timeout=float(conf.get("EXCHANGE_HTTP_TIMEOUT")),
        )
    except requests.RequestException as exc:
        return {m.message_id: (None, f"{type(exc).__name__}: {exc}") for m in group}
    if resp.status_code != 200:
        return {m.message_id: (resp.status_code, resp.text[:1000]) for m in group}
    return {
        r["message_id"]: (int(r["status"]), r.get("detail", "")) for r in resp.json()["results"]
    }


def _post(ident: NodeIdentity, msg_id: str, payload: bytes) -> tuple[int | None, str]:
    try:
        resp = _session().post(
            f"{ident.hub_url}/api/v1/exchange/hub/messages",
            data=payload,
            headers={**_headers(ident), "X-Message-Id": msg_id, "Content-Type": "application/xml"},
            timeout=float(conf.get("EXCHANGE_HTTP_TIMEOUT")),
        )
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return resp.status_code, "" if resp.ok else resp.text[:1000]


class NodeWorker:
    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=int(conf.get("EXCHANGE_PUSH_CONCURRENCY")))
        self.last_timestamp = 0.0

    def push(self) -> int:
        """Push the due outbox messages: in groups (one request, one hub transaction each), the
        groups in parallel. Returns how many the hub accepted."""
        ident = node_identity()
        batch = outbox_batch(int(conf.get("EXCHANGE_BATCH")))
        if not batch:
            return 0
        groups = groups_of(batch, per_group=max(1, int(conf.get("EXCHANGE_GROUP"))))
        answers = list(self.pool.map(lambda g: _post_group(ident, g), groups))
        sent: list[int] = []
        for group, answer in zip(groups, answers, strict=True):
            for msg in group:
                status, error = answer.get(msg.message_id, (None, "no answer"))
                if status is not None and 200 <= status < 300:
                    sent.append(msg.pk)
                else:
                    logger.warning("exchange push %s: %s %s", msg.message_id, status, error[:200])
                    outbox_mark(msg=msg, status=status, error=error)
        outbox_mark_sent(pks=sent)
        return len(sent)

    def pull(self) -> int:
        """Receive one batch from the hub; acknowledge only what is committed here."""
        ident = node_identity()
        try:
            resp = _session().get(
                f"{ident.hub_url}/api/v1/exchange/hub/inbox",
                params={"limit": int(conf.get("EXCHANGE_BATCH"))},
                headers=_headers(ident),
                timeout=float(conf.get("EXCHANGE_HTTP_TIMEOUT")),
            )
        except requests.RequestException as exc:
            logger.warning("exchange pull: %s", exc)
            return 0
        if resp.status_code != 200:
            logger.warning("exchange pull: HTTP %s %s", resp.status_code, resp.text[:200])
            return 0
        messages = resp.json().get("messages", [])
        if not messages:
            return 0
        done = inbox_receive_batch(
            messages=[
                (m["message_id"], m["sender"], m["payload"].encode("utf-8")) for m in messages
            ]
        )
        if done:
            try:
                _session().post(
                    f"{ident.hub_url}/api/v1/exchange/hub/ack",
                    json={"message_ids": done},
                    headers=_headers(ident),
                    timeout=float(conf.get("EXCHANGE_HTTP_TIMEOUT")),
                )
            except requests.RequestException as exc:
                logger.warning("exchange ack: %s (will be redelivered and ignored)", exc)
        return len(messages)

    def maybe_timestamp(self) -> None:
        every = float(conf.get("EXCHANGE_TIMESTAMP_SECONDS"))
        if not conf.get("EXCHANGE_TSA_URL") or time.monotonic() - self.last_timestamp < every:
            return
        self.last_timestamp = time.monotonic()
        try:
            log_timestamp()
        except Exception:
            logger.exception("exchange: time-stamping the message log failed (will retry)")

    def run_once(self) -> int:
        pause = str(conf.get("EXCHANGE_PAUSE_FILE"))
        if pause and os.path.exists(pause):  # an operator (or the benchmark) holds the worker
            return 0
        close_old_connections()
        work = self.push() + self.pull()
        self.maybe_timestamp()
        if not work:
            from .figures import register_assess_pending

            register_assess_pending(limit=20)
        return work

    def run_forever(self, *, stop: threading.Event | None = None) -> None:
        # One thread doing push then pull: a two-thread variant (push and pull side by side)
        # measured no faster and cost more CPU per document (docs/benchmarks.md).
        poll = float(conf.get("EXCHANGE_POLL_SECONDS"))
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                work = self.run_once()
            except Exception:
                logger.exception("exchange worker round failed")
                work = 0
            if not work:
                stop.wait(poll)


def pending_count() -> int:
    return OutboxMessage.objects.filter(state="pending").count()
