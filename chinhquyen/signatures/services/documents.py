"""Writes: signing documents (in one step or two) and dossier files.

Who may sign (documented in docs/signatures.md):

* a **personal** signature: the person themself, with their own active personal identity; on a
  dossier's result or form only a *leader* of the handling agency;
* an **agency** signature (seal, or the copy stamp): an officer of that agency holding the seal
  (the roles the agency gives it, ``Agency.seal_roles``: by default the clerk and the one-stop
  counter), with the agency's identity. The seal is refused until the document carries a valid personal signature, and
  refused again once a valid seal follows that signature (``already_sealed``).

Signing in one step (``document_sign``: key files and tokens, through a pyHanko signer) or in
two (``document_prepare`` → the key's provider signs the digest, see ``providers/base.py`` →
``document_finish``), which every kind of key supports, remote signing included.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import datetime

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of
from chinhquyen.audit.services import audit_record
from chinhquyen.core.aio import run_sync
from chinhquyen.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from .. import pdfbounds, pki, signing, twophase
from ..models import SigningIdentity
from ..providers import provider_for
from ..selectors import identity_agency_for, identity_personal_for, user_keeps_seal
from ..twophase import PreparedSignature

logger = logging.getLogger(__name__)

PERSONAL_RESULT_ROLES = frozenset({Role.LEADER})
MODES = ("personal", "agency", "copy")


# --- settings -----------------------------------------------------------------------------------


def tsa_url() -> str:
    return getattr(settings, "SIGNATURES_TSA_URL", "")


def default_level() -> signing.Level:
    return signing.Level(
        getattr(settings, "SIGNATURES_DEFAULT_LEVEL", "B-T" if tsa_url() else "B-B")
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
        from ..validation import default_validation_context

        vc = default_validation_context()
    return signing.SignOptions(level=level, tsa_url=tsa_url(), validation_context=vc, reason=reason)


def sign_options(*, level: str | None = None, reason: str = "") -> signing.SignOptions:
    """The signing options of this deployment (level, timestamp authority, the validation
    context for B-LT), for callers that sign in two phases (``batches.py``)."""
    return _options(_level(level), reason=reason)


def identity_for_mode(*, user, mode: str) -> SigningIdentity:
    """The identity ``user`` signs with in ``mode``, with the permission checks of the module."""
    if mode not in MODES:
        raise ValidationFailed("Kiểu ký không hợp lệ.", fields={"mode": list(MODES)})
    if mode == "personal":
        return identity_personal_for(user=user)
    agency_id = _agency_id(user)
    if agency_id is None or not user_keeps_seal(user=user):
        raise PermissionDenied(
            "Chỉ cán bộ được giao giữ con dấu của cơ quan mới ký số bằng chữ ký cơ quan.",
            code="seal_not_allowed",
        )
    return identity_agency_for(agency_id=agency_id)


def _seal_target(data: bytes) -> str:
    """The field of the last valid personal signature, the one a seal goes next to.

    Conflict ``personal_signature_required`` without one (Decree 30: the agency signs after the
    competent person), Conflict ``already_sealed`` when a valid seal already follows it."""
    from ..validation import validate_pdf

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


def personal_field_to_seal(data: bytes) -> str:
    """The field of the valid personal signature the agency's seal goes next to: Conflict
    ``personal_signature_required`` when there is none (the agency signs after the person),
    Conflict ``already_sealed`` when a valid seal already follows it."""
    return _seal_target(data)


def identity_check_not_revoked(identity: SigningIdentity) -> None:
    """Refuse to sign with a certificate its CA has revoked, at every level (B-B and B-T too,
    where no revocation data goes into the document): the certificate is checked against the
    CRL/OCSP of the configured validation context (``SIGNATURES_REVOCATION_MODE``; with
    ``soft-fail`` unreachable revocation services do not block signing). Conflict
    ``certificate_revoked``."""
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import PathBuildingError, RevokedError, ValidationError

    from ..validation import default_validation_context

    provider = provider_for(identity)
    validator = CertificateValidator(
        provider.certificate,
        intermediate_certs=provider.chain,
        validation_context=default_validation_context(),
    )
    try:
        run_sync(validator.async_validate_usage(set()))
    except RevokedError as exc:
        raise Conflict(
            "Chứng thư số của danh tính ký đã bị tổ chức cấp thu hồi; không thể ký bằng "
            "chứng thư này.",
            code="certificate_revoked",
        ) from exc
    except (PathBuildingError, ValidationError) as exc:
        # not trusted here, or no revocation answer in soft-fail mode: the validator says so
        # to whoever checks the document; only a revocation stops signing
        logger.info("signing: revocation of %s not established: %s", identity.label, exc)


def _usable(identity: SigningIdentity, mode: str) -> None:
    if not identity.is_valid_at():
        raise Conflict("Chứng thư số đã hết hạn hoặc bị khóa.", code="identity_not_valid")
    identity_check_not_revoked(identity)
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
    from ..locate import signature_box_ensure, signature_box_find

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
    # the document is parsed and signed within the bounds of every PDF parse (pdfbounds)
    with pdfbounds.limits(), provider_for(identity).signer(pin=pin) as signer:
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
    # pyHanko names fields with its own str subclass; a WSGI server wants a plain str header
    field_name = str(signing.open_reader(out).embedded_regular_signatures[-1].field_name)
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
    with pdfbounds.limits():  # the bounds of every PDF parse
        if mode == "personal":
            data, page_ix, found = _personal_target(
                data,
                identity=identity,
                page=page,
                box=box,
                position=position,
                signer_name=signer_name,
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


@dataclass(frozen=True)
class _DossierSource:
    code: str
    data: bytes
    name: str
    is_result: bool
    record: object | None  # the DossierFile signed (None for a form)


def _dossier_source(
    *, user, code: str, mode: str, file_id: int | None, form_no: str | None
) -> _DossierSource:
    """The PDF to sign of a dossier, with the checks of ``dossier_document_sign``."""
    from chinhquyen.dossiers.selectors import dossier_get_for_user

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
        return _DossierSource(dossier.code, data, f"mau-{form_no}-{dossier.code}.pdf", False, None)
    record = dossier.files.filter(pk=file_id).first()
    if record is None:
        raise NotFound("Không có tệp này trong hồ sơ.", code="file_not_found")
    with record.file.open("rb") as fh:
        data = fh.read()
    if mode == "personal" and not record.is_result:
        raise ValidationFailed(
            "Chỉ ký cá nhân trên tệp kết quả.", fields={"file_id": ["Không phải tệp kết quả."]}
        )
    if mode == "personal" and not (PERSONAL_RESULT_ROLES & _roles(user)):
        raise PermissionDenied(
            "Chỉ lãnh đạo được ký số kết quả giải quyết.", code="sign_not_allowed"
        )
    return _DossierSource(dossier.code, data, record.name, record.is_result, record)


def _dossier_attach(
    *, user, code: str, name: str, is_result: bool, signed: SignedDocument, source=None
):
    """The signed PDF as a new file of the dossier, naming the file it was made from."""
    from chinhquyen.dossiers.services import dossier_file_add

    stem = name[:-4] if name.lower().endswith(".pdf") else name
    suffix = {"personal": "ky-ca-nhan", "agency": "ky-co-quan", "copy": "ban-sao"}[signed.mode]
    return dossier_file_add(
        user=user,
        code=code,
        document_code="result" if is_result else "",
        name=f"{stem[:200]}-{suffix}.pdf",
        content=signed.content,
        at=signed.at,
        derived_from=source,
        signed_as=signed.mode,
    )


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
    position: str = "",
    pin: str | None = None,
):
    """Sign a dossier's file (its result, or a previously signed copy) or one of its forms
    01–06, and attach the signed PDF to the dossier as a new file (``dossier_file_add``).

    Only officers of the handling agency; a personal signature on a result only by a leader.
    ``position`` places a signature block on a result that has none (``document_sign``);
    ``pin`` unlocks a PKCS#11 token.
    """
    source = _dossier_source(user=user, code=code, mode=mode, file_id=file_id, form_no=form_no)
    signed = document_sign(
        user=user,
        data=source.data,
        mode=mode,
        level=level,
        page=page,
        box=box,
        first_line=first_line,
        position=position,
        pin=pin,
    )
    return _dossier_attach(
        user=user,
        code=source.code,
        name=source.name,
        is_result=source.is_result,
        signed=signed,
        source=source.record,
    )
