"""Writes: certificate authorities, signing identities, and signing documents and dossier files.

Who may sign (documented in docs/signatures.md):

* a **personal** signature: the person themself, with their own active personal identity; on a
  dossier's result or form only a *leader* of the handling agency;
* an **agency** signature (seal, or the copy stamp): an officer of that agency holding the seal
  (``counter`` — the one-stop clerk keeps the seal — or ``agency_admin``), with the agency's
  identity. The seal is refused until the document carries a valid personal signature.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
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

from . import images, pki, signing
from .models import CertificateAuthority, IdentityKind, KeyStorage, SigningIdentity
from .providers import provider_for
from .providers.file import key_dir, key_passphrase
from .selectors import identity_agency_for, identity_personal_for

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
    if not ca.can_issue:
        raise Conflict("Tổ chức cấp này không có khóa để cấp chứng thư.", code="ca_cannot_issue")
    ca_cert = pki.certs_from_pem(ca.certificate_pem)[0]
    issuer = pki.KeyAndCert(key=_load_key(ca.key_path), cert=ca_cert)
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


def sign_options(*, level: str | None = None, reason: str = "") -> signing.SignOptions:
    """The signing options of this deployment (level, timestamp authority), for callers that
    sign in two phases (``batches.py``)."""
    return _options(_level(level), reason=reason)


def personal_field_to_seal(data: bytes) -> str:
    """The field of the valid personal signature the agency's seal goes next to (Conflict
    ``personal_signature_required`` when there is none: the agency signs after the person)."""
    return _valid_personal_field(data)


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


def _valid_personal_field(data: bytes) -> str:
    """The field of the last valid personal signature, or a Conflict (Decree 30 order)."""
    from .validation import validate_pdf

    report = validate_pdf(data)
    personal = [s for s in report.signatures if s.kind == pki.PERSONAL and s.passed]
    if not personal:
        raise Conflict(
            "Văn bản chưa có chữ ký số hợp lệ của người có thẩm quyền: cơ quan chỉ ký sau "
            "người có thẩm quyền (Nghị định 30/2020).",
            code="personal_signature_required",
        )
    return personal[-1].field


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
) -> SignedDocument:
    """Sign ``data`` (a PDF) as ``user`` in ``mode`` (personal / agency / copy).

    ``page`` (1-based) and ``box`` place a personal signature; without them the box is found
    from the document's signature hint line (``locate.py``). The agency seal is placed from the
    personal signature; the copy stamp goes to the top right of page 1.
    """
    identity = identity or identity_for_mode(user=user, mode=mode)
    if not identity.is_valid_at():
        raise Conflict("Chứng thư số đã hết hạn hoặc bị khóa.", code="identity_not_valid")
    lvl = _level(level)
    opts = _options(lvl, reason=reason)
    signing.open_reader(data)  # a clear 422 for a non-PDF before anything else
    now = timezone.now()
    with provider_for(identity).signer() as signer:
        if mode == "personal":
            if not identity.image_png:
                raise Conflict("Chưa có ảnh chữ ký.", code="image_missing")
            if box is None:
                from .locate import signature_box_find

                page_ix, found = signature_box_find(data)
            else:
                page_ix, found = (page or 1) - 1, signing.Box.of(box)
            out = signing.sign_personal(
                data,
                signer=signer,
                image_png=bytes(identity.image_png),
                page_ix=page_ix,
                box=found,
                opts=opts,
            )
        elif mode == "agency":
            if not identity.image_png:
                raise Conflict("Chưa có ảnh con dấu.", code="image_missing")
            personal_field = _valid_personal_field(data)
            out = signing.sign_agency(
                data,
                signer=signer,
                seal_png=bytes(identity.image_png),
                personal_field=personal_field,
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
    with transaction.atomic():
        audit_record(
            event="signatures.document_signed",
            object_type="agency",
            object_id=str(identity.agency_id),
            actor=user,
            at=now,
            changes={
                "mode": mode,
                "identity": identity.label,
                "field": field_name,
                "level": str(lvl),
                "sha256": hashlib.sha256(out).hexdigest(),
            },
        )
    return SignedDocument(content=out, field_name=field_name, identity=identity, mode=mode, at=now)


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
        name, is_result, source = f"mau-{form_no}-{dossier.code}.pdf", False, None
    else:
        record = dossier.files.filter(pk=file_id).first()
        if record is None:
            raise NotFound("Không có tệp này trong hồ sơ.", code="file_not_found")
        with record.file.open("rb") as fh:
            data = fh.read()
        name, is_result, source = record.name, record.is_result, record
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
        derived_from=source,
        signed_as=mode,
    )
