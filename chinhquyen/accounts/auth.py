"""API authentication: `Authorization: Bearer <token>` or the browser session."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from .models import ApiToken, hash_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        if not token:
            return None
        row = (
            ApiToken.objects.select_related("user", "user__profile", "user__profile__agency")
            .filter(key_hash=hash_token(token), expires_at__gt=timezone.now(), user__is_active=True)
            .first()
        )
        if row is None:
            return None
        request.user = row.user
        return row.user


bearer = BearerToken()
# Bearer first (machines), then the session (the portal's own pages calling the API).
bearer_or_session = [bearer, django_auth]
