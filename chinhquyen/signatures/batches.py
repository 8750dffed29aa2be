"""Signing from the workspace: the results of one or many dossiers signed with one confirmation
of the person's key, then moved on in the workflow.

* ``approve``: a leader signs each dossier's draft result (the signature block is found, or
  added on the last page in the Decree 30 position: ``locate.signature_box_ensure``) and the
  dossier is approved (``dossier_act(action="approve", params={"signed_file": …})``).
* ``seal``: whoever keeps the agency's seal (``Agency.seal_roles``) puts it on the signed result
  and the result is issued (``action="seal"``).

Two phases (``twophase.py``): every document is prepared first and the digests go to the key's
provider in ONE request, so a remote signing service asks the person to confirm once for the
whole batch; a key file or a token answers at once. The batch then waits (``state`` pending)
until the provider says confirmed, refused or expired: ``signing_batch_advance`` asks again
(the batch page polls it; the periodic job does it for batches nobody watches).

Nothing is half-done: each dossier is finished in a transaction of its own (the signed file,
the audit record and the transition together); a dossier that changed meanwhile, or whose
signature fails, is left exactly as it was and the batch says why, dossier by dossier.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of
from chinhquyen.audit.services import audit_record
from chinhquyen.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed

from .models import SigningBatch, SigningBatchItem, SigningIdentity
from .providers import provider_for
from .selectors import identity_agency_for, identity_personal_for, user_keeps_seal

MAX_DOSSIERS = 50
ACTION_OF = {SigningBatch.Purpose.APPROVE: "approve", SigningBatch.Purpose.SEAL: "seal"}
SIGNED_AS = {SigningBatch.Purpose.APPROVE: "personal", SigningBatch.Purpose.SEAL: "agency"}
FILE_PARAM = {SigningBatch.Purpose.APPROVE: "signed_file", SigningBatch.Purpose.SEAL: "sealed_file"}
# The signed copies' names: the sealed one is what the applicant downloads.
RESULT_NAME = {
    SigningBatch.Purpose.APPROVE: "ket-qua-{code}-da-ky.pdf",
    SigningBatch.Purpose.SEAL: "ket-qua-{code}.pdf",
}
DESCRIPTION = {
    SigningBatch.Purpose.APPROVE: "Ký số và phê duyệt kết quả {n} hồ sơ: {codes}",
    SigningBatch.Purpose.SEAL: "Đóng dấu, ban hành kết quả {n} hồ sơ: {codes}",
}
# Printed above the signature when the officer's profile gives no position.
DEFAULT_POSITION = "THỦ TRƯỞNG CƠ QUAN"


@dataclass
class _Prepared:
    code: str
    dossier: object | None = None
    source: object | None = None
    prepared: object | None = None  # twophase.PreparedSignature
    error: DomainError | None = None


class BatchRefused(DomainError):
    status = 409
    code = "signing_refused"


def signing_identity_for(*, user, purpose: str) -> SigningIdentity:
    """The identity ``user`` signs with for ``purpose``: their own personal certificate (a
    leader), or the agency's (whoever keeps the seal, as the agency decides)."""
    profile = profile_of(user)
    if profile is None or not profile.is_officer:
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan mới ký số."), code="sign_not_allowed")
    if purpose == SigningBatch.Purpose.APPROVE:
        if Role.LEADER not in profile.roles:
            raise PermissionDenied(
                _("Chỉ lãnh đạo được ký số kết quả giải quyết."), code="sign_not_allowed"
            )
        return identity_personal_for(user=user)
    if purpose == SigningBatch.Purpose.SEAL:
        if not user_keeps_seal(user=user):
            raise PermissionDenied(
                _("Chỉ người được giao giữ con dấu của cơ quan mới đóng dấu (ký số cơ quan)."),
                code="seal_not_allowed",
            )
        return identity_agency_for(agency_id=profile.agency_id)
    raise ValidationFailed(_("Kiểu ký không hợp lệ."), fields={"purpose": [purpose]})


def _prepare(*, user, identity, provider, code: str, purpose: str, opts) -> _Prepared:
    """One dossier made ready to sign, or the reason it cannot be (checked again when the
    signature comes back: the dossier may change meanwhile)."""
    from chinhquyen.dossiers.results import result_current
    from chinhquyen.dossiers.selectors import dossier_get_for_user
    from chinhquyen.dossiers.services import actions_available

    from . import twophase
    from .locate import signature_box_ensure
    from .services import personal_field_to_seal

    entry = _Prepared(code=code)
    try:
        dossier = entry.dossier = dossier_get_for_user(user=user, code=code)
        if ACTION_OF[purpose] not in {
            a.code for a in actions_available(dossier=dossier, user=user)
        }:
            raise PermissionDenied(
                _("Hồ sơ không ở bước này hoặc bạn không có quyền thực hiện."),
                code="action_not_allowed",
            )
        source = entry.source = result_current(dossier=dossier)
        if source is None or source.content_type != "application/pdf":
            raise ValidationFailed(
                _("Hồ sơ chưa có dự thảo kết quả (tệp PDF) để ký."), code="result_draft_missing"
            )
        with source.file.open("rb") as fh:
            data = fh.read()
        if purpose == SigningBatch.Purpose.APPROVE:
            if source.signed_as:
                raise ValidationFailed(
                    _("Kết quả đã được ký; chờ đóng dấu hoặc tải lên dự thảo mới."),
                    code="already_signed",
                )
            profile = profile_of(user)
            data, page_ix, box = signature_box_ensure(
                data,
                position=profile.position or DEFAULT_POSITION,
                signer_name=profile.full_name or user.get_username(),
            )
            entry.prepared = twophase.prepare_personal(
                data,
                cert=provider.certificate,
                chain=provider.chain,
                image_png=bytes(identity.image_png),
                page_ix=page_ix,
                box=box,
                opts=opts,
            )
        else:
            if source.signed_as != "personal":
                raise ValidationFailed(
                    _("Kết quả chưa có chữ ký số của người có thẩm quyền."),
                    code="personal_signature_required",
                )
            entry.prepared = twophase.prepare_agency(
                data,
                cert=provider.certificate,
                chain=provider.chain,
                seal_png=bytes(identity.image_png),
                personal_field=personal_field_to_seal(data),
                opts=opts,
            )
    except NotFound as exc:
        entry.error = exc
        entry.dossier = None
    except DomainError as exc:
        entry.error = exc
    return entry


def _codes(codes: list[str]) -> list[str]:
    unique = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    if not unique:
        raise ValidationFailed(
            _("Chọn ít nhất một hồ sơ để ký."),
            code="no_dossier_chosen",
            fields={"codes": [_("Chọn ít nhất một hồ sơ.")]},
        )
    if len(unique) > MAX_DOSSIERS:
        raise ValidationFailed(
            _("Mỗi lần ký tối đa %(n)d hồ sơ.") % {"n": MAX_DOSSIERS},
            code="too_many_dossiers",
            fields={"codes": [_("Tối đa %(n)d hồ sơ.") % {"n": MAX_DOSSIERS}]},
        )
    return unique


def signing_batch_start(
    *, user, codes: list[str], purpose: str, pin: str | None = None, comment: str = ""
) -> SigningBatch:
    """Prepare every dossier's result, ask the key's provider for all the signatures in one
    request and record the batch. A key file or token answers at once and the batch is
    finished before this returns; a remote service leaves it pending until the person confirms.

    A wrong PIN or an unreachable provider raises (nothing is recorded); a dossier that cannot
    be signed is recorded as failed with the reason and the others go on.
    """
    from .services import sign_options

    codes = _codes(codes)
    identity, provider = _ready_identity(user=user, purpose=purpose, pin=pin)
    opts = sign_options()
    entries = [
        _prepare(
            user=user, identity=identity, provider=provider, code=c, purpose=purpose, opts=opts
        )
        for c in codes
    ]
    ready = [(str(i), e.prepared.digest) for i, e in enumerate(entries) if e.prepared is not None]
    answer = None
    if ready:
        # What the person reads in the provider's app before confirming (in Vietnamese: the
        # provider's app is not ours to translate).
        description = DESCRIPTION[purpose].format(
            n=len(ready),
            codes=", ".join(e.code for e in entries if e.prepared is not None)[:400],
        )
        answer = provider.request(ready, description=description, pin=(pin or "").strip() or None)
    batch = _record_batch(
        user=user,
        identity=identity,
        purpose=purpose,
        comment=comment,
        codes=codes,
        entries=entries,
        ready=len(ready),
        answer=answer,
    )
    if answer is not None:
        _apply(batch, answer)
    return batch


def _ready_identity(*, user, purpose: str, pin: str | None):
    """The user's identity for the purpose and its provider, refused unless it can sign now."""
    from .services import identity_check_not_revoked

    identity = signing_identity_for(user=user, purpose=purpose)
    if not identity.is_valid_at():
        raise BatchRefused(_("Chứng thư số đã hết hạn hoặc bị khóa."), code="identity_not_valid")
    identity_check_not_revoked(identity)  # a Conflict: the revoked certificate signs nothing
    if not identity.image_png:
        raise BatchRefused(_("Chưa có ảnh chữ ký hoặc con dấu."), code="image_missing")
    provider = provider_for(identity)
    if provider.requires == "pin" and not (pin or "").strip():
        raise ValidationFailed(
            _("Nhập mã PIN của thiết bị ký số."),
            code="pin_required",
            fields={"pin": [_("Bắt buộc.")]},
        )
    return identity, provider


def _record_batch(
    *, user, identity, purpose: str, comment: str, codes: list[str], entries, ready: int, answer
) -> SigningBatch:
    """Record the batch, one item per known dossier, and its audit entry, in one transaction."""
    with transaction.atomic():
        batch = SigningBatch.objects.create(
            user=user,
            identity=identity,
            purpose=purpose,
            comment=comment.strip()[:2000],
            transaction_id=answer.transaction_id if answer else "",
            expires_at=answer.expires_at if answer else None,
            state=SigningBatch.State.PENDING if answer else SigningBatch.State.FAILED,
            message="" if answer else _("Không có hồ sơ nào ký được."),
            finished_at=None if answer else timezone.now(),
        )
        SigningBatchItem.objects.bulk_create(
            [
                SigningBatchItem(
                    batch=batch,
                    position=i,
                    dossier=e.dossier,
                    source=e.source,
                    prepared=e.prepared.to_json() if e.prepared is not None else {},
                    state=SigningBatchItem.State.PENDING
                    if e.prepared is not None
                    else SigningBatchItem.State.FAILED,
                    error_code=e.error.code if e.error else "",
                    message=e.error.message[:500] if e.error else "",
                )
                for i, e in enumerate(entries)
                if e.dossier is not None
            ]
        )
        audit_record(
            event="signatures.batch_started",
            object_type="agency",
            object_id=str(identity.agency_id),
            actor=user,
            changes={
                "batch": batch.pk,
                "purpose": purpose,
                "identity": identity.label,
                "dossiers": codes,
                "ready": ready,
                "transaction": batch.transaction_id,
            },
        )
    return batch


def signing_batch_advance(*, batch_id: int) -> SigningBatch:
    """Ask the provider what became of a pending batch and finish it if the person confirmed
    (idempotent: a finished batch is returned as it is; two callers at once are serialised on
    the batch row)."""
    with transaction.atomic():
        batch = SigningBatch.objects.select_for_update().select_related("identity").get(pk=batch_id)
        if batch.state != SigningBatch.State.PENDING:
            return batch
        try:
            answer = provider_for(batch.identity).poll(batch.transaction_id)
        except DomainError as exc:
            # The provider is down for now: the batch stays pending, the page says why.
            batch.message = exc.message[:500]
            batch.save(update_fields=["message"])
            return batch
        _apply(batch, answer)
    return batch


def signing_batches_advance_pending() -> int:
    """The periodic job: advance every pending batch (a leader may close the page before
    confirming in the app). Returns how many were looked at."""
    ids = list(
        SigningBatch.objects.filter(state=SigningBatch.State.PENDING)
        .order_by("created_at")
        .values_list("pk", flat=True)[:200]
    )
    for pk in ids:
        signing_batch_advance(batch_id=pk)
    return len(ids)


def _apply(batch: SigningBatch, answer) -> None:
    if answer.state == "pending":
        changed = []
        if answer.expires_at and batch.expires_at != answer.expires_at:
            batch.expires_at = answer.expires_at
            changed.append("expires_at")
        if batch.message:
            batch.message = ""
            changed.append("message")
        if changed:
            batch.save(update_fields=changed)
        return
    if answer.state == "confirmed":
        _complete(batch, answer.signatures)
        return
    message = answer.message or (
        _("Người ký đã từ chối trên ứng dụng ký số.")
        if answer.state == "refused"
        else _("Hết thời gian chờ xác nhận trên ứng dụng ký số.")
    )
    with transaction.atomic():
        batch.items.filter(state=SigningBatchItem.State.PENDING).update(
            state=SigningBatchItem.State.FAILED,
            error_code=f"signing_{answer.state}",
            message=message[:500],
            prepared={},
        )
        batch.state = SigningBatch.State.FAILED
        batch.message = message[:500]
        batch.finished_at = timezone.now()
        batch.save(update_fields=["state", "message", "finished_at"])
        audit_record(
            event="signatures.batch_failed",
            object_type="agency",
            object_id=str(batch.identity.agency_id),
            actor=batch.user,
            changes={"batch": batch.pk, "state": answer.state},
        )


def _complete(batch: SigningBatch, signatures: dict[str, bytes]) -> None:
    """Finish each dossier with its signature value, each in its own transaction."""
    from .services import sign_options

    provider = provider_for(batch.identity)
    opts = sign_options()
    items = list(batch.items.filter(state=SigningBatchItem.State.PENDING).select_related("dossier"))
    for item in items:
        try:
            with transaction.atomic():
                record = _finish_one(
                    batch, item, signatures.get(str(item.position)), provider, opts
                )
        except DomainError as exc:
            item.state = SigningBatchItem.State.FAILED
            item.error_code = exc.code
            item.message = exc.message[:500]
            item.prepared = {}
            item.save(update_fields=["state", "error_code", "message", "prepared"])
            continue
        item.state = SigningBatchItem.State.DONE
        item.result = record
        item.prepared = {}
        item.save(update_fields=["state", "result", "prepared"])
    done = batch.items.filter(state=SigningBatchItem.State.DONE).count()
    total = batch.items.count()
    batch.state = SigningBatch.State.FINISHED
    batch.finished_at = timezone.now()
    if batch.purpose == SigningBatch.Purpose.SEAL:
        text = ngettext(
            "Đã đóng dấu %(done)d/%(total)d hồ sơ.", "Đã đóng dấu %(done)d/%(total)d hồ sơ.", total
        )
    else:
        text = ngettext("Đã ký %(done)d/%(total)d hồ sơ.", "Đã ký %(done)d/%(total)d hồ sơ.", total)
    batch.message = text % {"done": done, "total": total}
    batch.save(update_fields=["state", "finished_at", "message"])


def _finish_one(batch: SigningBatch, item: SigningBatchItem, value, provider, opts):
    from chinhquyen.dossiers.results import result_current
    from chinhquyen.dossiers.selectors import dossier_get_for_user
    from chinhquyen.dossiers.services import dossier_act, dossier_file_add

    from . import twophase

    if value is None:
        raise BatchRefused(
            _("Dịch vụ ký số không trả về chữ ký cho hồ sơ này."), code="signature_missing"
        )
    user = batch.user
    dossier = dossier_get_for_user(user=user, code=item.dossier.code, for_update=True)
    current = result_current(dossier=dossier)
    if current is None or current.pk != item.source_id:
        raise BatchRefused(
            _("Kết quả của hồ sơ đã thay đổi trong lúc chờ ký; hãy ký lại."),
            code="result_changed",
        )
    signed = twophase.finish(
        twophase.PreparedSignature.from_json(item.prepared),
        signature_value=value,
        cert=provider.certificate,
        chain=provider.chain,
        opts=opts,
    )
    now = timezone.now()
    purpose = SigningBatch.Purpose(batch.purpose)
    record = dossier_file_add(
        user=user,
        code=dossier.code,
        document_code="result",
        name=RESULT_NAME[purpose].format(code=dossier.code),
        content=signed,
        at=now,
        derived_from=current,
        signed_as=SIGNED_AS[purpose],
    )
    audit_record(
        event="signatures.document_signed",
        object_type="agency",
        object_id=str(batch.identity.agency_id),
        actor=user,
        at=now,
        changes={
            "mode": SIGNED_AS[purpose],
            "identity": batch.identity.label,
            "dossier": dossier.code,
            "batch": batch.pk,
            "sha256": hashlib.sha256(signed).hexdigest(),
        },
    )
    dossier_act(
        user=user,
        code=dossier.code,
        action=ACTION_OF[purpose],
        comment=batch.comment,
        params={FILE_PARAM[purpose]: record.pk},
        at=now,
    )
    return record


def signing_batch_get_for_user(*, user, batch_id: int) -> SigningBatch:
    """A batch of ``user``'s own (another person's batch is indistinguishable from none)."""
    batch = SigningBatch.objects.filter(pk=batch_id, user=user).select_related("identity").first()
    if batch is None:
        raise NotFound(_("Không có lượt ký này."), code="batch_not_found")
    return batch
