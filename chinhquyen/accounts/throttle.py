"""Sign-in throttling (django-axes; docs/decisions/0004-login-throttling-django-axes.md).

Failed sign-ins are counted per account and per client address (axes' database handler). Once
either count reaches ``LOGIN_FAILURE_LIMIT`` within ``LOGIN_COOLOFF_MINUTES``, further attempts
are refused by the first authentication backend — before any backend looks the user up or hashes
the password, so a flood of wrong passwords costs a database read, not a PBKDF2 run each — and
answered 429 with ``Retry-After``: problem+json on the API, a Vietnamese page elsewhere.

A successful sign-in clears that account's failures (all addresses), never the address's
failures against other accounts: otherwise an attacker with an account of their own could sign
in between guesses to wipe the count. An administrator unlocks an account by deleting its rows
under "Axes › Access attempts" in the admin, or with ``manage.py axes_reset_username <name>``.
"""

from __future__ import annotations

import math
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models import Max, Q
from django.dispatch import receiver
from django.http import HttpResponse
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext as _


class LoginThrottleBackend(AxesStandaloneBackend):
    """axes' check, first in AUTHENTICATION_BACKENDS. Callers without a request (management
    commands such as ``bench_prepare``, the demo's own checks) are not web sign-ins: no address
    to count, nothing to throttle, so they go straight to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str:
    """The client's address. Behind the documented nginx front (``BEHIND_PROXY``), the
    right-most X-Forwarded-For entry: the one our proxy wrote, whatever the client sent before
    it. Otherwise the socket's peer, never a header a client can set."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "")


def sign_in_succeeded(user) -> None:
    """Forget the account's failed sign-ins (a session login or an API token issued)."""
    if settings.AXES_ENABLED:
        reset(username=user.get_username())


@receiver(user_logged_in)
def _reset_account_on_login(sender, request, user, **kwargs):
    sign_in_succeeded(user)


def retry_after_seconds(request, credentials=None) -> int:
    """Seconds until the lockout ends: the newest counted failure of the account or the address
    leaves the cool-off window then."""
    cool_off = get_cool_off(request) or timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)
    username = get_client_username(request, credentials)
    match = Q(ip_address=client_ip(request))
    if username:
        match |= Q(username=username)
    last = AccessAttempt.objects.filter(match).aggregate(last=Max("attempt_time"))["last"]
    if last is None:
        return max(1, int(cool_off.total_seconds()))
    remaining = (last + cool_off - timezone.now()).total_seconds()
    return max(1, math.ceil(remaining))


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: what a locked-out sign-in gets instead of the view's answer."""
    from chinhquyen.core.api import problem

    seconds = retry_after_seconds(request, credentials)
    minutes = max(1, math.ceil(seconds / 60))
    detail = _(
        "Đã đăng nhập sai %(limit)d lần. Vui lòng thử lại sau %(minutes)d phút "
        "hoặc liên hệ quản trị viên để mở khóa."
    ) % {"limit": settings.LOGIN_FAILURE_LIMIT, "minutes": minutes}
    if request.path.startswith(("/api/", "/open311/")):
        response = problem(
            request,
            status=429,
            code="too_many_login_attempts",
            title=_("Tạm khóa đăng nhập"),
            detail=detail,
            extra={"retry_after": seconds},
        )
    else:
        body = loader.render_to_string(
            "registration/locked.html", {"detail": detail, "minutes": minutes}, request=request
        )
        response = HttpResponse(body, status=429)
    response["Retry-After"] = str(seconds)
    return response
