"""Where a signing key lives. One module per kind of key storage, each with a ``KeyProvider``
subclass (``base.py``); adding one (a remote signing service, say) means copying a sibling and
registering it in ``PROVIDERS``."""

from __future__ import annotations

from .base import KeyProvider
from .file import FileKeyProvider
from .pkcs11 import Pkcs11KeyProvider

PROVIDERS: dict[str, type[KeyProvider]] = {
    FileKeyProvider.storage: FileKeyProvider,
    Pkcs11KeyProvider.storage: Pkcs11KeyProvider,
}


def provider_for(identity) -> KeyProvider:
    return PROVIDERS[identity.storage](identity)
