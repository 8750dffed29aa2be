"""Writes of the signatures app, in two modules:

* ``identities``: certificate authorities (``ca_init``, ``ca_trust``, ``ca_issuer``) and signing
  identities (``identity_issue``, ``identity_import_p12``, ``identity_register_pkcs11``,
  ``identity_register_remote``, ``identity_set_image``);
* ``documents``: signing (``document_sign`` in one step; ``document_prepare`` and
  ``document_finish`` in two) and dossier files (``dossier_document_sign``; a dossier's result
  in two steps, with the workflow, is ``signatures.batches``).

Everything is importable from here: ``from chinhquyen.signatures import services``.
"""

from __future__ import annotations

from .documents import (
    MODES,
    PERSONAL_RESULT_ROLES,
    SignedDocument,
    default_level,
    document_finish,
    document_prepare,
    document_sign,
    dossier_document_sign,
    identity_check_not_revoked,
    identity_for_mode,
    personal_field_to_seal,
    sign_options,
    signer_name_of,
    tsa_url,
)
from .identities import (
    ca_init,
    ca_issuer,
    ca_trust,
    identity_import_p12,
    identity_issue,
    identity_register_pkcs11,
    identity_register_remote,
    identity_set_image,
)

__all__ = [
    "MODES",
    "PERSONAL_RESULT_ROLES",
    "SignedDocument",
    "ca_init",
    "ca_issuer",
    "ca_trust",
    "default_level",
    "document_finish",
    "document_prepare",
    "document_sign",
    "dossier_document_sign",
    "identity_check_not_revoked",
    "identity_for_mode",
    "identity_import_p12",
    "identity_issue",
    "identity_register_pkcs11",
    "identity_register_remote",
    "identity_set_image",
    "personal_field_to_seal",
    "sign_options",
    "signer_name_of",
    "tsa_url",
]
