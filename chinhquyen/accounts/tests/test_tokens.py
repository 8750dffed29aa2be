"""API tokens: revoked when the password changes (however it is changed), listed and revoked on
the account page, and refused with 401 problem+json once expired or revoked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from chinhquyen.accounts.auth import token_cache_clear
from chinhquyen.accounts.models import ApiToken
from chinhquyen.audit.models import AuditRecord
from conftest import PASSWORD, Api

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "ruộng bậc thang mùa lúa chín 47"  # noqa: S105


def _signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _csrf(client: Client) -> str:
    client.get("/tai-khoan/")
    return client.cookies["csrftoken"].value


def test_changing_the_password_on_the_account_page_revokes_every_token(world):
    api, other = Api(world.citizen), Api(world.citizen)
    stranger = Api(world.citizen2)
    assert api.get("/api/v1/me").status_code == 200
    client = _signed_in(world.citizen)
    response = client.post(
        "/tai-khoan/doi-mat-khau/",
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "csrfmiddlewaretoken": _csrf(client),
        },
    )
    assert response.status_code == 302
    assert not ApiToken.objects.filter(user=world.citizen).exists()
    for revoked in (api, other):
        answer = revoked.get("/api/v1/me")
        assert answer.status_code == 401
        assert answer["Content-Type"].startswith("application/problem+json")
    assert stranger.get("/api/v1/me").status_code == 200
    # Still signed in on this page, with the new password working.
    assert client.get("/tai-khoan/").status_code == 200
    assert Api(world.citizen, password=NEW_PASSWORD).get("/api/v1/me").status_code == 200
    assert AuditRecord.objects.filter(event="user.password_changed").exists()
    assert AuditRecord.objects.filter(event="api_token.revoked").exists()


def test_a_common_password_is_refused_on_the_account_page_in_vietnamese(world):
    api = Api(world.citizen)
    client = _signed_in(world.citizen)
    for weak in ("congdan1", "nguyenvanan"):
        response = client.post(
            "/tai-khoan/doi-mat-khau/",
            {
                "old_password": PASSWORD,
                "new_password1": weak,
                "new_password2": weak,
                "csrfmiddlewaretoken": _csrf(client),
            },
        )
        assert response.status_code == 422
        assert "Mật khẩu" in response.content.decode()
    world.citizen.refresh_from_db()
    assert world.citizen.check_password(PASSWORD)
    assert api.get("/api/v1/me").status_code == 200  # nothing changed, nothing revoked


def test_a_password_set_in_the_admin_revokes_the_tokens(world):
    api = Api(world.citizen)
    admin = get_user_model().objects.create_superuser("quantri", password="x" * 20)  # noqa: S106
    client = Client()
    client.force_login(admin)
    response = client.post(
        f"/admin/auth/user/{world.citizen.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert api.get("/api/v1/me").status_code == 401


def test_a_hash_upgrade_at_sign_in_is_not_a_password_change(world, settings):
    api = Api(world.citizen)
    # A stronger hasher first: the next sign-in rehashes the same password.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert Client().login(username=world.citizen.username, password=PASSWORD)
    world.citizen.refresh_from_db()
    assert world.citizen.password.startswith("pbkdf2_")
    assert api.get("/api/v1/me").status_code == 200


def test_the_account_page_lists_tokens_and_revokes_one(world):
    first, second = Api(world.citizen), Api(world.citizen)
    Api(world.citizen2)
    client = _signed_in(world.citizen)
    page = client.get("/tai-khoan/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Khoá API" in html and html.count('action="/tai-khoan/khoa-api/') == 3  # 2 + all
    assert "Dùng lần cuối" in html and "Hết hạn" in html
    mine = list(ApiToken.objects.filter(user=world.citizen).order_by("created_at"))
    theirs = ApiToken.objects.get(user=world.citizen2)
    # Without the CSRF token: refused.
    assert client.post(f"/tai-khoan/khoa-api/{mine[0].pk}/thu-hoi/").status_code == 403
    # Someone else's token cannot be revoked from here.
    token = _csrf(client)
    client.post(f"/tai-khoan/khoa-api/{theirs.pk}/thu-hoi/", {"csrfmiddlewaretoken": token})
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    response = client.post(
        f"/tai-khoan/khoa-api/{mine[0].pk}/thu-hoi/", {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert first.get("/api/v1/me").status_code == 401
    assert second.get("/api/v1/me").status_code == 200


def test_the_last_use_is_recorded_without_a_write_per_request(world, settings):
    api = Api(world.citizen)
    token = ApiToken.objects.get(user=world.citizen)
    long_ago = timezone.now() - timedelta(hours=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=long_ago)
    token_cache_clear()
    settings.API_TOKEN_CACHE_SECONDS = 0
    assert api.get("/api/v1/me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > long_ago
    first_seen = token.last_used_at
    assert api.get("/api/v1/me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first_seen  # within API_TOKEN_LAST_USED_MINUTES: no write


def test_an_expired_token_gets_401_problem_json(world):
    api = Api(world.citizen)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    token_cache_clear()
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 401
