"""Writes: certificate authorities we run or trust, and signing identities (key files, PKCS#12,
PKCS#11 tokens, remote signing accounts)."""

from __future__ import annotations

import secrets
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils.text import slugify

from chinhquyen.audit.services import audit_record
from chinhquyen.core.errors import Conflict, NotFound, ValidationFailed

from .. import images, pki
from ..models import CertificateAuthority, IdentityKind, KeyStorage, SigningIdentity
from ..providers.file import key_dir, key_passphrase

# --- keys ---------------------------------------------------------------------------------------


def _store_key(key, stem: str) -> str:
    """Write an encrypted PKCS#8 file under the key directory; returns its name there."""
    directory = key_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{slugify(stem) or 'key'}-{secrets.token_hex(4)}.key.pem"
    path = directory / name
    path.write_bytes(pki.key_to_encrypted_pem(key, key_passphrase()))
    path.chmod(0o600)
    return name


def _load_key(name: str):
    path = Path(name)
    if not path.is_absolute():
        path = key_dir() / path
    return pki.key_from_pem(path.read_bytes(), key_passphrase() or None)


def ca_issuer(*, ca: CertificateAuthority) -> pki.KeyAndCert:
    """Our CA's certificate with its decrypted key, to issue certificates (a Conflict when the
    CA was only imported to be trusted)."""
    if not ca.can_issue:
        raise Conflict("Tổ chức cấp này không có khóa để cấp chứng thư.", code="ca_cannot_issue")
    return pki.KeyAndCert(
        key=_load_key(ca.key_path), cert=pki.certs_from_pem(ca.certificate_pem)[0]
    )


@transaction.atomic
def ca_init(
    *, name: str, organisation: str = "", crl_url: str = "", ocsp_url: str = "", days: int = 3650
) -> CertificateAuthority:
    """A development root CA: the key is stored encrypted, the certificate trusted."""
    if CertificateAuthority.objects.filter(name=name).exists():
        raise Conflict(f"Đã có tổ chức cấp '{name}'.", code="ca_exists")
    ca = pki.ca_create(common_name=name, organisation=organisation, days=days)
    row = CertificateAuthority.objects.create(
        name=name,
        certificate_pem=pki.cert_to_pem(ca.cert),
        key_path=_store_key(ca.key, f"ca-{name}"),
        crl_url=crl_url,
        ocsp_url=ocsp_url,
        is_trusted=True,
    )
    audit_record(
        event="signatures.ca_created",
        object_type="ca",
        object_id=str(row.pk),
        changes={"name": name, "subject": ca.cert.subject.rfc4514_string()},
        new_object=True,
    )
    return row


@transaction.atomic
def ca_trust(*, name: str, certificate_pem: str) -> CertificateAuthority:
    """Trust a root (e.g. the national root CA) for validation, without its key."""
    certs = pki.certs_from_pem(certificate_pem)
    if not certs:
        raise ValidationFailed("Không đọc được chứng thư.", fields={"certificate": ["PEM?"]})
    row, _ = CertificateAuthority.objects.update_or_create(
        name=name, defaults={"certificate_pem": pki.cert_to_pem(certs[0]), "is_trusted": True}
    )
    return row


def _check_kind(kind: str) -> None:
    if kind not in IdentityKind.values:
        raise ValidationFailed("Loại danh tính không hợp lệ.", fields={"kind": [kind]})


def _check_image(kind: str, image_png: bytes) -> None:
    if image_png:
        images.image_check(
            image_png, colour=images.BLUE if kind == IdentityKind.PERSONAL else images.RED
        )


def _identity_row(
    *,
    label: str,
    kind: str,
    agency,
    user,
    cert: x509.Certificate,
    chain: list[x509.Certificate],
    image_png: bytes,
    **storage,
) -> SigningIdentity:
    asn1 = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    found = pki.classify_asn1_cert(asn1)
    if found != pki.UNKNOWN and found != kind:
        raise ValidationFailed(
            "Chứng thư số không khớp loại chữ ký.",
            code="certificate_kind_mismatch",
            fields={
                "kind": [
                    "Chứng thư của cá nhân không dùng làm chữ ký cơ quan và ngược lại "
                    f"(chứng thư này là của {'cá nhân' if found == pki.PERSONAL else 'tổ chức'})."
                ]
            },
        )
    if kind == IdentityKind.PERSONAL and user is None:
        raise ValidationFailed("Chữ ký cá nhân cần người sở hữu.", fields={"user": ["Bắt buộc."]})
    if SigningIdentity.objects.filter(label=label).exists():
        raise Conflict(f"Đã có danh tính ký '{label}'.", code="identity_exists")
    row = SigningIdentity.objects.create(
        label=label,
        kind=kind,
        agency=agency,
        user=user,
        certificate_pem=pki.cert_to_pem(cert),
        chain_pem="".join(pki.cert_to_pem(c) for c in chain),
        subject=cert.subject.rfc4514_string()[:500],
        serial_hex=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        image_png=image_png or b"",
        **storage,
    )
    audit_record(
        event="signatures.identity_created",
        object_type="agency",
        object_id=str(agency.pk),
        actor=user,
        changes={"label": label, "kind": kind, "subject": row.subject, "serial": row.serial_hex},
    )
    return row


@transaction.atomic
def identity_issue(
    *,
    ca: CertificateAuthority,
    label: str,
    kind: str,
    agency,
    user=None,
    common_name: str,
    identifier: str = "",
    title: str = "",
    image_png: bytes = b"",
    days: int = 730,
) -> SigningIdentity:
    """Issue a certificate from our development CA and keep its key encrypted on disk."""
    _check_kind(kind)
    _check_image(kind, image_png)
    issuer = ca_issuer(ca=ca)
    ca_cert = issuer.cert
    subject = pki.subject_for(
        kind=kind,
        common_name=common_name,
        organisation=agency.name,
        identifier=identifier,
        title=title,
    )
    issued = pki.cert_issue(
        ca=issuer, subject=subject, days=days, crl_url=ca.crl_url, ocsp_url=ca.ocsp_url
    )
    return _identity_row(
        label=label,
        kind=kind,
        agency=agency,
        user=user,
        cert=issued.cert,
        chain=[ca_cert],
        image_png=image_png,
        storage=KeyStorage.FILE,
        key_path=_store_key(issued.key, label),
    )


@transaction.atomic
def identity_import_p12(
    *,
    data: bytes,
    password: str | None,
    label: str,
    kind: str,
    agency,
    user=None,
    image_png: bytes = b"",
) -> SigningIdentity:
    """Import a PKCS#12 file as issued by a Vietnamese CA (VNPT-CA, Viettel-CA, Ban Cơ yếu…)."""
    _check_kind(kind)
    _check_image(kind, image_png)
    try:
        bundle = pki.pkcs12_load(data, password)
    except ValueError as exc:
        raise ValidationFailed(
            str(exc), code="pkcs12_invalid", fields={"file": [str(exc)]}
        ) from exc
    return _identity_row(
        label=label,
        kind=kind,
        agency=agency,
        user=user,
        cert=bundle.cert,
        chain=list(bundle.chain),
        image_png=image_png,
        storage=KeyStorage.FILE,
        key_path=_store_key(bundle.key, label),
    )


@transaction.atomic
def identity_register_pkcs11(
    *,
    module: str,
    token: str,
    key_label: str,
    cert_label: str = "",
    certificate_pem: str = "",
    chain_pem: str = "",
    label: str,
    kind: str,
    agency,
    user=None,
    image_png: bytes = b"",
) -> SigningIdentity:
    """An identity whose key stays on a PKCS#11 token/HSM. The certificate is read from the
    token (``cert_label``, default the key label) unless given as PEM."""
    from ..providers.pkcs11 import open_session, pkcs11_pin

    _check_kind(kind)
    _check_image(kind, image_png)
    if certificate_pem:
        certs = pki.certs_from_pem(certificate_pem)
    else:
        import pkcs11

        session = open_session(module, token, pkcs11_pin())
        try:
            obj = next(
                session.get_objects(
                    {
                        pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                        pkcs11.Attribute.LABEL: cert_label or key_label,
                    }
                ),
                None,
            )
            if obj is None:
                raise NotFound("Không thấy chứng thư trên thiết bị ký.", code="token_cert_missing")
            certs = [x509.load_der_x509_certificate(obj[pkcs11.Attribute.VALUE])]
        finally:
            session.close()
    return _identity_row(
        label=label,
        kind=kind,
        agency=agency,
        user=user,
        cert=certs[0],
        chain=pki.certs_from_pem(chain_pem) if chain_pem else certs[1:],
        image_png=image_png,
        storage=KeyStorage.PKCS11,
        pkcs11_module=module,
        pkcs11_token=token,
        pkcs11_key_label=key_label,
        pkcs11_cert_label=cert_label or key_label,
    )


def identity_register_remote(
    *,
    remote_user_id: str,
    credential_id: str = "",
    label: str,
    kind: str,
    agency,
    user=None,
    image_png: bytes = b"",
) -> SigningIdentity:
    """An identity whose key stays at the remote signing provider (``SIGNATURES_REMOTE_URL``):
    the certificate and chain are fetched from the provider for the person's account
    ``remote_user_id`` — the credential ``credential_id``, or the first active one.

    The provider is asked before the transaction opens; unreachable or refusing, it is a 503
    DomainError (``providers/remote.py``). The newest active identity of a person is the one
    they sign with (``selectors.identity_personal_for``)."""
    from ..providers.remote import RemoteSigningClient

    _check_kind(kind)
    _check_image(kind, image_png)
    if not remote_user_id.strip():
        raise ValidationFailed(
            "Thiếu tài khoản ký số từ xa.", fields={"remote_user_id": ["Bắt buộc."]}
        )
    credentials = RemoteSigningClient.from_settings().credentials(remote_user_id)
    chosen = next(
        (
            c
            for c in credentials
            if (c.credential_id == credential_id if credential_id else c.status == "active")
        ),
        None,
    )
    if chosen is None:
        raise NotFound(
            "Không có chứng thư số phù hợp trong tài khoản ký số từ xa.",
            code="remote_credential_not_found",
        )

    def crypto(cert):
        return x509.load_der_x509_certificate(cert.dump())

    with transaction.atomic():
        return _identity_row(
            label=label,
            kind=kind,
            agency=agency,
            user=user,
            cert=crypto(chosen.certificate),
            chain=[crypto(c) for c in chosen.chain],
            image_png=image_png,
            storage=KeyStorage.REMOTE,
            remote_user_id=remote_user_id,
            remote_credential_id=chosen.credential_id,
        )


@transaction.atomic
def identity_set_image(*, identity: SigningIdentity, image_png: bytes, actor=None) -> None:
    _check_image(identity.kind, image_png)
    identity.image_png = image_png
    identity.save(update_fields=["image_png"])
    audit_record(
        event="signatures.image_changed",
        object_type="agency",
        object_id=str(identity.agency_id),
        actor=actor,
        changes={"label": identity.label},
    )
