"""Keys on a PKCS#11 token or HSM (python-pkcs11, through pyHanko for one-shot signing). The
identity names the module, the token label and the key label.

The PIN: for one-shot signing (``signer()``) it comes from ``SIGNATURES_PKCS11_PIN`` (environment
or ``*_FILE``), never from the database. For "sign these digests" (``request``) a PIN the person
gives overrides it. ``requires`` tells the interface what to ask for:

* a **personal** identity on a token: ``"pin"`` — the person's own token, unlocked by their PIN;
* an **agency** identity (the seal in the agency's HSM): ``"none"`` when the server has a PIN
  configured, else ``"pin"``.

A wrong PIN is ``pin_incorrect`` (422 on the field ``pin`` when the person typed it; 409 when
the configured PIN is wrong), a locked one ``pin_locked`` (409).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from chinhquyen.core.errors import Conflict, ValidationFailed

from .base import KeyProvider, Requirement

DIGEST_INFO_SHA256 = bytes.fromhex("3031300d060960864801650304020105000420")


def pkcs11_pin() -> str:
    from django.conf import settings

    value = getattr(settings, "SIGNATURES_PKCS11_PIN", "") or os.environ.get(
        "SIGNATURES_PKCS11_PIN", ""
    )
    path = os.environ.get("SIGNATURES_PKCS11_PIN_FILE", "")
    if not value and path:
        value = Path(path).read_text(encoding="utf-8").strip()
    return value


def open_session(module: str, token_label: str, pin: str, *, pin_from_person: bool = False):
    """A logged-in session on the token, or a DomainError with a stable code."""
    import pkcs11.exceptions as p11_errors
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import open_pkcs11_session

    try:
        return open_pkcs11_session(
            module, token_criteria=TokenCriteria(label=token_label), user_pin=pin or None
        )
    except (p11_errors.PinIncorrect, p11_errors.PinLenRange, p11_errors.PinInvalid) as exc:
        if pin_from_person:
            raise ValidationFailed(
                "Mã PIN không đúng.",
                code="pin_incorrect",
                fields={"pin": ["Mã PIN không đúng; hãy nhập lại."]},
            ) from exc
        raise Conflict(
            "Mã PIN cấu hình cho thiết bị ký số không đúng; hãy báo quản trị viên.",
            code="pin_incorrect",
        ) from exc
    except p11_errors.PinLocked as exc:
        raise Conflict(
            "Mã PIN của thiết bị ký số đã bị khóa do nhập sai nhiều lần; hãy liên hệ quản trị "
            "viên để mở khóa.",
            code="pin_locked",
        ) from exc
    except Exception as exc:  # python-pkcs11 raises many unrelated types
        raise Conflict(
            f"Không mở được thiết bị ký số '{token_label}': {type(exc).__name__}.",
            code="token_unavailable",
        ) from exc


class Pkcs11KeyProvider(KeyProvider):
    storage = "pkcs11"

    @property
    def requires(self) -> Requirement:  # type: ignore[override]
        if self.identity.kind == "personal" or not pkcs11_pin():
            return "pin"
        return "none"

    @contextlib.contextmanager
    def signer(self, *, pin: str | None = None) -> Iterator[object]:
        from pyhanko.sign.pkcs11 import PKCS11Signer

        ident = self.identity
        session = open_session(
            ident.pkcs11_module,
            ident.pkcs11_token,
            pin if pin is not None else pkcs11_pin(),
            pin_from_person=pin is not None,
        )
        try:
            yield PKCS11Signer(
                session,
                key_label=ident.pkcs11_key_label,
                signing_cert=self.certificate,
                ca_chain=self.chain,
            )
        finally:
            session.close()

    def sign_digests(self, items: list[tuple[str, bytes]], *, pin: str | None) -> dict[str, bytes]:
        """One session, one login, one signature per digest: RSA over the DER DigestInfo
        (CKM_RSA_PKCS), or ECDSA over the digest (CKM_ECDSA) converted to DER."""
        import pkcs11
        from asn1crypto.algos import DSASignature

        if pin is None and self.requires == "pin":
            raise ValidationFailed(
                "Hãy nhập mã PIN của thiết bị ký số.",
                code="pin_required",
                fields={"pin": ["Bắt buộc."]},
            )
        ident = self.identity
        session = open_session(
            ident.pkcs11_module,
            ident.pkcs11_token,
            pin if pin is not None else pkcs11_pin(),
            pin_from_person=pin is not None,
        )
        try:
            try:
                key = session.get_key(
                    object_class=pkcs11.ObjectClass.PRIVATE_KEY, label=ident.pkcs11_key_label
                )
            except pkcs11.PKCS11Error as exc:
                raise Conflict(
                    f"Không thấy khóa '{ident.pkcs11_key_label}' trên thiết bị ký số.",
                    code="token_key_missing",
                ) from exc
            out = {}
            for item_id, digest in items:
                if key.key_type == pkcs11.KeyType.EC:
                    raw = key.sign(digest, mechanism=pkcs11.Mechanism.ECDSA)
                    out[item_id] = DSASignature.from_p1363(raw).dump()
                else:
                    out[item_id] = key.sign(
                        DIGEST_INFO_SHA256 + digest, mechanism=pkcs11.Mechanism.RSA_PKCS
                    )
            return out
        except pkcs11.PKCS11Error as exc:
            raise Conflict(
                f"Thiết bị ký số không ký được: {type(exc).__name__}.", code="token_unavailable"
            ) from exc
        finally:
            session.close()
