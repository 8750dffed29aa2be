"""Signing from the workspace: "Ký số và phê duyệt" (a leader) and "Đóng dấu, ban hành kết quả"
(whoever keeps the seal), for one dossier from its page or for many from the inbox. Thin: the
batch services of ``signatures/batches.py`` do the work; these pages start a batch, show what
the person's key asks of them, and follow the batch until every dossier has its answer."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from chinhquyen.core.errors import DomainError, NotFound
from chinhquyen.signatures.batches import (
    signing_batch_advance,
    signing_batch_get_for_user,
    signing_batch_start,
    signing_identity_for,
)
from chinhquyen.signatures.models import SigningBatch, SigningBatchItem
from chinhquyen.signatures.providers import provider_for

from .views import officer_required

# What each kind of key asks of the person when they sign (KeyProvider.requires).
REQUIREMENT_TEXT = {
    "none": "",
    "pin": gettext_lazy("Nhập mã PIN của thiết bị ký số (token) khi ký."),
    "app_confirmation": gettext_lazy(
        "Sau khi bấm, mở ứng dụng ký số trên điện thoại và xác nhận giao dịch ký."
    ),
}


BULK_LABELS = {
    SigningBatch.Purpose.APPROVE: gettext_lazy("Ký số và phê duyệt các hồ sơ đã chọn"),
    SigningBatch.Purpose.SEAL: gettext_lazy("Đóng dấu, ban hành các hồ sơ đã chọn"),
}


def signing_offer(*, user, purpose: str) -> dict | None:
    """What the sign button needs to know for ``user`` (None when they cannot sign for
    ``purpose``): the key's requirement, so the form asks for a PIN or announces the app."""
    try:
        identity = signing_identity_for(user=user, purpose=purpose)
    except DomainError:
        return None
    requires = provider_for(identity).requires
    return {
        "purpose": purpose,
        "label": SigningBatch.Purpose(purpose).label,
        "bulk_label": BULK_LABELS[purpose],
        "requires": requires,
        "requirement_text": REQUIREMENT_TEXT.get(requires, ""),
        "identity": identity,
    }


def dossier_signing(*, dossier, user, action_codes: set[str]) -> dict[str, dict]:
    """The actions of a dossier's page taken with a signature, and what their form needs: the
    sign offer of ``user`` (None with a reason when they cannot sign now), the document signed,
    and whether an unsigned approval stays possible (a procedure that allows it)."""
    from chinhquyen.dossiers.results import result_current

    draft = result_current(dossier=dossier)
    is_pdf = draft is not None and draft.content_type == "application/pdf"
    required = dossier.procedure.signature_required
    signed = {}
    if "approve" in action_codes:
        offer = signing_offer(user=user, purpose=SigningBatch.Purpose.APPROVE)
        reason = ""
        if not is_pdf or draft.signed_as:
            reason = _("Chưa có dự thảo kết quả (tệp PDF) để ký: chuyên viên tải lên rồi trình.")
        elif offer is None:
            reason = _("Bạn chưa có chứng thư số cá nhân để ký; liên hệ quản trị của cơ quan.")
        if required or (offer is not None and not reason):
            signed["approve"] = {
                "offer": offer if not reason else None,
                "reason": reason,
                "draft": draft if is_pdf else None,
                "unsigned_allowed": not required,
            }
    if "seal" in action_codes:
        offer = signing_offer(user=user, purpose=SigningBatch.Purpose.SEAL)
        reason = ""
        if not is_pdf or draft.signed_as != "personal":
            reason = _("Kết quả chưa có chữ ký số của người có thẩm quyền.")
        elif offer is None:
            reason = _("Cơ quan chưa có chứng thư số (con dấu); liên hệ quản trị của cơ quan.")
        signed["seal"] = {
            "offer": offer if not reason else None,
            "reason": reason,
            "draft": draft if is_pdf else None,
            "unsigned_allowed": False,
        }
    return signed


# The inbox offers a checkbox on the dossiers waiting at a signing step.
SIGNING_STATES = {
    SigningBatch.Purpose.APPROVE: "pending_approval",
    SigningBatch.Purpose.SEAL: "approved",
}


def inbox_signing(*, user) -> dict:
    """The inbox's batch signing: the sign buttons ``user`` has, and which state's dossiers
    get a checkbox for which of them."""
    offers = [
        offer
        for purpose in SIGNING_STATES
        if (offer := signing_offer(user=user, purpose=purpose)) is not None
    ]
    return {
        "offers": offers,
        "purpose_of_state": {SIGNING_STATES[o["purpose"]]: o["purpose"] for o in offers},
    }


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("workspace:inbox")


@officer_required
@require_POST
def sign_start(request: HttpRequest) -> HttpResponse:
    purpose = request.POST.get("purpose", "")
    if purpose not in SigningBatch.Purpose.values:
        messages.error(request, _("Kiểu ký không hợp lệ."))
        return redirect(_back(request))
    try:
        batch = signing_batch_start(
            user=request.user,
            codes=request.POST.getlist("codes"),
            purpose=purpose,
            pin=next((p for p in request.POST.getlist("pin") if p.strip()), None),
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        details = [m for msgs in exc.fields.values() for m in msgs if m != exc.message]
        messages.error(request, " ".join([exc.message, *details]))
        return redirect(_back(request))
    return redirect("workspace:sign_batch", batch_id=batch.pk)


def _app_url(identity) -> str:
    template = settings.SIGNATURES_REMOTE_APP_URL
    if not template or not identity.remote_user_id:
        return ""
    return template.format(user=identity.remote_user_id)


def _batch_or_404(request: HttpRequest, batch_id: int) -> SigningBatch:
    try:
        return signing_batch_get_for_user(user=request.user, batch_id=batch_id)
    except NotFound:
        raise Http404(str(batch_id)) from None


def _status(batch: SigningBatch) -> dict:
    items = list(batch.items.select_related("dossier", "result"))
    return {
        "state": batch.state,
        "message": batch.message,
        "pending": batch.state == SigningBatch.State.PENDING,
        "seconds_left": (
            max(0, int((batch.expires_at - timezone.now()).total_seconds()))
            if batch.expires_at and batch.state == SigningBatch.State.PENDING
            else None
        ),
        "done": sum(1 for i in items if i.state == SigningBatchItem.State.DONE),
        "total": len(items),
        "items": items,
    }


@officer_required
@require_safe
def sign_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The batch: while the person's confirmation is awaited, what to do and a page that
    refreshes itself; then each dossier's result."""
    batch = _batch_or_404(request, batch_id)
    if batch.state == SigningBatch.State.PENDING:
        batch = signing_batch_advance(batch_id=batch.pk)
    status = _status(batch)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "state": status["state"],
                "pending": status["pending"],
                "message": status["message"],
                "done": status["done"],
                "total": status["total"],
                "seconds_left": status["seconds_left"],
            }
        )
    return render(
        request,
        "workspace/sign_batch.html",
        {
            "batch": batch,
            "status": status,
            "requires": provider_for(batch.identity).requires,
            "app_url": _app_url(batch.identity),
        },
    )
