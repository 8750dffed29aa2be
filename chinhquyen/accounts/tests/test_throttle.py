"""Sign-in throttling (docs/security.md#availability): per account and per address, 429 with
Retry-After, refused before the password is hashed, reset by a success, unlocked by an admin."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command
from django.test import Client

from conftest import PASSWORD

TOKEN = "/api/v1/auth/token"
LOGIN = "/dang-nhap/"


def token(client: Client, username: str, password: str, addr: str = "127.0.0.1"):
    return client.post(
        TOKEN,
        data=json.dumps({"username": username, "password": password}),
        content_type="application/json",
        REMOTE_ADDR=addr,
    )


class Browser:
    """A browser: CSRF enforced, the token taken from the login form as a person's browser does."""

    def __init__(self, addr: str = "127.0.0.1"):
        self.client = Client(enforce_csrf_checks=True)
        self.addr = addr

    def login(self, username: str, password: str):
        page = self.client.get(LOGIN, REMOTE_ADDR=self.addr)
        assert page.status_code == 200
        csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
        return self.client.post(
            LOGIN,
            {"username": username, "password": password, "csrfmiddlewaretoken": csrf.decode()},
            REMOTE_ADDR=self.addr,
        )


def test_the_api_locks_an_account_after_five_wrong_passwords_with_a_429_problem(world, settings):
    assert settings.LOGIN_FAILURE_LIMIT == 5
    client = Client()
    for _ in range(4):
        assert token(client, "congdan", "wrong-password").status_code == 401
    resp = token(client, "congdan", "wrong-password")  # the fifth failure locks
    assert resp.status_code == 429
    assert resp["Content-Type"].startswith("application/problem+json")
    body = resp.json()
    assert body["code"] == "too_many_login_attempts"
    assert body["status"] == 429
    assert "5 lần" in body["detail"]
    retry = int(resp["Retry-After"])
    assert 14 * 60 < retry <= 15 * 60
    assert body["retry_after"] == retry
    # Locked means locked: the right password is refused too, from another address as well.
    assert token(client, "congdan", PASSWORD).status_code == 429
    assert token(client, "congdan", PASSWORD, addr="203.0.113.9").status_code == 429
    # Another account from another address is not affected.
    assert token(client, "congdan2", PASSWORD, addr="203.0.113.9").status_code == 200


def test_the_login_page_locks_with_a_vietnamese_429_page(world):
    browser = Browser()
    for _ in range(4):
        resp = browser.login("motcua", "wrong-password")
        assert resp.status_code == 200  # the form again, with its error
        assert "Tạm khóa" not in resp.content.decode()
    resp = browser.login("motcua", "wrong-password")
    assert resp.status_code == 429
    assert int(resp["Retry-After"]) > 0
    text = resp.content.decode()
    assert "Tạm khóa đăng nhập" in text
    assert "Đã đăng nhập sai 5 lần" in text
    assert "_auth_user_id" not in browser.client.session
    assert browser.login("motcua", PASSWORD).status_code == 429
    assert "_auth_user_id" not in browser.client.session


def test_one_address_trying_many_accounts_is_locked(world):
    client = Client()
    for name in ["a1", "a2", "a3", "a4"]:
        assert token(client, name, "guess", addr="198.51.100.7").status_code == 401
    assert token(client, "a5", "guess", addr="198.51.100.7").status_code == 429
    # The address is locked, even for an existing account with its right password ...
    assert token(client, "congdan", PASSWORD, addr="198.51.100.7").status_code == 429
    # ... and that account is not locked elsewhere.
    assert token(client, "congdan", PASSWORD, addr="198.51.100.8").status_code == 200


def test_a_locked_out_attempt_does_not_hash_the_password(world, settings):
    from .hashers import CountingMD5Hasher

    settings.PASSWORD_HASHERS = ["chinhquyen.accounts.tests.hashers.CountingMD5Hasher"]
    client = Client()
    CountingMD5Hasher.calls = 0
    for _ in range(4):
        assert token(client, "congdan", "wrong-password").status_code == 401
    assert token(client, "congdan", "wrong-password").status_code == 429
    assert CountingMD5Hasher.calls == 5  # each counted failure hashed once
    CountingMD5Hasher.calls = 0
    for _ in range(20):
        assert token(client, "congdan", "wrong-password").status_code == 429
        assert Browser().login("congdan", "wrong-password").status_code == 429
    assert CountingMD5Hasher.calls == 0


def test_a_success_resets_the_account(world):
    client = Client()
    for _ in range(4):
        assert token(client, "congdan", "wrong-password").status_code == 401
    assert token(client, "congdan", PASSWORD).status_code == 200
    for _ in range(4):
        assert token(client, "congdan", "wrong-password").status_code == 401
    assert token(client, "congdan", PASSWORD).status_code == 200


def test_signing_in_to_ones_own_account_does_not_wipe_the_guesses_against_another(world):
    client = Client()
    attacker = "198.51.100.20"
    for _ in range(2):
        assert token(client, "lanhdao", "guess", addr=attacker).status_code == 401
    assert token(client, "congdan2", PASSWORD, addr=attacker).status_code == 200  # own account
    for _ in range(2):
        assert token(client, "lanhdao", "guess", addr=attacker).status_code == 401
    assert token(client, "lanhdao", "guess", addr=attacker).status_code == 429  # 5th guess


def test_an_admin_unlocks_an_account(world):
    client = Client()
    for _ in range(5):
        token(client, "chuyenvien", "wrong-password")
    assert token(client, "chuyenvien", PASSWORD).status_code == 429
    call_command("axes_reset_username", "chuyenvien")
    assert token(client, "chuyenvien", PASSWORD).status_code == 200


def test_the_admin_lists_and_deletes_the_attempts(world):
    from axes.models import AccessAttempt

    client = Client()
    for _ in range(5):
        token(client, "chuyenvien", "wrong-password")
    attempt = AccessAttempt.objects.get(username="chuyenvien")
    admin = Client()
    admin.force_login(world.sysadmin)
    world.sysadmin.is_superuser = True
    world.sysadmin.save()
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert b"chuyenvien" in listing.content
    resp = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert resp.status_code == 302
    assert token(client, "chuyenvien", PASSWORD).status_code == 200


@pytest.mark.parametrize("forwarded", ["", "6.6.6.6"])
def test_the_address_is_the_socket_peer_unless_behind_the_proxy(world, settings, forwarded):
    """A client-written X-Forwarded-For does not move its failures to another address."""
    settings.BEHIND_PROXY = False
    client = Client()
    for i in range(4):
        resp = client.post(
            TOKEN,
            data=json.dumps({"username": f"x{i}", "password": "guess"}),
            content_type="application/json",
            REMOTE_ADDR="192.0.2.1",
            HTTP_X_FORWARDED_FOR=f"10.9.9.{i}",
        )
        assert resp.status_code == 401
    assert token(client, "x5", "guess", addr="192.0.2.1").status_code == 429
    assert token(client, "congdan", PASSWORD, addr="192.0.2.1").status_code == 429
    # Behind the proxy: the right-most X-Forwarded-For entry (what nginx wrote) is the client.
    settings.BEHIND_PROXY = True
    resp = client.post(
        TOKEN,
        data=json.dumps({"username": "congdan", "password": PASSWORD}),
        content_type="application/json",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=f"{forwarded + ', ' if forwarded else ''}192.0.2.1",
    )
    assert resp.status_code == 429
