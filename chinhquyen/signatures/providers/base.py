"""The base class of key providers: turn a ``SigningIdentity`` into a pyHanko ``Signer``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from asn1crypto import pem, x509
from pyhanko_certvalidator.registry import SimpleCertificateStore


def asn1_certs(data: str | bytes) -> list[x509.Certificate]:
    if isinstance(data, str):
        data = data.encode()
    return [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]


class KeyProvider:
    storage = ""

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
    def signer(self) -> Iterator[object]:
        """A pyHanko ``Signer`` for the duration of the block (a token session is closed after)."""
        raise NotImplementedError
        yield
