"""Where a signing key lives. One module per kind of key storage, each with a ``KeyProvider``
subclass (``base.py``: the one-shot ``signer()`` and the uniform "sign these digests"
interface ``request``/``poll``); adding one means copying a sibling and registering it in
``PROVIDERS``."""

from __future__ import annotations

from .base import KeyProvider, ProviderUnavailable, SignRequest
from .file import FileKeyProvider
from .pkcs11 import Pkcs11KeyProvider
from .remote import RemoteKeyProvider

PROVIDERS: dict[str, type[KeyProvider]] = {
    FileKeyProvider.storage: FileKeyProvider,
    Pkcs11KeyProvider.storage: Pkcs11KeyProvider,
    RemoteKeyProvider.storage: RemoteKeyProvider,
}

__all__ = ["PROVIDERS", "KeyProvider", "ProviderUnavailable", "SignRequest", "provider_for"]


def provider_for(identity) -> KeyProvider:
    return PROVIDERS[identity.storage](identity)
