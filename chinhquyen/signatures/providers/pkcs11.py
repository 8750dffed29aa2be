"""Keys on a PKCS#11 token or HSM (python-pkcs11 through pyHanko). The identity names the module,
the token label and the key label; the user PIN comes from ``SIGNATURES_PKCS11_PIN`` (environment
or ``*_FILE``), never from the database."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from chinhquyen.core.errors import Conflict

from .base import KeyProvider


def pkcs11_pin() -> str:
    from django.conf import settings

    value = getattr(settings, "SIGNATURES_PKCS11_PIN", "") or os.environ.get(
        "SIGNATURES_PKCS11_PIN", ""
    )
    path = os.environ.get("SIGNATURES_PKCS11_PIN_FILE", "")
    if not value and path:
        value = Path(path).read_text(encoding="utf-8").strip()
    return value


def open_session(module: str, token_label: str, pin: str):
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import open_pkcs11_session

    try:
        return open_pkcs11_session(
            module, token_criteria=TokenCriteria(label=token_label), user_pin=pin or None
        )
    except Exception as exc:  # python-pkcs11 raises many unrelated types
        raise Conflict(
            f"Không mở được thiết bị ký số '{token_label}': {type(exc).__name__}.",
            code="token_unavailable",
        ) from exc


class Pkcs11KeyProvider(KeyProvider):
    storage = "pkcs11"

    @contextlib.contextmanager
    def signer(self) -> Iterator[object]:
        from pyhanko.sign.pkcs11 import PKCS11Signer

        ident = self.identity
        session = open_session(ident.pkcs11_module, ident.pkcs11_token, pkcs11_pin())
        try:
            yield PKCS11Signer(
                session,
                key_label=ident.pkcs11_key_label,
                signing_cert=self.certificate,
                ca_chain=self.chain,
            )
        finally:
            session.close()
