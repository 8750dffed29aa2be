"""Writes: certificate authorities, signing identities, and signing documents and dossier files.

Who may sign (documented in docs/signatures.md):

* a **personal** signature: the person themself, with their own active personal identity; on a
  dossier's result or form only a *leader* of the handling agency;
* an **agency** signature (seal, or the copy stamp): an officer of that agency holding the seal
  (``counter`` — the one-stop clerk keeps the seal — or ``agency_admin``), with the agency's
  identity. The seal is refused until the document carries a valid personal signature, and
  refused again once a valid seal follows that signature (``already_sealed``).

Signing in one step (``document_sign``: key files and tokens, through a pyHanko signer) or in
two (``document_prepare`` → the key's provider signs the digest, see ``providers/base.py`` →
``document_finish``), which every kind of key supports, remote signing included.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of
from chinhquyen.audit.services import audit_record
from chinhquyen.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from . import images, pki, signing, twophase
from .models import CertificateAuthority, IdentityKind, KeyStorage, SigningIdentity
from .providers import provider_for
from .providers.file import key_dir, key_passphrase
from .selectors import identity_agency_for, identity_personal_for
from .twophase import PreparedSignature

SEAL_ROLES = frozenset({Role.COUNTER, Role.AGENCY_ADMIN})
PERSONAL_RESULT_ROLES = frozenset({Role.LEADER})
MODES = ("personal", "agency", "copy")


# --- settings -----------------------------------------------------------------------------------


def tsa_url() -> str:
    return getattr(settings, "SIGNATURES_TSA_URL", "")


def default_level() -> signing.Level:
    return signing.Level(
        getattr(settings, "SIGNATURES_DEFAULT_LEVEL", "B-T" if tsa_url() else "B-B")
    )


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
    from .providers.pkcs11 import open_session, pkcs11_pin

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
    from .providers.remote import RemoteSigningClient

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


# --- signing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedDocument:
    content: bytes
    field_name: str
    identity: SigningIdentity
    mode: str
    at: datetime


def _roles(user) -> set[str]:
    profile = profile_of(user)
    return set(profile.roles) if profile else set()


def _agency_id(user) -> int | None:
    profile = profile_of(user)
    return profile.agency_id if profile and profile.is_officer else None


def _level(level: str | None) -> signing.Level:
    try:
        return signing.Level(level) if level else default_level()
    except ValueError as exc:
        raise ValidationFailed(
            "Mức chữ ký không hợp lệ.", fields={"level": ["Chọn B-B, B-T hoặc B-LT."]}
        ) from exc


def _options(level: signing.Level, *, reason: str = "") -> signing.SignOptions:
    vc = None
    if level == signing.Level.B_LT:
        from .validation import default_validation_context

        vc = default_validation_context()
    return signing.SignOptions(level=level, tsa_url=tsa_url(), validation_context=vc, reason=reason)


def identity_for_mode(*, user, mode: str) -> SigningIdentity:
    """The identity ``user`` signs with in ``mode``, with the permission checks of the module."""
    if mode not in MODES:
        raise ValidationFailed("Kiểu ký không hợp lệ.", fields={"mode": list(MODES)})
    if mode == "personal":
        return identity_personal_for(user=user)
    agency_id = _agency_id(user)
    if agency_id is None or not (SEAL_ROLES & _roles(user)):
        raise PermissionDenied(
            "Chỉ cán bộ được giao giữ con dấu của cơ quan mới ký số bằng chữ ký cơ quan.",
            code="seal_not_allowed",
        )
    return identity_agency_for(agency_id=agency_id)


def _seal_target(data: bytes) -> str:
    """The field of the last valid personal signature, the one a seal goes next to.

    Conflict ``personal_signature_required`` without one (Decree 30: the agency signs after the
    competent person), Conflict ``already_sealed`` when a valid seal already follows it."""
    from .validation import validate_pdf

    report = validate_pdf(data)
    personal = [s for s in report.signatures if s.kind == pki.PERSONAL and s.passed]
    if not personal:
        raise Conflict(
            "Văn bản chưa có chữ ký số hợp lệ của người có thẩm quyền: cơ quan chỉ ký sau "
            "người có thẩm quyền (Nghị định 30/2020).",
            code="personal_signature_required",
        )
    last = personal[-1]
    if any(
        s.kind == pki.AGENCY and s.passed and s.has_image and s.revision > last.revision
        for s in report.signatures
    ):
        raise signing.already_sealed()
    return last.field


def _usable(identity: SigningIdentity, mode: str) -> None:
    if not identity.is_valid_at():
        raise Conflict("Chứng thư số đã hết hạn hoặc bị khóa.", code="identity_not_valid")
    if mode in ("personal", "agency") and not identity.image_png:
        raise Conflict(
            "Chưa có ảnh chữ ký." if mode == "personal" else "Chưa có ảnh con dấu.",
            code="image_missing",
        )


def signer_name_of(identity: SigningIdentity) -> str:
    """The name written under a signature: the certificate's common name, else the person's."""
    name = ""
    try:
        cn = x509.load_pem_x509_certificate(identity.certificate_pem.encode()).subject
        values = cn.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        name = str(values[0].value) if values else ""
    except ValueError:
        pass
    if not name and identity.user is not None:
        profile = profile_of(identity.user)
        name = (profile.full_name if profile else "") or identity.user.get_username()
    return name


def _personal_target(
    data: bytes,
    *,
    identity: SigningIdentity,
    page: int | None,
    box,
    position: str,
    signer_name: str,
) -> tuple[bytes, int, signing.Box]:
    """(document, page index, box) of a personal signature: the given page and box; else the
    document's signature block; else, when ``position`` is given, a block placed by the system
    (``locate.signature_box_ensure``); else 422 ``signature_box_not_found``."""
    from .locate import signature_box_ensure, signature_box_find

    if box is not None:
        return data, (page or 1) - 1, signing.Box.of(box)
    if position.strip():
        return signature_box_ensure(
            data, position=position, signer_name=signer_name or signer_name_of(identity)
        )
    page_ix, found = signature_box_find(data)
    return data, page_ix, found


def _audit_signed(*, user, identity, mode: str, field_name: str, level: str, out: bytes, at):
    with transaction.atomic():
        audit_record(
            event="signatures.document_signed",
            object_type="agency",
            object_id=str(identity.agency_id),
            actor=user,
            at=at,
            changes={
                "mode": mode,
                "identity": identity.label,
                "field": field_name,
                "level": level,
                "sha256": hashlib.sha256(out).hexdigest(),
            },
        )


def document_sign(
    *,
    user,
    data: bytes,
    mode: str,
    level: str | None = None,
    page: int | None = None,
    box: tuple[float, float, float, float] | None = None,
    first_line: str = "",
    identity: SigningIdentity | None = None,
    reason: str = "",
    position: str = "",
    signer_name: str = "",
    pin: str | None = None,
) -> SignedDocument:
    """Sign ``data`` (a PDF) as ``user`` in ``mode`` (personal / agency / copy), in one step.

    ``page`` (1-based) and ``box`` place a personal signature; without them the box is found
    from the document's signature hint line (``locate.py``), or, given ``position`` (and
    optionally ``signer_name``, default the certificate's name), a signature block is added
    (``locate.signature_box_ensure``). The agency seal is placed from the personal signature
    (refused before it and after a first seal); the copy stamp goes to the top right of page 1.
    ``pin`` unlocks a PKCS#11 token instead of the configured PIN. A remote identity cannot sign
    in one step: Conflict ``confirmation_required`` (use ``document_prepare``).
    """
    identity = identity or identity_for_mode(user=user, mode=mode)
    _usable(identity, mode)
    lvl = _level(level)
    opts = _options(lvl, reason=reason)
    signing.open_reader(data)  # a clear 422 for a non-PDF before anything else
    now = timezone.now()
    with provider_for(identity).signer(pin=pin) as signer:
        if mode == "personal":
            data, page_ix, found = _personal_target(
                data,
                identity=identity,
                page=page,
                box=box,
                position=position,
                signer_name=signer_name,
            )
            out = signing.sign_personal(
                data,
                signer=signer,
                image_png=bytes(identity.image_png),
                page_ix=page_ix,
                box=found,
                opts=opts,
            )
        elif mode == "agency":
            out = signing.sign_agency(
                data,
                signer=signer,
                seal_png=bytes(identity.image_png),
                personal_field=_seal_target(data),
                opts=opts,
            )
        else:
            out = signing.sign_copy(
                data,
                signer=signer,
                first_line=first_line or "BẢN SAO ĐIỆN TỬ",
                agency_name=identity.agency.name,
                when=now,
                opts=opts,
            )
    field_name = signing.open_reader(out).embedded_regular_signatures[-1].field_name
    _audit_signed(
        user=user,
        identity=identity,
        mode=mode,
        field_name=field_name,
        level=str(lvl),
        out=out,
        at=now,
    )
    return SignedDocument(content=out, field_name=field_name, identity=identity, mode=mode, at=now)


# --- signing in two steps -------------------------------------------------------------------------


def document_prepare(
    *,
    user,
    data: bytes,
    mode: str,
    identity: SigningIdentity | None = None,
    level: str | None = None,
    page: int | None = None,
    box: tuple[float, float, float, float] | None = None,
    position: str = "",
    signer_name: str = "",
    reason: str = "",
) -> PreparedSignature:
    """The first step of signing ``data`` as ``user`` in ``mode`` (``personal`` or ``agency``),
    with the permission checks and the placement of ``document_sign``: the document prepared
    with its signature field and the digest its key must sign.

    Then ``provider_for(identity).request([(id, prepared.digest), …], description=…, pin=…)``
    (several documents in one request: one confirmation), ``poll`` while pending, and
    ``document_finish`` with each returned signature value. The result's ``context`` holds the
    identity's label, the mode and the user's id; ``to_json()`` keeps it all between requests.
    """
    if mode not in ("personal", "agency"):
        raise ValidationFailed(
            "Chỉ ký cá nhân hoặc ký cơ quan theo hai bước.",
            fields={"mode": ["personal", "agency"]},
        )
    identity = identity or identity_for_mode(user=user, mode=mode)
    _usable(identity, mode)
    opts = _options(_level(level), reason=reason)
    signing.open_reader(data)
    provider = provider_for(identity)
    if mode == "personal":
        data, page_ix, found = _personal_target(
            data, identity=identity, page=page, box=box, position=position, signer_name=signer_name
        )
        prepared = twophase.prepare_personal(
            data,
            cert=provider.certificate,
            chain=provider.chain,
            image_png=bytes(identity.image_png),
            page_ix=page_ix,
            box=found,
            opts=opts,
        )
    else:
        prepared = twophase.prepare_agency(
            data,
            cert=provider.certificate,
            chain=provider.chain,
            seal_png=bytes(identity.image_png),
            personal_field=_seal_target(data),
            opts=opts,
        )
    return replace(prepared, context={"identity": identity.label, "mode": mode, "user": user.pk})


def document_finish(
    *,
    user,
    prepared: PreparedSignature,
    signature_value: bytes,
    identity: SigningIdentity | None = None,
) -> SignedDocument:
    """The second step: the signed PDF from ``prepared`` (``document_prepare``) and the
    signature value of its digest, checked against the identity's certificate before anything
    is embedded (Conflict ``signature_value_invalid``). Audited like ``document_sign``.

    Only the user who prepared it, with the same identity (the one named in
    ``prepared.context`` when none is given)."""
    ctx = prepared.context
    if ctx.get("user") != user.pk:
        raise PermissionDenied(
            "Chỉ người đã bắt đầu ký mới hoàn tất được chữ ký này.", code="sign_not_allowed"
        )
    if identity is None:
        identity = SigningIdentity.objects.filter(label=ctx.get("identity", "")).first()
        if identity is None:
            raise NotFound("Không có danh tính ký này.", code="identity_not_found")
    elif identity.label != ctx.get("identity"):
        raise Conflict(
            "Danh tính ký không phải danh tính đã dùng khi chuẩn bị ký.",
            code="certificate_mismatch",
        )
    mode = str(ctx.get("mode", ""))
    _usable(identity, mode)
    level = signing.Level(prepared.level)
    provider = provider_for(identity)
    out = twophase.finish(
        prepared,
        signature_value=signature_value,
        cert=provider.certificate,
        chain=provider.chain,
        opts=_options(level),
    )
    now = timezone.now()
    _audit_signed(
        user=user,
        identity=identity,
        mode=mode,
        field_name=prepared.field_name,
        level=str(level),
        out=out,
        at=now,
    )
    return SignedDocument(
        content=out, field_name=prepared.field_name, identity=identity, mode=mode, at=now
    )


# --- dossier results and forms ------------------------------------------------------------------


def dossier_document_sign(
    *,
    user,
    code: str,
    mode: str,
    file_id: int | None = None,
    form_no: str | None = None,
    level: str | None = None,
    page: int | None = None,
    box: tuple[float, float, float, float] | None = None,
    first_line: str = "",
):
    """Sign a dossier's file (its result, or a previously signed copy) or one of its forms
    01–06, and attach the signed PDF to the dossier as a new file (``dossier_file_add``).

    Only officers of the handling agency; a personal signature on a result only by a leader.
    """
    from chinhquyen.dossiers.selectors import dossier_get_for_user
    from chinhquyen.dossiers.services import dossier_file_add

    dossier = dossier_get_for_user(user=user, code=code)
    if _agency_id(user) != dossier.agency_id:
        raise PermissionDenied(
            "Chỉ cán bộ của cơ quan giải quyết hồ sơ mới được ký.", code="sign_not_allowed"
        )
    if (file_id is None) == (form_no is None):
        raise ValidationFailed(
            "Chọn một tệp hoặc một mẫu để ký.",
            fields={"file_id": ["Chỉ rõ file_id hoặc form_no."]},
        )
    if form_no is not None:
        from chinhquyen.printforms.render import render_form
        from chinhquyen.printforms.selectors import form_check_available

        form_check_available(dossier=dossier, form_no=form_no)
        data = render_form(form_no, dossier=dossier)
        name, is_result = f"mau-{form_no}-{dossier.code}.pdf", False
    else:
        record = dossier.files.filter(pk=file_id).first()
        if record is None:
            raise NotFound("Không có tệp này trong hồ sơ.", code="file_not_found")
        with record.file.open("rb") as fh:
            data = fh.read()
        name, is_result = record.name, record.is_result
        if mode == "personal" and not is_result:
            raise ValidationFailed(
                "Chỉ ký cá nhân trên tệp kết quả.", fields={"file_id": ["Không phải tệp kết quả."]}
            )
        if mode == "personal" and not (PERSONAL_RESULT_ROLES & _roles(user)):
            raise PermissionDenied(
                "Chỉ lãnh đạo được ký số kết quả giải quyết.", code="sign_not_allowed"
            )
    signed = document_sign(
        user=user, data=data, mode=mode, level=level, page=page, box=box, first_line=first_line
    )
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    suffix = {"personal": "ky-ca-nhan", "agency": "ky-co-quan", "copy": "ban-sao"}[mode]
    return dossier_file_add(
        user=user,
        code=dossier.code,
        document_code="result" if is_result else "",
        name=f"{stem[:200]}-{suffix}.pdf",
        content=signed.content,
        at=signed.at,
    )
