"""Bearer tokens: issued on login, stored hashed, expire, and are remembered only briefly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from chinhquyen.accounts.auth import token_cache_clear
from chinhquyen.accounts.models import ApiToken, hash_token
from conftest import Api

pytestmark = pytest.mark.django_db


def test_only_the_hash_of_a_token_is_stored(world):
    api = Api(world.citizen)
    raw = api.headers["Authorization"].split()[1]
    assert ApiToken.objects.filter(key_hash=hash_token(raw)).exists()
    assert not ApiToken.objects.filter(key_hash=raw).exists()


def test_an_expired_token_is_refused(world):
    api = Api(world.citizen)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    token_cache_clear()
    assert api.get("/api/v1/me").status_code == 401


def test_a_deactivated_user_is_refused_once_the_short_cache_lapses(world, settings):
    api = Api(world.citizen)
    assert api.get("/api/v1/me").status_code == 200
    world.citizen.is_active = False
    world.citizen.save()
    settings.API_TOKEN_CACHE_SECONDS = 0
    assert api.get("/api/v1/me").status_code == 401


def test_a_verified_token_is_not_looked_up_again_within_the_cache_window(
    world, django_assert_num_queries
):
    api = Api(world.citizen)
    api.get("/api/v1/me")
    with django_assert_num_queries(0):
        assert api.get("/api/v1/me").status_code == 200


def test_two_requests_with_the_same_token_get_their_own_user(world, rf):
    """The verified token is cached as plain values: each request builds its own user, profile
    and agency, so a change one request makes to ``request.user`` is not seen by the next."""
    from chinhquyen.accounts.auth import bearer

    raw = Api(world.handler_a).headers["Authorization"]
    first, second = rf.get("/", HTTP_AUTHORIZATION=raw), rf.get("/", HTTP_AUTHORIZATION=raw)
    user1 = bearer(first)
    user1.profile.roles.append("system_admin")
    user1.profile.agency.name = "đổi trong bộ nhớ"
    user1.first_name = "Người khác"
    user2 = bearer(second)  # from the cache
    assert user2 is not None and user2.pk == world.handler_a.pk
    assert user2 is not user1 and user2.profile is not user1.profile
    assert user2.profile.agency is not user1.profile.agency
    assert user2.profile.roles == ["handler"]
    assert user2.profile.agency.name == world.agency_a.name
    assert user2.first_name == world.handler_a.first_name
    assert second.user is user2


def test_a_cached_token_builds_the_user_without_a_query(world, rf, django_assert_num_queries):
    from chinhquyen.accounts.auth import bearer

    raw = Api(world.handler_a).headers["Authorization"]
    bearer(rf.get("/", HTTP_AUTHORIZATION=raw))
    with django_assert_num_queries(0):
        user = bearer(rf.get("/", HTTP_AUTHORIZATION=raw))
        assert user.profile.agency.agency_id == world.agency_a.agency_id
        assert user.profile.is_officer and user.username == world.handler_a.username
