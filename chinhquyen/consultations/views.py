"""Pages of consultations: the public list and page (draft, vote, survey, comments, summary),
and the agency's pages to open one, moderate and answer, and launch the service."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_http_methods

from chinhquyen.accounts.models import OFFICER_ROLES, Role
from chinhquyen.accounts.selectors import profile_of, user_roles
from chinhquyen.catalogue.models import OnlineMode, Procedure
from chinhquyen.core.errors import DomainError

from . import selectors, services
from .models import Comment, Consultation, Participation

VN = ZoneInfo("Asia/Ho_Chi_Minh")

FIELD_LABELS = {
    "procedure": _l("Thủ tục"),
    "title": _l("Tiêu đề"),
    "purpose": _l("Nội dung xin ý kiến"),
    "planned_mode": _l("Mức độ dự kiến"),
    "draft_steps": _l("Trình tự dự kiến"),
    "closes_at": _l("Ngày kết thúc"),
    "threshold_percent": _l("Tỷ lệ đồng ý tối thiểu"),
    "min_votes": _l("Số phiếu tối thiểu"),
    "vote": _l("Biểu quyết"),
    "would_use": _l("Bạn có dùng dịch vụ không"),
    "missing": _l("Còn thiếu gì"),
    "text": _l("Góp ý"),
    "answer": _l("Trả lời"),
    "decision_number": _l("Số quyết định"),
    "decision_date": _l("Ngày quyết định"),
}


def _summary(error: DomainError) -> list[tuple[str, str, list[str]]]:
    return [
        (f"f-{name}", str(FIELD_LABELS.get(name, name)), list(msgs))
        for name, msgs in error.fields.items()
    ]


def _is_officer(user) -> bool:
    return bool(OFFICER_ROLES.intersection(user_roles(user))) or Role.SYSTEM_ADMIN in user_roles(
        user
    )


def _form_fields(schema: dict) -> list[dict]:
    """The e-form's fields as the citizen would fill them, for the draft's preview."""
    out = []
    required = set(schema.get("required", []))
    for name, prop in (schema.get("properties") or {}).items():
        kind = prop.get("type", "")
        if prop.get("format") == "date":
            kind = _("ngày")
        elif prop.get("enum") or prop.get("oneOf"):
            kind = _("lựa chọn")
        elif kind == "array":
            kind = _("danh sách")
        elif kind == "object":
            kind = _("nhóm thông tin")
        else:
            kind = _("văn bản")
        out.append({"title": prop.get("title", name), "kind": kind, "required": name in required})
    return out


@require_http_methods(["GET"])
def consultation_list(request: HttpRequest) -> HttpResponse:
    services.consultations_close_due()
    items = list(selectors.consultations_public())
    return render(
        request,
        "consultations/list.html",
        {
            "open": [c for c in items if c.state == Consultation.State.OPEN],
            "ended": [c for c in items if c.state != Consultation.State.OPEN],
            "is_officer": request.user.is_authenticated and _is_officer(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = get_object_or_404(selectors.consultations_public(), pk=pk)
    services.consultation_close_if_due(consultation=consultation)
    user = request.user
    mine = None
    if user.is_authenticated:
        mine = Participation.objects.filter(consultation=consultation, user=user).first()
    error, which, values = None, None, {}
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(f"/dang-nhap/?next={request.path}")
        which = request.POST.get("form")
        values = request.POST
        try:
            if which == "vote":
                mine = services.consultation_participate(
                    user=user,
                    consultation=consultation,
                    vote=request.POST.get("vote", ""),
                    would_use=request.POST.get("would_use", ""),
                    missing=request.POST.get("missing", ""),
                )
                messages.success(request, _("Đã ghi nhận biểu quyết và phiếu khảo sát của bạn."))
            elif which == "comment":
                services.consultation_comment(
                    user=user,
                    consultation=consultation,
                    text=request.POST.get("text", ""),
                    token=request.POST.get("token", ""),
                )
                messages.success(request, _("Đã gửi góp ý. Góp ý sẽ được đăng sau khi kiểm duyệt."))
            else:
                raise Http404
            return redirect("consultations:detail", pk=consultation.pk)
        except DomainError as exc:
            error = exc
    return render(
        request,
        "consultations/detail.html",
        {
            "c": consultation,
            "form_fields": _form_fields(consultation.draft_form_schema),
            "comments": selectors.comments_published(consultation),
            "counts": selectors.consultation_counts(consultation),
            "accepting": consultation.is_accepting(),
            "can_participate": user.is_authenticated and services.can_participate(user),
            "can_manage": user.is_authenticated and services.can_moderate(user, consultation),
            "mine": mine,
            "vote_choices": Participation.Vote.choices,
            "use_choices": Participation.WouldUse.choices,
            "error": error,
            "which": which,
            "values": values,
            "summary": _summary(error) if error else None,
            "token": secrets.token_urlsafe(16),
        },
        status=422 if error else 200,
    )


def _officer_agency(request: HttpRequest):
    profile = profile_of(request.user)
    if profile is None or not profile.agency_id or not _is_officer(request.user):
        raise Http404
    return profile.agency


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def consultation_new(request: HttpRequest) -> HttpResponse:
    agency = _officer_agency(request)
    procedures = (
        Procedure.objects.filter(agencies=agency, current__isnull=False)
        .exclude(current__online_mode=OnlineMode.FULL)
        .select_related("current")
        .order_by("code")
    )
    error, values = None, request.POST if request.method == "POST" else {}
    if request.method == "POST":
        closes_on = _parse_date(request.POST.get("closes_on", ""))
        try:
            consultation = services.consultation_open(
                actor=request.user,
                procedure_code=request.POST.get("procedure", ""),
                title=request.POST.get("title", ""),
                purpose=request.POST.get("purpose", ""),
                planned_mode=request.POST.get("planned_mode", ""),
                draft_steps=request.POST.get("draft_steps", ""),
                closes_at=datetime.combine(closes_on, time(23, 59, 59), tzinfo=VN)
                if closes_on
                else None,
                threshold_percent=_int(request.POST.get("threshold_percent"), 0),
                min_votes=_int(request.POST.get("min_votes"), 0),
            )
            messages.success(request, _("Đã mở lấy ý kiến."))
            return redirect("consultations:detail", pk=consultation.pk)
        except DomainError as exc:
            error = exc
    return render(
        request,
        "consultations/new.html",
        {
            "procedures": procedures,
            "modes": [
                (OnlineMode.FULL, OnlineMode.FULL.label),
                (OnlineMode.PARTIAL, OnlineMode.PARTIAL.label),
            ],
            "values": values,
            "error": error,
            "summary": _summary(error) if error else None,
        },
        status=422 if error else 200,
    )


def _int(value, default: int) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


@login_required
@require_http_methods(["GET", "POST"])
def consultation_manage(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = get_object_or_404(selectors.consultations_public(), pk=pk)
    if not services.can_moderate(request.user, consultation):
        raise Http404
    services.consultation_close_if_due(consultation=consultation)
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("publish", "reject", "answer"):
                comment = get_object_or_404(
                    Comment, pk=_int(request.POST.get("comment"), 0), consultation=consultation
                )
                if action == "answer":
                    services.comment_answer(
                        actor=request.user, comment=comment, answer=request.POST.get("answer", "")
                    )
                    messages.success(request, _("Đã đăng câu trả lời."))
                else:
                    services.comment_moderate(
                        actor=request.user, comment=comment, publish=action == "publish"
                    )
                    messages.success(request, _("Đã kiểm duyệt góp ý."))
            elif action == "launch":
                decision_date = _parse_date(request.POST.get("decision_date", ""))
                if decision_date is None:
                    raise DomainError(
                        _("Nhập số và ngày của quyết định."),
                        fields={"decision_date": [_("Nhập ngày quyết định.")]},
                    )
                services.consultation_launch(
                    actor=request.user,
                    consultation=consultation,
                    decision_number=request.POST.get("decision_number", ""),
                    decision_date=decision_date,
                )
                messages.success(request, _("Dịch vụ đã được đưa lên trực tuyến."))
            else:
                raise Http404
            return redirect("consultations:manage", pk=consultation.pk)
        except DomainError as exc:
            error = exc
    consultation.refresh_from_db()
    comments = consultation.comments.select_related("author").order_by("status", "created_at")
    return render(
        request,
        "consultations/manage.html",
        {
            "c": consultation,
            "pending": [
                (c, services.comment_public_text(c))
                for c in comments
                if c.status == Comment.Status.PENDING
            ],
            "published": [c for c in comments if c.status == Comment.Status.PUBLISHED],
            "counts": selectors.consultation_counts(consultation),
            "can_launch": services.can_organise(request.user, consultation),
            "error": error,
            "summary": _summary(error) if error else None,
        },
        status=422 if error else 200,
    )


@login_required
@require_http_methods(["GET"])
def usefulness(request: HttpRequest) -> HttpResponse:
    if not _is_officer(request.user):
        raise Http404
    months = min(max(_int(request.GET.get("thang"), 6), 1), 36)
    return render(
        request,
        "consultations/usefulness.html",
        {
            "months": months,
            "rows": selectors.unused_online_services(user=request.user, months=months),
            "can_open": bool(services.ORGANISER_ROLES.intersection(user_roles(request.user))),
        },
    )
