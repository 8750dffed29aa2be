"""Account services."""

from __future__ import annotations

import pytest
from django.test import Client

from chinhquyen.accounts.services import user_create

pytestmark = pytest.mark.django_db


def test_an_account_created_without_a_password_cannot_sign_in():
    user = user_create(username="lichsu", password=None, full_name="Lịch Sử", roles=["citizen"])
    assert user.profile.roles == ["citizen"]
    assert not user.has_usable_password()
    assert not Client().login(username="lichsu", password="")
    resp = Client().post(
        "/api/v1/auth/token",
        data={"username": "lichsu", "password": ""},
        content_type="application/json",
    )
    assert resp.status_code in (401, 422)
