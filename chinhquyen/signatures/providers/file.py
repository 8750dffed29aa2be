"""Keys in encrypted PKCS#8 files under ``SIGNATURES_KEY_DIR`` (default ``var/keys/``), the
passphrase from ``SIGNATURES_KEY_PASSPHRASE`` (environment, or ``*_FILE``)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from chinhquyen.core.errors import Conflict

from ..signing import FastSigner, signer_from
from .base import KeyProvider, digest_sign


def key_dir() -> Path:
    default = Path(getattr(settings, "VAR_DIR", Path("var"))) / "keys"
    return Path(getattr(settings, "SIGNATURES_KEY_DIR", "") or default)


def key_passphrase() -> str:
    value = getattr(settings, "SIGNATURES_KEY_PASSPHRASE", "") or os.environ.get(
        "SIGNATURES_KEY_PASSPHRASE", ""
    )
    path = os.environ.get("SIGNATURES_KEY_PASSPHRASE_FILE", "")
    if not value and path:
        value = Path(path).read_text(encoding="utf-8").strip()
    return value


class FileKeyProvider(KeyProvider):
    """A key the server holds itself: for development, and for keys imported from PKCS#12.
    Nothing to ask of the person (``requires = "none"``); ``pin`` is ignored."""

    storage = "file"
    requires = "none"

    def load_key(self):
        from .. import pki

        path = Path(self.identity.key_path)
        if not path.is_absolute():
            path = key_dir() / path
        try:
            return pki.key_from_pem(path.read_bytes(), key_passphrase() or None)
        except (OSError, ValueError, TypeError) as exc:
            raise Conflict(
                "Không mở được khóa bí mật của chứng thư số (kiểm tra tệp khóa và mật khẩu).",
                code="signing_key_unavailable",
            ) from exc

    @contextlib.contextmanager
    def signer(self, *, pin: str | None = None) -> Iterator[FastSigner]:
        key = self.load_key()
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        yield signer_from(self.certificate, asn1_keys.PrivateKeyInfo.load(der), self.chain)

    def sign_digests(self, items: list[tuple[str, bytes]], *, pin: str | None) -> dict[str, bytes]:
        key = self.load_key()
        return {item_id: digest_sign(key, digest) for item_id, digest in items}
