"""Keys and certificates for the exchange tests (RSA-2048, self-signed, made once per session)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from chinhquyen.exchange.management.commands.exchange import make_keys


@dataclass
class KeyPair:
    key_path: Path
    cert_path: Path

    @property
    def key_pem(self) -> bytes:
        return self.key_path.read_bytes()

    @property
    def cert_pem(self) -> bytes:
        return self.cert_path.read_bytes()


@pytest.fixture(scope="session")
def exchange_keys(tmp_path_factory) -> dict[str, KeyPair]:
    folder = tmp_path_factory.mktemp("exchange-keys")
    out = {}
    for label in ("a", "b", "other"):
        pair = KeyPair(folder / f"{label}.key.pem", folder / f"{label}.cert.pem")
        make_keys(key_path=pair.key_path, cert_path=pair.cert_path, common_name=f"Nút thử {label}")
        out[label] = pair
    return out
