from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chinhquyen.units.models import AgencyKind
from chinhquyen.units.services import agencies_seed_demo, agency_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/agencies"


@pytest.fixture
def demo(units):
    return agencies_seed_demo()


def test_the_list_returns_items_and_count(client, demo):
    response = client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 8
    first = body["items"][0]
    assert first == {
        "id": "000.00.00.H26",
        "name": "Ủy ban nhân dân thành phố Hải Phòng",
        "kind": "ubnd_tinh",
        "parent": None,
        "unit": {"code": "31", "name": "Thành phố Hải Phòng"},
    }
    justice = next(item for item in body["items"] if item["id"] == demo["justice"].agency_id)
    assert justice["parent"] == "000.00.00.H26"


def test_the_list_filters_by_text_and_kind(client, demo):
    body = client.get(URL, {"q": "Sở"}).json()
    assert body["count"] == 4
    body = client.get(URL, {"kind": "ubnd_xa"}).json()
    assert {item["id"] for item in body["items"]} == {
        demo["commune_a"].agency_id,
        demo["commune_b"].agency_id,
    }
    assert {item["unit"]["code"] for item in body["items"]} == {"10525", "10813"}


def test_the_list_filters_by_unit_code(client, demo):
    body = client.get(URL, {"unit": "10525"}).json()
    assert [item["id"] for item in body["items"]] == [demo["commune_a"].agency_id]


def test_an_unknown_unit_code_is_a_validation_problem_on_that_field(client, demo):
    response = client.get(URL, {"unit": "99999"})
    assert response.status_code == 422
    assert response.json()["fields"]["unit"]


def test_an_unknown_kind_is_a_validation_problem(client, demo):
    response = client.get(URL, {"kind": "bogus"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "validation_failed"


def test_the_list_is_paged_by_fifty(client, demo):
    for n in range(60):
        agency_create(agency_id=f"000.{n:02d}.99.H26", name=f"Phòng thử {n}", kind=AgencyKind.OTHER)
    first = client.get(URL).json()
    second = client.get(URL, {"page": 2}).json()
    assert first["count"] == second["count"] == 68
    assert len(first["items"]) == 50 and len(second["items"]) == 18
    assert client.get(URL, {"page": 0}).status_code == 422


def test_the_list_costs_the_same_queries_however_many_agencies(client, demo):
    with CaptureQueriesContext(connection) as small:
        client.get(URL)
    for n in range(20):
        agency_create(
            agency_id=f"000.{n:02d}.99.H26",
            name=f"Phòng {n}",
            kind=AgencyKind.OTHER,
            parent=demo["province"],
        )
    with CaptureQueriesContext(connection) as large:
        client.get(URL)
    assert len(large) == len(small) <= 3


def test_the_detail_returns_one_agency_with_its_contacts(client, demo):
    response = client.get(f"{URL}/{demo['commune_a'].agency_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "000.01.90.H26"
    assert body["name"] == "Ủy ban nhân dân phường Hải Dương"
    assert body["kind"] == "ubnd_xa" and body["kind_label"] == "UBND xã/phường/đặc khu"
    assert body["parent"] == "000.00.00.H26"
    assert body["unit"] == {"code": "10525", "name": "Phường Hải Dương"}
    assert body["is_active"] is True
    assert set(body) >= {"email", "phone", "address"}


def test_an_unknown_agency_is_a_404_problem(client, db):
    response = client.get(f"{URL}/000.00.00.H99")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_found"
    assert "000.00.00.H99" in body["title"]
