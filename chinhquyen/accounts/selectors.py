from __future__ import annotations

from .models import Profile


def profile_of(user) -> Profile | None:
    """The user's profile, or None for anonymous users and bare superusers."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def user_roles(user) -> list[str]:
    profile = profile_of(user)
    roles = list(profile.roles) if profile else []
    if (
        user is not None
        and user.is_authenticated
        and user.is_superuser
        and "system_admin" not in roles
    ):
        roles.append("system_admin")
    return roles
