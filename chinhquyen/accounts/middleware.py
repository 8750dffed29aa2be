"""Officers are signed out after an idle limit and an absolute limit (DOMAIN.md §8).

An officer's session remembers when it started and when it was last used (to the nearest half
minute, so that a burst of requests writes the session once). A request after
``SESSION_IDLE_MINUTES_OFFICER`` idle minutes (``SESSION_IDLE_MINUTES_ADMIN`` for
administrators) or ``SESSION_ABSOLUTE_HOURS`` after signing in signs the person out and sends
them to the login page with a message in Vietnamese, then back where they were. An API call
made with the expired session continues as anonymous (and gets the API's 401). Citizens'
sessions follow Django's ``SESSION_COOKIE_AGE``.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .models import Role
from .selectors import profile_of

STARTED = "officer_session_started"
SEEN = "officer_session_seen"
SEEN_RESOLUTION_SECONDS = 30
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.AGENCY_ADMIN})


def idle_limit_seconds(user) -> int | None:
    """How long this person's session may stay idle; None when no limit applies (citizens)."""
    profile = profile_of(user)
    roles = set(profile.roles) if profile else set()
    if user.is_superuser or user.is_staff or ADMIN_ROLES.intersection(roles):
        return settings.SESSION_IDLE_MINUTES_ADMIN * 60
    if profile is not None and profile.is_officer:
        return settings.SESSION_IDLE_MINUTES_OFFICER * 60
    return None


class OfficerSessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            idle = idle_limit_seconds(user)
            if idle is not None:
                expired = self._touch(request, idle=idle)
                if expired:
                    logout(request)
                    if not request.path.startswith("/api/"):
                        messages.warning(request, expired)
                        return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    @staticmethod
    def _touch(request: HttpRequest, *, idle: int) -> str | None:
        """Record this use; the reason the session has ended, if it has."""
        session = request.session
        now = time.time()
        started = session.get(STARTED)
        seen = session.get(SEEN)
        if started is None:
            session[STARTED] = started = now
        if seen is not None and now - seen > idle:
            return _(
                "Phiên làm việc đã kết thúc vì không hoạt động quá %(n)d phút. "
                "Vui lòng đăng nhập lại."
            ) % {"n": idle // 60}
        if now - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
            return _(
                "Phiên làm việc đã kết thúc sau %(n)d giờ kể từ khi đăng nhập. "
                "Vui lòng đăng nhập lại."
            ) % {"n": settings.SESSION_ABSOLUTE_HOURS}
        if seen is None or now - seen >= SEEN_RESOLUTION_SECONDS:
            session[SEEN] = now
        return None
