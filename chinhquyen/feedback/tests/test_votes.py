""" "Useful" votes on a published answer: one per account, one per device for readers who are
not signed in (a signed cookie), none without that cookie, and a limit per address."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.test import Client

from chinhquyen.feedback import services
from chinhquyen.feedback.views import DEVICE_COOKIE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    caches["default"].clear()


@pytest.fixture
def published(world, submit):
    feedback = submit()
    services.feedback_accept(user=world.counter_a, code=feedback.code)
    services.feedback_answer(user=world.leader_a, code=feedback.code, answer="Đã xử lý.")
    services.feedback_publish(user=world.leader_a, code=feedback.code)
    return feedback.code


def _counts(code: str) -> tuple[int, int]:
    html = Client().get(f"/phan-anh/{code}/").content.decode()
    useful = re.search(r'data-testid="useful">\((\d+)\)', html).group(1)
    not_useful = re.search(r'data-testid="not-useful">\((\d+)\)', html).group(1)
    return int(useful), int(not_useful)


def _vote(client: Client, code: str, value: str = "1", **extra):
    return client.post(f"/phan-anh/{code}/danh-gia/", {"huu-ich": value}, **extra)


def test_fresh_sessions_without_a_device_cookie_are_not_counted(published):
    for _ in range(20):
        response = _vote(Client(), published)  # a new client each time: no cookies at all
        assert response.status_code == 302
        assert response["Location"].endswith("?da-danh-gia=0#danh-gia")
    assert _counts(published) == (0, 0)


def test_one_vote_per_device_which_may_change_its_mind(published):
    reader = Client()
    page = reader.get(f"/phan-anh/{published}/")
    assert DEVICE_COOKIE in page.cookies  # handed out with the page
    cookie = page.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["max-age"] >= 300 * 86400
    for _ in range(5):
        assert _vote(reader, published)["Location"].endswith("?da-danh-gia=1#danh-gia")
    assert _counts(published) == (1, 0)
    _vote(reader, published, "0")
    assert _counts(published) == (0, 1)


def test_a_forged_device_cookie_is_not_a_device(published):
    forger = Client()
    for n in range(5):
        forger.cookies[DEVICE_COOKIE] = f"thiet-bi-{n}"  # not signed by us
        _vote(forger, published)
    assert _counts(published) == (0, 0)


def test_one_vote_per_account(world, published):
    reader = Client()
    reader.force_login(world.citizen)
    for _ in range(3):
        _vote(reader, published)
    again = Client()  # the same person on another device
    again.force_login(world.citizen)
    _vote(again, published)
    assert _counts(published) == (1, 0)


def test_an_address_casting_many_device_votes_is_limited(published, settings):
    settings.FEEDBACK_VOTES_PER_ADDRESS_PER_HOUR = 3
    statuses = []
    for _ in range(5):
        device = Client(REMOTE_ADDR="203.0.113.7")
        device.get(f"/phan-anh/{published}/")
        statuses.append(_vote(device, published).status_code)
    assert statuses == [302, 302, 302, 429, 429]
    assert _counts(published) == (3, 0)
    limited = Client(REMOTE_ADDR="203.0.113.7")
    limited.get(f"/phan-anh/{published}/")
    response = _vote(limited, published)
    assert int(response["Retry-After"]) <= 3600
    assert "Quá nhiều lượt đánh giá" in response.content.decode()
    # Another address is not affected.
    elsewhere = Client(REMOTE_ADDR="198.51.100.9")
    elsewhere.get(f"/phan-anh/{published}/")
    assert _vote(elsewhere, published).status_code == 302
    assert _counts(published) == (4, 0)
