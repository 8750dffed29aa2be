"""Accounts: users with a profile and roles, API tokens."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chinhquyen.audit.services import audit_record
from chinhquyen.core.errors import DomainError, ValidationFailed

from .auth import token_cache_forget
from .models import ApiToken, Profile, Role, hash_token
from .throttle import sign_in_succeeded

User = get_user_model()


class AuthenticationFailed(DomainError):
    status = 401
    code = "invalid_credentials"


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    full_name: str,
    roles: list[str],
    agency=None,
    email: str = "",
    id_number: str = "",
    phone: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    actor=None,
):
    """Create a user with a profile. ``password=None`` gives an account nobody can sign in to
    (no password is hashed): the officers and applicants of imported history."""
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationFailed(
            "Vai trò không hợp lệ.", fields={"roles": [f"Không có vai trò {r}" for r in unknown]}
        )
    officer_roles = {Role.COUNTER, Role.HANDLER, Role.LEADER, Role.AGENCY_ADMIN}
    if officer_roles.intersection(roles) and agency is None:
        raise ValidationFailed(
            "Cán bộ phải thuộc một cơ quan.", fields={"agency": ["Bắt buộc với cán bộ."]}
        )
    if User.objects.filter(username=username).exists():
        raise ValidationFailed("Tên đăng nhập đã tồn tại.", fields={"username": ["Đã tồn tại."]})
    user = User.objects.create_user(
        username=username,
        password=password,
        email=email,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    Profile.objects.create(
        user=user,
        full_name=full_name,
        roles=list(roles),
        agency=agency,
        id_number=id_number,
        phone=phone,
    )
    audit_record(
        event="user.created",
        object_type="user",
        object_id=str(user.pk),
        actor=actor,
        changes={
            "username": username,
            "roles": list(roles),
            "agency": agency.agency_id if agency else None,
        },
    )
    return user


def token_issue(*, username: str, password: str, request=None) -> tuple[str, ApiToken]:
    """A bearer token for a correct password. ``request``: the HTTP request, so the sign-in
    throttle counts the attempt and refuses a locked-out account or address before hashing."""
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        raise AuthenticationFailed("Tên đăng nhập hoặc mật khẩu không đúng.")
    if request is not None:
        sign_in_succeeded(user)
    raw = ApiToken.new_raw()
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        key_hash=hash_token(raw),
        expires_at=now + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
        last_used_at=now,  # issuing it is its first use
    )
    return raw, token


@transaction.atomic
def tokens_revoke(*, user, reason: str, token_ids: list[int] | None = None, actor=None) -> int:
    """Revoke (delete) the user's API tokens, all of them or those of ``token_ids``; how many.
    Audited when any was revoked. Other worker processes stop accepting them within
    API_TOKEN_CACHE_SECONDS."""
    tokens = ApiToken.objects.filter(user=user)
    if token_ids is not None:
        tokens = tokens.filter(pk__in=token_ids)
    count, _by_model = tokens.delete()
    token_cache_forget(user_id=user.pk)
    if count:
        audit_record(
            event="api_token.revoked",
            object_type="user",
            object_id=str(user.pk),
            actor=actor,
            changes={"count": count, "reason": reason, "tokens": token_ids or "all"},
        )
    return count


@transaction.atomic
def password_change(*, user, new_password: str, actor=None) -> None:
    """Set a person's password after the validators (AUTH_PASSWORD_VALIDATORS) accept it. Their
    API tokens are revoked by the ``ApiTokensRevokedOnPasswordChange`` validator, which Django
    calls on every password change (this one, the admin's, ``changepassword``)."""
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationFailed(
            "Mật khẩu mới không dùng được.", fields={"new_password": list(exc.messages)}
        ) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(
        event="user.password_changed",
        object_type="user",
        object_id=str(user.pk),
        actor=actor or user,
        changes={},
    )
