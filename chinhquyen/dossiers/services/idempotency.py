"""Idempotency-Key: a request's fingerprint and the stored answer of a repeat."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import orjson
from django.db import IntegrityError, connection

from chinhquyen.core.compiled import BatchValueMissing, insert_new, instance_new, write_batch
from chinhquyen.core.errors import Conflict, DomainError, ValidationFailed

from ..models import IdempotencyRecord


def _legacy_fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class Fingerprint(str):
    """A request's fingerprint, stored with its Idempotency-Key: the SHA-256 (hex) of its JSON
    with sorted keys, written by orjson (a tenth of ``json.dumps``'s time for an e-form). Earlier
    releases hashed ``json.dumps``'s spelling, whose spacing differs: ``matches`` accepts that
    one too, so a retry sent across an upgrade is still recognised as the same request."""

    payload: Any

    def matches(self, stored: str) -> bool:
        return stored == self or stored == _legacy_fingerprint(self.payload)


def request_fingerprint(payload: Any) -> Fingerprint:
    try:
        text = orjson.dumps(payload, default=str, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # what orjson refuses (keys that are not strings, huge integers)
        text = json.dumps(payload, sort_keys=True, default=str).encode()
    fingerprint = Fingerprint(hashlib.sha256(text).hexdigest())
    fingerprint.payload = payload
    return fingerprint


def _same_request(fingerprint: str, stored: str) -> bool:
    """Whether ``stored`` is the fingerprint of the request fingerprinted as ``fingerprint``
    (a plain string from a caller that computed its own)."""
    if isinstance(fingerprint, Fingerprint):
        return fingerprint.matches(stored)
    return stored == fingerprint


def _idempotency_lookup(*, user_id: int, key: str) -> tuple[str, int, dict[str, Any]] | None:
    """(request hash, status, body) stored for this key. Plain SQL: it runs before every keyed
    submission, and the ORM's query building would cost more than the query."""
    table = IdempotencyRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT request_hash, status, body FROM {table} WHERE user_id = %s AND key = %s",  # noqa: S608
            [user_id, key],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    body = row[2]
    if isinstance(body, str):  # SQLite returns JSON as text
        body = json.loads(body)
    return row[0], row[1], body


def idempotent(
    *,
    user,
    key: str | None,
    fingerprint: str,
    run: Callable[[], tuple[int, dict[str, Any]]],
    look_first: bool = True,
) -> tuple[int, dict[str, Any]]:
    """Run ``run`` once per (user, key); a repeat returns the first answer.

    The record is inserted in the same transaction as the work. A concurrent duplicate blocks on
    the unique index until the first commits, then fails and reads the stored answer.

    ``look_first``: look the key up before running, so a repeat does not redo the work. Without
    it (the JSON API, where a repeat is a rare client retry and every submission would pay for
    the look-up) a repeat runs, fails on the unique index, rolls everything back — its code
    number too — and answers from the stored record; a repeat that ``run`` refuses (the
    procedure has since closed, say) also gets the stored answer, as it would have.
    """
    if not key:
        return run()
    if len(key) > 200:
        raise ValidationFailed(
            "Idempotency-Key quá dài.", fields={"Idempotency-Key": ["Tối đa 200 ký tự."]}
        )
    existing = _idempotency_lookup(user_id=user.pk, key=key) if look_first else None
    attempts = 2
    while existing is None:
        attempts -= 1
        try:
            # Its own transaction when called outside one (the API): the work and the record
            # can then go as one statement (core/compiled.py); a savepoint inside another.
            with write_batch(savepoint=True):
                status, body = run()
                record = insert_new(
                    instance_new(
                        IdempotencyRecord,
                        user=user,
                        key=key,
                        request_hash=fingerprint,
                        status=status,
                        body=body,
                    )
                )
            # record.body: the answer with the values the batch's statement produced (a new
            # dossier's code, core/compiled.py), as stored
            return status, record.body
        except BatchValueMissing:
            # What ``run`` read from a cache no longer held when the batch was sent; nothing
            # was written and the cache was corrected: once more.
            if not attempts:
                raise
        except (IntegrityError, DomainError):
            existing = _idempotency_lookup(user_id=user.pk, key=key)
            if existing is None:
                raise
    request_hash, status, body = existing
    if not _same_request(fingerprint, request_hash):
        raise Conflict(
            "Idempotency-Key này đã dùng cho một yêu cầu khác.",
            code="idempotency_key_reused",
        )
    return status, body
