"""Remote signing, as Vietnam's licensed services do it (VNPT SmartCA, Viettel MySign, …): the
key stays in the provider's HSM; the server sends the hashes of a batch of documents with a
description in one transaction; the person confirms (or refuses) in the provider's phone app;
the server polls until the transaction is confirmed (a signature per hash), refused or expired.

The provider is ``SIGNATURES_REMOTE_URL``, the server authenticates with its client credentials
``SIGNATURES_REMOTE_CLIENT_ID`` / ``SIGNATURES_REMOTE_CLIENT_SECRET`` (or ``…_SECRET_FILE``);
the identity stores the person's account at the provider (``remote_user_id``) and the
credential (certificate) it signs with (``remote_credential_id``). Every HTTP call has a
time-out (``SIGNATURES_REMOTE_TIMEOUT``, 10 s).

The provider API (JSON over HTTPS, HTTP Basic with the client credentials; the shape of the
public SmartCA/MySign integration guides, simplified — a real provider gets an adapter of this
module's ``RemoteSigningClient``)::

    GET  /v1/users/{user_id}/credentials
         → {"credentials": [{"credential_id", "status": "active", "certificate": b64 DER,
                             "chain": [b64 DER, …], "valid_from", "valid_to"}]}
    POST /v1/signatures   {"user_id", "credential_id", "description", "hash_algorithm": "sha256",
                           "documents": [{"id", "hash": b64}]}
         → {"transaction_id", "status": "pending", "expires_at": ISO 8601}
    GET  /v1/signatures/{transaction_id}
         → {"transaction_id", "status": "pending|confirmed|refused|expired", "expires_at",
            "signatures": [{"id", "signature": b64}], "message"}

    errors: 401 {"error": "invalid_client"}; 404 {"error": "user_not_found" |
            "credential_not_found" | "transaction_not_found"}; 400 {"error", "message"}

Failures are DomainErrors with stable codes: ``remote_signing_not_configured``,
``remote_signing_unavailable`` (unreachable, time-out, 5xx, an answer that is not what the API
says), ``remote_signing_unauthorized`` (the client credentials were refused),
``remote_signing_rejected`` (the provider refused the request) — all 503 — and 404s
``remote_user_not_found``, ``remote_credential_not_found``, ``sign_transaction_not_found``.
A local simulator of such a provider runs in ``signatures/testing/remote_simulator.py``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests
from asn1crypto import x509 as asn1_x509
from django.conf import settings

from chinhquyen.core.errors import NotFound

from .base import (
    KeyProvider,
    ProviderUnavailable,
    SignRequest,
    check_items,
    confirmation_required,
)

STATE_MESSAGES = {
    "pending": "Đang chờ người ký xác nhận trên ứng dụng ký số.",
    "confirmed": "Người ký đã xác nhận trên ứng dụng ký số.",
    "refused": "Người ký đã từ chối yêu cầu ký trên ứng dụng ký số.",
    "expired": "Yêu cầu ký đã hết hạn mà người ký chưa xác nhận; hãy ký lại.",
}
NOT_FOUND = {
    "user_not_found": ("remote_user_not_found", "Không có tài khoản này ở dịch vụ ký số từ xa."),
    "credential_not_found": (
        "remote_credential_not_found",
        "Không có chứng thư số này trong tài khoản ký số từ xa.",
    ),
    "transaction_not_found": (
        "sign_transaction_not_found",
        "Dịch vụ ký số từ xa không có giao dịch ký với mã này.",
    ),
}


def _unavailable(detail: str = "") -> ProviderUnavailable:
    message = "Không kết nối được dịch vụ ký số từ xa; hãy thử lại sau."
    return ProviderUnavailable(
        message, code="remote_signing_unavailable", extra={"detail": detail} if detail else None
    )


def _bad_answer(detail: str) -> ProviderUnavailable:
    return ProviderUnavailable(
        "Dịch vụ ký số từ xa trả lời không hợp lệ; hãy thử lại sau.",
        code="remote_signing_unavailable",
        extra={"detail": detail},
    )


def _b64(value: Any, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError) as exc:
        raise _bad_answer(f"{what} is not base64") from exc


def _when(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise _bad_answer(f"bad time {value!r}") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RemoteCredential:
    """A certificate the person holds at the provider."""

    credential_id: str
    status: str
    certificate: asn1_x509.Certificate
    chain: list[asn1_x509.Certificate]


class RemoteSigningClient:
    """The HTTP client of the provider API above. Built from the settings by ``from_settings``."""

    def __init__(self, *, base_url: str, client_id: str, client_secret: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.auth = (client_id, client_secret)
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> RemoteSigningClient:
        url = getattr(settings, "SIGNATURES_REMOTE_URL", "")
        if not url:
            raise ProviderUnavailable(
                "Chưa cấu hình dịch vụ ký số từ xa (SIGNATURES_REMOTE_URL).",
                code="remote_signing_not_configured",
            )
        return cls(
            base_url=url,
            client_id=getattr(settings, "SIGNATURES_REMOTE_CLIENT_ID", ""),
            client_secret=getattr(settings, "SIGNATURES_REMOTE_CLIENT_SECRET", ""),
            timeout=float(getattr(settings, "SIGNATURES_REMOTE_TIMEOUT", 10)),
        )

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        try:
            resp = requests.request(
                method,
                self.base_url + path,
                json=body,
                auth=self.auth,
                timeout=(self.timeout, self.timeout),
                headers={"Accept": "application/json"},
            )
        except requests.RequestException as exc:
            raise _unavailable(type(exc).__name__) from exc
        try:
            data = resp.json()
        except ValueError:
            data = None
        if resp.status_code in (401, 403):
            raise ProviderUnavailable(
                "Dịch vụ ký số từ xa không chấp nhận thông tin xác thực của hệ thống; hãy báo "
                "quản trị viên.",
                code="remote_signing_unauthorized",
            )
        if resp.status_code == 404 and isinstance(data, dict) and data.get("error") in NOT_FOUND:
            code, message = NOT_FOUND[data["error"]]
            raise NotFound(message, code=code)
        if 400 <= resp.status_code < 500:
            detail = data.get("message", "") if isinstance(data, dict) else ""
            raise ProviderUnavailable(
                "Dịch vụ ký số từ xa từ chối yêu cầu ký"
                + (f": {detail}" if isinstance(detail, str) and detail else "."),
                code="remote_signing_rejected",
            )
        if resp.status_code >= 300:
            raise _unavailable(f"HTTP {resp.status_code}")
        if not isinstance(data, dict):
            raise _bad_answer("not a JSON object")
        return data

    def credentials(self, user_id: str) -> list[RemoteCredential]:
        data = self._call("GET", f"/v1/users/{quote(user_id, safe='')}/credentials")
        found = []
        try:
            for row in data["credentials"]:
                found.append(
                    RemoteCredential(
                        credential_id=str(row["credential_id"]),
                        status=str(row.get("status", "active")),
                        certificate=asn1_x509.Certificate.load(
                            _b64(row["certificate"], "certificate")
                        ),
                        chain=[
                            asn1_x509.Certificate.load(_b64(c, "chain"))
                            for c in row.get("chain", [])
                        ],
                    )
                )
                found[-1].certificate.subject  # noqa: B018 - parse now: a bad DER is a bad answer
        except (KeyError, TypeError, ValueError) as exc:
            raise _bad_answer(f"credentials: {exc}") from exc
        return found

    def sign(
        self, *, user_id: str, credential_id: str, items: list[tuple[str, bytes]], description: str
    ) -> SignRequest:
        data = self._call(
            "POST",
            "/v1/signatures",
            {
                "user_id": user_id,
                "credential_id": credential_id,
                "description": description[:500],
                "hash_algorithm": "sha256",
                "documents": [
                    {"id": item_id, "hash": base64.b64encode(digest).decode()}
                    for item_id, digest in items
                ],
            },
        )
        return self._sign_request(data)

    def status(self, transaction_id: str) -> SignRequest:
        return self._sign_request(
            self._call("GET", f"/v1/signatures/{quote(transaction_id, safe='')}")
        )

    def _sign_request(self, data: dict) -> SignRequest:
        state = data.get("status")
        tx = data.get("transaction_id")
        if state not in STATE_MESSAGES or not isinstance(tx, str) or not tx:
            raise _bad_answer(f"status {state!r}, transaction {tx!r}")
        signatures: dict[str, bytes] = {}
        if state == "confirmed":
            try:
                for row in data["signatures"]:
                    signatures[str(row["id"])] = _b64(row["signature"], "signature")
            except (KeyError, TypeError) as exc:
                raise _bad_answer(f"signatures: {exc}") from exc
            if not signatures:
                raise _bad_answer("confirmed without signatures")
        return SignRequest(
            state=state,
            transaction_id=tx,
            signatures=signatures,
            expires_at=_when(data.get("expires_at")),
            message=STATE_MESSAGES[state],
        )


class RemoteKeyProvider(KeyProvider):
    """The key is at the provider; the person confirms each transaction in its app."""

    storage = "remote"
    requires = "app_confirmation"

    def client(self) -> RemoteSigningClient:
        return RemoteSigningClient.from_settings()

    @contextlib.contextmanager
    def signer(self, *, pin: str | None = None) -> Iterator[object]:
        raise confirmation_required()
        yield

    def request(
        self, items: list[tuple[str, bytes]], *, description: str, pin: str | None = None
    ) -> SignRequest:
        """One provider transaction for the whole batch; ``pin`` is not used (the person
        confirms in the app). The answer is normally "pending" with the provider's id."""
        check_items(items)
        return self.client().sign(
            user_id=self.identity.remote_user_id,
            credential_id=self.identity.remote_credential_id,
            items=items,
            description=description,
        )

    def poll(self, transaction_id: str) -> SignRequest:
        return self.client().status(transaction_id)
