"""API authentication: `Authorization: Bearer <token>` or the browser session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from chinhquyen.core.proccache import ModelRow, ProcessCache

from .models import ApiToken, hash_token


@dataclass(frozen=True, slots=True)
class _Verified:
    """What a verified token stands for, as plain values: the rows of the user, their profile and
    its agency. Each request builds its own instances from them, so no request sees another's
    changes to ``request.user``."""

    user_id: int
    user: ModelRow
    profile: ModelRow | None
    agency: ModelRow | None

    @classmethod
    def of(cls, user) -> _Verified:
        try:
            profile = user.profile  # selected with the token: no query
        except ObjectDoesNotExist:
            profile = None
        agency = profile.agency if profile is not None else None
        return cls(
            user_id=user.pk,
            user=ModelRow.of(user),
            profile=ModelRow.of(profile) if profile is not None else None,
            agency=ModelRow.of(agency) if agency is not None else None,
        )

    def build(self):
        """A new user instance, with its own profile and agency."""
        user = self.user.build()
        if self.profile is not None:
            profile = self.profile.build()
            if self.agency is not None:
                profile.agency = self.agency.build()
            user.profile = profile
        return user


# token hash -> _Verified. A verified token is remembered for a few seconds
# (API_TOKEN_CACHE_SECONDS, never beyond the token's own expiry) so that a burst of requests does
# not look it up every time; the price is that deleting a token or deactivating a user takes that
# long to bite in the other worker processes.
_verified: ProcessCache[_Verified] = ProcessCache("accounts.tokens", max_entries=10_000)


def token_cache_clear() -> None:
    _verified.clear()


def token_cache_forget(*, user_id: int) -> None:
    """Forget this process's verified tokens of one user (their tokens were just revoked). Other
    worker processes forget them within API_TOKEN_CACHE_SECONDS."""
    _verified.forget_where(lambda _key, verified: verified.user_id == user_id)


def _lookup(key_hash: str):
    now = timezone.now()
    row = (
        ApiToken.objects.select_related("user", "user__profile", "user__profile__agency")
        .filter(key_hash=key_hash, expires_at__gt=now, user__is_active=True)
        .first()
    )
    if row is not None:
        # At most one write per token every few minutes, never one per request.
        stale = now - timedelta(minutes=settings.API_TOKEN_LAST_USED_MINUTES)
        if row.last_used_at is None or row.last_used_at < stale:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
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
        verified = _verified.get(key_hash) if ttl > 0 else None
        if verified is not None:
            user = verified.build()
        else:
            row = _lookup(key_hash)
            if row is None:
                return None
            user = row.user
            # Never beyond the token's own expiry.
            remaining = (row.expires_at - timezone.now()).total_seconds()
            expires = _verified.clock() + min(ttl, remaining)
            _verified.set(key_hash, _Verified.of(user), expires=expires)
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
