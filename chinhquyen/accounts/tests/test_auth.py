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
