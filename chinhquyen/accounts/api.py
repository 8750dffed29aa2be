from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from chinhquyen.core.api import errors

from .auth import bearer_or_session
from .selectors import profile_of, user_roles
from .services import token_issue

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: str


class AgencyRef(Schema):
    id: str
    name: str


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[str]
    agency: AgencyRef | None = None


@router.post(
    "/auth/token",
    response={200: TokenOut, **errors(401, 422, 429)},
    auth=None,
    summary="Đăng nhập, nhận token",
)
def create_token(request: HttpRequest, payload: TokenIn):
    raw, token = token_issue(username=payload.username, password=payload.password, request=request)
    return {"token": raw, "expires_at": token.expires_at.isoformat()}


@router.get(
    "/me",
    response={200: MeOut, **errors(401)},
    auth=bearer_or_session,
    summary="Người dùng hiện tại",
)
def me(request: HttpRequest):
    user = request.auth
    profile = profile_of(user)
    agency = profile.agency if profile else None
    return {
        "username": user.get_username(),
        "full_name": profile.full_name if profile else user.get_username(),
        "roles": user_roles(user),
        "agency": {"id": agency.agency_id, "name": agency.name} if agency else None,
    }
