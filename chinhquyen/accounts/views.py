"""The account page (/tai-khoan/): who is signed in, changing the password, and the API keys
(bearer tokens) issued to this person, each with its dates and a button that revokes it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chinhquyen.core.errors import ValidationFailed

from .models import ApiToken, Role
from .selectors import profile_of, user_roles
from .services import password_change, tokens_revoke

ROLE_LABELS = dict(Role.choices)


def _account_page(request: HttpRequest, *, form=None, status: int = 200) -> HttpResponse:
    profile = profile_of(request.user)
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(
        request,
        "accounts/account.html",
        {
            "profile": profile,
            "roles": [ROLE_LABELS.get(r, r) for r in user_roles(request.user)],
            "tokens": tokens,
            "now": timezone.now(),
            "form": form or PasswordChangeForm(request.user),
        },
        status=status,
    )


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@login_required
@require_POST
def password_change_view(request: HttpRequest) -> HttpResponse:
    """Django's form checks the current password and that both entries match; the service runs
    the validators (Vietnamese messages) and revokes the API tokens."""
    form = PasswordChangeForm(request.user, request.POST)
    if form.is_valid():
        try:
            password_change(user=request.user, new_password=form.cleaned_data["new_password1"])
        except ValidationFailed as exc:
            for message in exc.fields.get("new_password", [exc.message]):
                form.add_error("new_password1", message)
        else:
            update_session_auth_hash(request, request.user)  # stay signed in here
            messages.success(
                request, _("Đã đổi mật khẩu. Các khoá API cũ đã bị thu hồi; hãy đăng nhập lại.")
            )
            return redirect("accounts:account")
    return _account_page(request, form=form, status=422)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    count = tokens_revoke(
        user=request.user, token_ids=[token_id], reason="revoked_by_owner", actor=request.user
    )
    if count:
        messages.success(request, _("Đã thu hồi khoá API."))
    else:
        messages.error(request, _("Không tìm thấy khoá API này (có thể đã bị thu hồi)."))
    return redirect("accounts:account")


@login_required
@require_POST
def tokens_revoke_all_view(request: HttpRequest) -> HttpResponse:
    count = tokens_revoke(user=request.user, reason="revoked_by_owner", actor=request.user)
    messages.success(request, _("Đã thu hồi %(n)d khoá API.") % {"n": count})
    return redirect("accounts:account")
