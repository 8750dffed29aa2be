"""The base class of key providers: where a ``SigningIdentity``'s key lives and how it signs.

Every provider answers two interfaces:

* ``signer()``: a pyHanko ``Signer`` for one-shot signing (``services.document_sign``), for
  keys the server can use at once (key files, PKCS#11 tokens). A remote signing service has
  none: its signatures need the person's confirmation in the provider's app.
* **"sign these digests"**, the same for every provider, for two-phase signing
  (``twophase.py``)::

      provider = provider_for(identity)
      provider.requires                   # "none" | "pin" | "app_confirmation": what to ask for
      req = provider.request([("hs-1", digest1), ("hs-2", digest2)],
                             description="Ký 2 kết quả giải quyết", pin=pin_or_None)
      req.state                           # "confirmed" | "pending" | "refused" | "expired"
      req = provider.poll(req.transaction_id)   # while "pending" (remote signing only)
      req.signatures["hs-1"]              # the signature value of digest1

  A digest is the SHA-256 of what is signed (``PreparedSignature.digest``); a signature value
  is RSA PKCS#1 v1.5 (or ECDSA, DER) over it. Key files and tokens answer at once with state
  "confirmed"; a remote service answers "pending" with the provider's transaction id and an
  expiry, and ``poll`` tells what became of it. ``wait`` polls until the answer is final.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from asn1crypto import pem, x509
from pyhanko_certvalidator.registry import SimpleCertificateStore

from chinhquyen.core.errors import Conflict, DomainError, NotFound, ValidationFailed

State = Literal["confirmed", "pending", "refused", "expired"]
Requirement = Literal["none", "pin", "app_confirmation"]
FINAL_STATES = frozenset({"confirmed", "refused", "expired"})
DIGEST_SIZE = 32  # SHA-256
MAX_ITEMS = 100


def asn1_certs(data: str | bytes) -> list[x509.Certificate]:
    if isinstance(data, str):
        data = data.encode()
    return [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]


class ProviderUnavailable(DomainError):
    """The key's holder cannot be reached or answered nonsense: try again later (503)."""

    status = 503
    code = "signing_provider_unavailable"


@dataclass(frozen=True)
class SignRequest:
    """A provider's answer to "sign these digests".

    ``signatures`` maps each item id to its signature value, complete only when ``state`` is
    "confirmed"; ``expires_at`` is when a pending request lapses (None when answered at once);
    ``message`` says in Vietnamese what happened (shown to the person as it is).
    """

    state: State
    transaction_id: str
    signatures: dict[str, bytes] = field(default_factory=dict)
    expires_at: datetime | None = None
    message: str = ""

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


def check_items(items: list[tuple[str, bytes]]) -> None:
    """Refuse an empty batch, repeated ids, or anything but SHA-256 digests."""
    if not items:
        raise ValidationFailed(
            "Không có tài liệu nào để ký.", fields={"items": ["Chọn ít nhất một tài liệu."]}
        )
    if len(items) > MAX_ITEMS:
        raise ValidationFailed(
            f"Mỗi lần ký tối đa {MAX_ITEMS} tài liệu.",
            fields={"items": [f"Tối đa {MAX_ITEMS} tài liệu."]},
        )
    ids = [item_id for item_id, _ in items]
    if len(set(ids)) != len(ids) or not all(isinstance(i, str) and i for i in ids):
        raise ValidationFailed(
            "Mã tài liệu trong yêu cầu ký bị trùng hoặc rỗng.",
            fields={"items": ["Mỗi tài liệu cần một mã riêng."]},
        )
    if not all(isinstance(d, bytes) and len(d) == DIGEST_SIZE for _, d in items):
        raise ValidationFailed(
            "Giá trị băm cần ký không hợp lệ (cần SHA-256).",
            fields={"items": ["Mỗi giá trị băm dài 32 byte (SHA-256)."]},
        )


class KeyProvider:
    """Subclasses set ``storage`` (a ``KeyStorage`` value) and implement ``signer()`` and
    either ``sign_digests`` (keys used at once) or ``request``/``poll`` (remote signing)."""

    storage = ""
    requires: Requirement = "none"

    def __init__(self, identity) -> None:
        self.identity = identity

    @property
    def certificate(self) -> x509.Certificate:
        return asn1_certs(self.identity.certificate_pem)[0]

    @property
    def chain(self) -> list[x509.Certificate]:
        return asn1_certs(self.identity.chain_pem or "")

    def cert_store(self) -> SimpleCertificateStore:
        return SimpleCertificateStore.from_certs(self.chain)

    @contextlib.contextmanager
    def signer(self, *, pin: str | None = None) -> Iterator[object]:
        """A pyHanko ``Signer`` for the duration of the block (a token session is closed after).
        ``pin``: what the person typed, for keys that need one (overrides a configured PIN)."""
        raise NotImplementedError
        yield

    # --- sign these digests ----------------------------------------------------------------

    def sign_digests(self, items: list[tuple[str, bytes]], *, pin: str | None) -> dict[str, bytes]:
        """Signature values of SHA-256 digests, at once (key files, tokens)."""
        raise NotImplementedError

    def request(
        self, items: list[tuple[str, bytes]], *, description: str, pin: str | None = None
    ) -> SignRequest:
        """Ask for the signature of each ``(id, digest)`` in one transaction. ``description``
        is what the person is shown (a remote provider shows it in its app); ``pin`` is what
        the person typed when ``requires == "pin"``."""
        check_items(items)
        signatures = self.sign_digests(items, pin=pin)
        return SignRequest(
            state="confirmed",
            transaction_id=f"local-{uuid.uuid4().hex}",
            signatures=signatures,
            message="Đã ký.",
        )

    def poll(self, transaction_id: str) -> SignRequest:
        """What became of a pending request. Providers that answer at once never leave one."""
        raise NotFound(
            "Không có giao dịch ký đang chờ với mã này.", code="sign_transaction_not_found"
        )

    def wait(
        self, transaction_id: str, *, timeout: float = 300.0, interval: float = 2.0
    ) -> SignRequest:
        """Poll until the request is final or ``timeout`` seconds have passed (then the last,
        still pending, answer). For commands and tests; a web request should not block."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.poll(transaction_id)
            if answer.is_final or time.monotonic() >= deadline:
                return answer
            time.sleep(min(interval, max(deadline - time.monotonic(), 0.01)))


def digest_sign(key, digest: bytes) -> bytes:
    """A ``cryptography`` private key's signature of a SHA-256 digest: RSA PKCS#1 v1.5, or
    ECDSA (DER), the mechanisms the certificate's key implies for ``sha256_rsa`` /
    ``sha256_ecdsa``."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

    prehashed = utils.Prehashed(hashes.SHA256())
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(digest, padding.PKCS1v15(), prehashed)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(digest, ec.ECDSA(prehashed))
    raise Conflict("Loại khóa ký không được hỗ trợ.", code="key_type_unsupported")


def confirmation_required() -> Conflict:
    return Conflict(
        "Khóa ký này cần người ký xác nhận trên ứng dụng ký số; hãy dùng chức năng ký và chờ "
        "xác nhận.",
        code="confirmation_required",
    )
