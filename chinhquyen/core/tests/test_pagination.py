"""A page or an offset past a database integer, or a negative offset or limit, is a 422 that
names the field on every list of the API (chinhquyen/core/pagination.py); pages of the portal
fall back to a page that exists."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import PASSWORD

HUGE = "99999999999999999999"


def _field_error(response, field: str) -> None:
    assert response.status_code == 422, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["fields"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"/api/v1/agencies?page={HUGE}", "page"),
        (f"/api/v1/procedures?page={HUGE}", "page"),
        (f"/api/v1/dossiers?page={HUGE}", "page"),
        ("/api/v1/dossiers?page=0", "page"),
        ("/api/v1/dossiers?page_size=-1", "page_size"),
        ("/api/v1/exchange/registers?offset=-1", "offset"),
        (f"/api/v1/exchange/registers?offset={HUGE}", "offset"),
        ("/api/v1/exchange/registers?limit=-1", "limit"),
        ("/api/v1/exchange/registers?limit=0", "limit"),
    ],
)
def test_an_out_of_range_page_offset_or_limit_is_a_422_naming_it(world, api, url, field):
    _field_error(api(world.handler_a).get(url), field)


def test_a_page_past_the_end_within_the_bounds_is_an_empty_page(world, api):
    body = api(world.handler_a).get("/api/v1/agencies?page=1000000").json()
    assert body["items"] == [] and body["count"] >= 2
    body = api(world.handler_a).get("/api/v1/exchange/registers?offset=10000000").json()
    assert body["results"] == []


@pytest.mark.parametrize("url", [f"/?page={HUGE}", f"/ho-so-cua-toi/?trang={HUGE}"])
def test_a_huge_page_number_on_a_portal_page_shows_a_page(world, url):
    client = Client()
    client.login(username=world.citizen.username, password=PASSWORD)
    assert client.get(url).status_code == 200
