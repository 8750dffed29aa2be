"""Open311 through clients that are not ours, against a live server over loopback.

- ``georeport`` (PyPI, "Python wrapper for the Open311 GeoReport v2 API"): service list and
  definitions, requests list, one request, in JSON and in XML. It has no POST method.
- FixMyStreet's Open311 client (perllib/Open311.pm, exercised by its t/open311.t): the request
  sequence it documents, reproduced with ``requests``: GET services.xml, GET
  services/<code>.xml for the attributes, POST requests.xml form-encoded with api_key,
  jurisdiction_id, service_code, lat/long, address_string, email, first_name, last_name, phone,
  description, media_url and attribute[...], then read service_requests/request/
  service_request_id; an error is read from errors/error/code and description.
"""

import pytest
import requests
import xmltodict
from georeport import GeoReport

from chinhquyen.feedback import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def endpoint(live_server, world):
    return f"{live_server.url}/open311/v2"


@pytest.fixture
def api_key(world):
    return services.open311_client_create(name="FixMyStreet")[1]


def fixmystreet_send(endpoint: str, params: dict) -> tuple[int, dict]:
    resp = requests.post(f"{endpoint}/requests.xml", data=params, timeout=10)
    return resp.status_code, xmltodict.parse(resp.content)


def test_fixmystreet_sequence_then_georeport_reads_it_back(endpoint, api_key, world):
    # 1. The service list and the chosen service's attributes, in XML as FixMyStreet asks.
    listing = xmltodict.parse(requests.get(f"{endpoint}/services.xml", timeout=10).content)
    codes = [s["service_code"] for s in listing["services"]["service"]]
    assert "co-quan" in codes
    meta = xmltodict.parse(requests.get(f"{endpoint}/services/co-quan.xml", timeout=10).content)
    attribute = meta["service_definition"]["attributes"]["attribute"]
    assert attribute["code"] == "agency_id" and attribute["required"] == "true"
    agency_key = attribute["values"]["value"][0]["key"]

    # 2. An error first (a wrong key), read as FixMyStreet's _process_error does.
    params = {
        "api_key": "sai",
        "jurisdiction_id": "chinhquyen",
        "service_code": "co-quan",
        "lat": "21.0285",
        "long": "105.8048",
        "address_string": "Trước cổng chợ Hàng Da",
        "email": "nguoidan@example.vn",
        "first_name": "Văn",
        "last_name": "Lê",
        "phone": "0900000001",
        "description": "Cán bộ hẹn lại nhiều lần không rõ lý do.",
        "media_url": "https://example.vn/anh.jpg",
        "attribute[agency_id]": agency_key,
    }
    status, body = fixmystreet_send(endpoint, params)
    assert status == 403
    assert body["errors"]["error"]["code"] == "403"

    # 3. The real send: one id back.
    status, body = fixmystreet_send(endpoint, {**params, "api_key": api_key})
    assert status == 201
    request_id = body["service_requests"]["request"]["service_request_id"]
    assert body["service_requests"]["request"]["service_notice"]

    # 4. georeport reads it back, in JSON and in XML, with nothing personal in it.
    for fmt in ("json", "xml"):
        client = GeoReport(endpoint, output_format=fmt)
        assert {s["service_code"] for s in client.get_service_list()} == {
            "ho-so",
            "thu-tuc",
            "co-quan",
        }
        definition = client.get_service_definition("thu-tuc")
        assert definition["service_code"] == "thu-tuc"
        one = client.get_service_request(request_id)
        assert one["service_request_id"] == request_id and one["status"] == "open"
        assert one["agency_responsible"] == world.agency_a.name
        listed = client.get_service_requests(status="open", service_code="co-quan")
        listed = listed if isinstance(listed, list) else [listed]
        assert [r["service_request_id"] for r in listed] == [request_id]
    raw = requests.get(f"{endpoint}/requests/{request_id}.json", timeout=10).text
    for secret in ("nguoidan@", "0900000001", "Lê", "hẹn lại", "anh.jpg", "Hàng Da"):
        assert secret not in raw
