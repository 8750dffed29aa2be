"""Pages under /phan-anh/: send, follow, read published answers and vote (public), and the
officer's inbox and actions. Thin: every rule is in the services and selectors."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from chinhquyen.accounts.selectors import profile_of
from chinhquyen.catalogue.selectors import procedure_get, procedures_search
from chinhquyen.core.errors import DomainError, NotFound
from chinhquyen.core.security import attachment_response
from chinhquyen.units.models import Agency, UnitLevel
from chinhquyen.units.selectors import units_children
from chinhquyen.workdays.calendar import DeadlineState

from . import selectors, services
from .forms import RELOAD_ACTIONS, SendForm
from .models import FeedbackKind, FeedbackState

DEADLINE_BADGES = {
    DeadlineState.ON_TIME: ("badge-ok", _("Trong hạn")),
    DeadlineState.DUE_SOON: ("badge-soon", _("Sắp đến hạn")),
    DeadlineState.OVERDUE: ("badge-late", _("Quá hạn")),
}

# Labels for errors about inputs that are not form fields (the form's own labels serve the rest).
FIELD_LABELS = {"attachments": _("Tệp đính kèm")}


def _badge(feedback, now=None):
    state = selectors.deadline_of(feedback, now)
    if state is None:
        return None
    css, label = DEADLINE_BADGES[state]
    return {"css": css, "label": label}


# "Useful" votes (docs/security.md): one per account, or, for a reader who is not signed in,
# one per device, known by a signed long-lived cookie handed out with the page. A vote posted
# without that cookie (a script that drops its cookies, a fresh session every time) is not
# counted; and each address may cast only FEEDBACK_VOTES_PER_ADDRESS_PER_HOUR anonymous votes.
DEVICE_COOKIE = "cq_thiet_bi"
DEVICE_SALT = "feedback.device"


def _device(request: HttpRequest) -> str | None:
    return request.get_signed_cookie(DEVICE_COOKIE, default=None, salt=DEVICE_SALT) or None


def _give_device(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if _device(request) is None:
        response.set_signed_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(18),
            salt=DEVICE_SALT,
            max_age=settings.FEEDBACK_DEVICE_COOKIE_DAYS * 86400,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


def _voter_key(request: HttpRequest) -> str | None:
    if request.user.is_authenticated:
        return f"u:{request.user.pk}"
    device = _device(request)
    if device is None:
        return None
    return "d:" + hashlib.sha256(device.encode()).hexdigest()[:40]


def _address_over_limit(request: HttpRequest) -> bool:
    """One more anonymous vote from this address this hour; whether that is too many. Counted
    in the default cache (per process unless the cache is shared)."""
    limit = settings.FEEDBACK_VOTES_PER_ADDRESS_PER_HOUR
    hour = int(time.time() // 3600)
    key = f"feedback-votes:{request.META.get('REMOTE_ADDR', '')}:{hour}"
    cache = caches["default"]
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > limit


# --------------------------------------------------------------------------- public


def public_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("loai", "")
    if kind not in FeedbackKind.values:
        kind = ""
    items = selectors.feedback_public_list(query=query, kind=kind)
    return render(
        request,
        "feedback/public_list.html",
        {"items": items, "query": query, "kind": kind, "kinds": FeedbackKind.choices},
    )


def public_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        item = selectors.feedback_public_get(code=code)
    except NotFound:
        raise Http404 from None
    response = render(
        request,
        "feedback/public_detail.html",
        {
            "item": item,
            "voted": request.GET.get("da-danh-gia") == "1",
            "not_counted": request.GET.get("da-danh-gia") == "0",
        },
    )
    return response if request.user.is_authenticated else _give_device(request, response)


@require_POST
def vote(request: HttpRequest, code: str) -> HttpResponse:
    useful = request.POST.get("huu-ich")
    if useful not in ("1", "0"):
        return redirect("feedback:detail", code=code)
    page = reverse("feedback:detail", args=[code])
    voter_key = _voter_key(request)
    if voter_key is None:
        # No device cookie: not counted; the page gives one and asks again.
        return _give_device(request, redirect(page + "?da-danh-gia=0#danh-gia"))
    if not request.user.is_authenticated and _address_over_limit(request):
        response = render(request, "feedback/vote_limited.html", {"code": code}, status=429)
        response["Retry-After"] = str(3600 - int(time.time()) % 3600)
        return response
    try:
        services.feedback_vote_useful(code=code, voter_key=voter_key, useful=useful == "1")
    except NotFound:
        raise Http404 from None
    return redirect(page + "?da-danh-gia=1#danh-gia")


# --------------------------------------------------------------------------- sender

PROCEDURE_MATCHES = 8
# Service errors on inputs the page shows under another name.
SEND_FIELD_OF = {"procedure_code": "procedure_q", "lat": "location", "long": "location"}


class _SendPage:
    """What the sending form offers to choose from, read from what was sent so far: the
    communes of the chosen province, the procedure chosen, or those matching the words typed."""

    def __init__(self, request: HttpRequest, data=None, initial=None):
        self.action = request.POST.get("_action", "") if data is not None else ""
        self.provinces = list(units_children())
        self.form = form = SendForm(
            data,
            initial=initial,
            agencies=Agency.objects.filter(is_active=True).order_by("name"),
            provinces=self.provinces,
        )
        self.province = next((u for u in self.provinces if u.code == form.raw("province")), None)
        if self.province is not None:
            form.offer_communes(units_children(parent=self.province, level=UnitLevel.COMMUNE))
        self.procedure = None
        code = "" if self.action == "procedure_clear" else form.raw("procedure_code")
        if code:
            try:
                self.procedure = procedure_get(code=code[:40])
            except NotFound:
                self.procedure = None
        query = form.raw("procedure_q")
        self.matches = []
        if self.procedure is None and query:
            self.matches = list(procedures_search(q=query)[:PROCEDURE_MATCHES])

    @property
    def reloading(self) -> bool:
        return self.action in RELOAD_ACTIONS

    def procedure_code(self, kind: str) -> str:
        """The procedure concerned: the one chosen, or the only match of the words typed.
        Several matches or none, for feedback about a procedure, is the form's error."""
        if self.procedure is not None:
            return self.procedure.procedure.code
        if kind != FeedbackKind.PROCEDURE:
            return ""
        if len(self.matches) == 1:
            return self.matches[0].procedure.code
        if self.matches:
            self.form.add_error("procedure_q", _("Chọn một thủ tục trong danh sách bên dưới."))
        elif self.form.raw("procedure_q"):
            self.form.add_error(
                "procedure_q", _("Không tìm thấy thủ tục có tên như vậy; hãy thử từ khác.")
            )
        else:
            self.form.add_error("procedure_q", _("Gõ tên thủ tục rồi chọn trong danh sách."))
        return ""

    def context(self, **extra) -> dict:
        return {
            "form": self.form,
            "province": self.province,
            "procedure": self.procedure,
            "matches": self.matches,
            "searched": bool(self.form.raw("procedure_q")) and self.procedure is None,
            "has_location": bool(self.form.raw("lat") and self.form.raw("long")),
            **extra,
        }


def send(request: HttpRequest) -> HttpResponse:
    error_message = ""
    summary: list[tuple[str, str, list[str]]] = []
    if request.method != "POST":
        initial = {"form_token": uuid.uuid4().hex, "kind": request.GET.get("loai", "")}
        for param, field in (("thu-tuc", "procedure_code"), ("ho-so", "dossier_code")):
            if request.GET.get(param):
                initial[field] = request.GET[param][:60]
        page = _SendPage(request, initial=initial)
        return _send_render(request, page)
    page = _SendPage(request, request.POST)
    form = page.form
    if page.reloading:
        # Only more choices were asked for: the form comes back as it was, without errors.
        return _send_render(request, page)
    files = request.FILES.getlist("attachments")
    if form.is_valid():
        data = form.cleaned_data
        procedure_code = page.procedure_code(data["kind"])
        if not form.errors:
            try:
                feedback, token = services.feedback_submit(
                    user=request.user,
                    anonymous=data["anonymous"],
                    kind=data["kind"],
                    procedure_code=procedure_code,
                    dossier_code=data["dossier_code"],
                    agency_id=data["agency_id"],
                    title=data["title"],
                    description=data["description"],
                    address_string=data["address_string"],
                    commune_code=data["commune"],
                    lat=data["lat"],
                    long=data["long"],
                    sender_name=data["sender_name"],
                    sender_email=data["sender_email"],
                    sender_phone=data["sender_phone"],
                    sender_address=data["sender_address"],
                    attachments=[(f.name, f.read()) for f in files],
                    idem_scope="form",
                    idem_key=data["form_token"],
                )
            except DomainError as exc:
                error_message = exc.message
                for name, messages in exc.fields.items():
                    name = SEND_FIELD_OF.get(name, name)
                    if name in form.fields:
                        form.add_error(name, messages)
                    elif name == "location":
                        summary.append(("f-location", _("Vị trí"), messages))
                    else:
                        label = FIELD_LABELS.get(name, name)
                        summary.append(("f-attachments", label, messages))
            else:
                if token:
                    request.session[f"feedback_token_{feedback.code}"] = token
                return redirect("feedback:sent", code=feedback.code)
    form.mark_errors()
    for name, errors in form.errors.items():
        summary.insert(0, (f"f-{name}", FIELD_LABELS.get(name, form.fields[name].label), errors))
    return _send_render(request, page, summary=summary, message=error_message, status=422)


def _send_render(request, page: _SendPage, *, summary=(), message="", status=200):
    summary = list(summary)
    return render(
        request,
        "feedback/send.html",
        page.context(
            summary=summary,
            message=message if summary or message else "",
            attachment_errors=[m for a, _l, ms in summary if a == "f-attachments" for m in ms],
            location_errors=[m for a, _l, ms in summary if a == "f-location" for m in ms],
            # A browser never sends a file twice: after coming back, the files are chosen again.
            files_dropped=bool(request.FILES),
            profile=profile_of(request.user),
        ),
        status=status if summary or message else 200,
    )


@require_safe
def communes(request: HttpRequest, province: str) -> JsonResponse:
    """The communes of a province, for the sending form's script (the same list the form
    offers after "Chọn tỉnh" without JavaScript). Public reference data."""
    parent = next((u for u in units_children() if u.code == province[:8]), None)
    if parent is None:
        raise Http404
    rows = units_children(parent=parent, level=UnitLevel.COMMUNE).values_list("code", "name")
    response = JsonResponse(
        {"province": parent.code, "communes": [list(r) for r in rows]},
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response


def sent(request: HttpRequest, code: str) -> HttpResponse:
    token = request.session.pop(f"feedback_token_{code}", "")
    try:
        feedback = selectors.feedback_get_for_sender(
            code=code, user=request.user, reply_token=token
        )
    except NotFound:
        # A reload after the token was shown once: still confirm, without the private link.
        feedback = None
    track_url = ""
    if token:
        track_url = request.build_absolute_uri(
            reverse("feedback:track", args=[code]) + f"?t={token}"
        )
    return render(
        request,
        "feedback/sent.html",
        {"code": code, "feedback": feedback, "track_url": track_url},
    )


def track(request: HttpRequest, code: str) -> HttpResponse:
    token = request.GET.get("t", "") or request.POST.get("t", "")
    try:
        feedback = selectors.feedback_get_for_sender(
            code=code, user=request.user, reply_token=token
        )
    except NotFound:
        raise Http404 from None
    error = ""
    if request.method == "POST":
        try:
            services.feedback_info_provide(
                code=code, text=request.POST.get("text", ""), user=request.user, reply_token=token
            )
        except DomainError as exc:
            error = exc.message
        else:
            url = reverse("feedback:track", args=[code]) + (f"?t={token}" if token else "")
            return redirect(url)
    return render(
        request,
        "feedback/track.html",
        {"feedback": feedback, "token": token, "error": error},
        status=422 if error else 200,
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    items = selectors.feedback_sent_by(user=request.user)[:200]
    return render(request, "feedback/mine.html", {"items": items})


# --------------------------------------------------------------------------- officers


def _officer_or_403(request: HttpRequest):
    profile = profile_of(request.user)
    if profile is None or not profile.is_officer:
        return render(request, "feedback/forbidden.html", status=403)
    return None


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    denied = _officer_or_403(request)
    if denied:
        return denied
    now = timezone.now()
    overdue_only = request.GET.get("qua-han") == "1"
    state = request.GET.get("trang-thai", "")
    if state not in FeedbackState.values:
        state = ""
    rows = [
        {"feedback": f, "badge": _badge(f, now)}
        for f in selectors.feedback_inbox(
            user=request.user, overdue_only=overdue_only, state=state, now=now
        )[:300]
    ]
    return render(
        request,
        "feedback/inbox.html",
        {
            "rows": rows,
            "overdue_only": overdue_only,
            "state": state,
            "states": FeedbackState.choices,
        },
    )


OFFICER_ACTIONS = ("accept", "refuse", "request_info", "answer", "publish")


@login_required
def officer_detail(request: HttpRequest, code: str) -> HttpResponse:
    denied = _officer_or_403(request)
    if denied:
        return denied
    try:
        feedback = selectors.feedback_get_for_officer(user=request.user, code=code)
    except NotFound:
        raise Http404 from None
    return _officer_page(request, feedback)


def _officer_page(request, feedback, *, error: str = "", status: int = 200, failed: str = ""):
    now = timezone.now()
    preview_description, preview_answer = services.feedback_public_texts(feedback)
    actions = {
        "accept": feedback.state == FeedbackState.RECEIVED,
        "refuse": feedback.state in (FeedbackState.RECEIVED, FeedbackState.NEEDS_INFO),
        "request_info": feedback.can_request_info(now),
        "answer": feedback.state == FeedbackState.ACCEPTED,
        "publish": feedback.state == FeedbackState.ANSWERED,
    }
    return render(
        request,
        "feedback/officer_detail.html",
        {
            "feedback": feedback,
            "badge": _badge(feedback, now),
            "actions": actions,
            "attachments": list(feedback.attachments.all()),
            "preview_description": preview_description,
            "preview_answer": preview_answer,
            "error": error,
            "failed": failed,
            "posted": request.POST if failed else {},
        },
        status=status,
    )


@login_required
@require_POST
def act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    denied = _officer_or_403(request)
    if denied:
        return denied
    if action not in OFFICER_ACTIONS:
        raise Http404
    text = request.POST.get("text", "")
    calls = {
        "accept": lambda: services.feedback_accept(user=request.user, code=code),
        "refuse": lambda: services.feedback_refuse(user=request.user, code=code, reason=text),
        "request_info": lambda: services.feedback_request_info(
            user=request.user, code=code, question=text
        ),
        "answer": lambda: services.feedback_answer(user=request.user, code=code, answer=text),
        "publish": lambda: services.feedback_publish(
            user=request.user,
            code=code,
            public_description=request.POST.get("public_description", ""),
            public_answer=request.POST.get("public_answer", ""),
        ),
    }
    try:
        calls[action]()
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        feedback = selectors.feedback_get_for_officer(user=request.user, code=code)
        return _officer_page(request, feedback, error=exc.message, status=422, failed=action)
    return redirect(reverse("feedback:officer_detail", args=[code]) + "?ok=" + action)


@login_required
def attachment(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """An attachment, for the officers of the agency only (it may show the sender)."""
    denied = _officer_or_403(request)
    if denied:
        return denied
    try:
        feedback = selectors.feedback_get_for_officer(user=request.user, code=code)
    except NotFound:
        raise Http404 from None
    item = feedback.attachments.filter(pk=pk).first()
    if item is None:
        raise Http404
    return attachment_response(
        item.file.open("rb"), filename=item.name, content_type=item.content_type
    )
