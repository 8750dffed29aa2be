"""Idempotency-Key: a request's fingerprint and the stored answer of a repeat."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import orjson
from django.db import IntegrityError, transaction

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
    """(request hash, status, body) stored for this key, or None."""
    return (
        IdempotencyRecord.objects.filter(user_id=user_id, key=key)
        .values_list("request_hash", "status", "body")
        .first()
    )


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
    if existing is None:
        try:
            # The record commits or rolls back with the work: its own transaction when called
            # outside one (the API), a savepoint inside another (the portal's, with its files).
            with transaction.atomic():
                status, body = run()
                IdempotencyRecord.objects.create(
                    user=user, key=key, request_hash=fingerprint, status=status, body=body
                )
            return status, body
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
