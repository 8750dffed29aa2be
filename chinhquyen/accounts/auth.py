"""API authentication: `Authorization: Bearer <token>` or the browser session."""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from .models import ApiToken, hash_token

# token hash -> (monotonic time cached, user). A verified token is remembered for a few seconds
# (API_TOKEN_CACHE_SECONDS) so that a burst of requests does not look it up every time; the price
# is that deleting a token or deactivating a user takes that long to bite.
_verified: dict[str, tuple[float, object]] = {}
_lock = threading.Lock()
_MAX_CACHED = 10_000


def token_cache_clear() -> None:
    with _lock:
        _verified.clear()


def _lookup(key_hash: str):
    row = (
        ApiToken.objects.select_related("user", "user__profile", "user__profile__agency")
        .filter(key_hash=key_hash, expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    return row


class BearerToken(HttpBearer):
    def __call__(self, request: HttpRequest):
        # ninja's own reads request.headers, which copies every header out of META first
        value = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = value.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str):
        if not token:
            return None
        key_hash = hash_token(token)
        ttl = settings.API_TOKEN_CACHE_SECONDS
        now = time.monotonic()
        hit = _verified.get(key_hash)
        if hit is not None and now - hit[0] < ttl:
            user = hit[1]
        else:
            row = _lookup(key_hash)
            if row is None:
                return None
            user = row.user
            if ttl > 0:
                with _lock:
                    if len(_verified) >= _MAX_CACHED:
                        _verified.clear()
                    # Never beyond the token's own expiry.
                    remaining = (row.expires_at - timezone.now()).total_seconds()
                    _verified[key_hash] = (now - max(0.0, ttl - remaining), user)
        request.user = user
        return user


class BrowserSession(SessionAuth):
    """The browser's session, with ninja's CSRF check — only when the request carries a session
    cookie. A call without one cannot ride on a signed-in browser (the cookie is what a forged
    cross-site request would borrow), so it needs no CSRF token: an anonymous JSON call (sending
    feedback) or one with a bearer token is not refused with "CSRF check failed"."""

    def __call__(self, request: HttpRequest):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super().__call__(request)


bearer = BearerToken()
session = BrowserSession()
# Bearer first (machines), then the session (the portal's own pages calling the API).
bearer_or_session = [bearer, session]
