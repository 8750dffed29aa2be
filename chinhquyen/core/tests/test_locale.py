"""Vietnamese first: a browser asking for English still gets Vietnamese until the person chooses."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_english_browser_gets_vietnamese_until_english_is_chosen(world):
    client = Client(headers={"Accept-Language": "en-US,en;q=0.9"})
    page = client.get("/")
    assert page["Content-Language"] == "vi"
    assert '<html lang="vi"' in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/")
    assert page["Content-Language"] == "en"
    assert '<html lang="en"' in page.content.decode()


def test_an_unknown_language_cookie_falls_back_to_vietnamese(world, settings):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert client.get("/")["Content-Language"] == "vi"
