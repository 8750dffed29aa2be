"""Our own checks of the Open311 GeoReport v2 endpoints, JSON and XML."""

from xml.etree import ElementTree as ET  # parses only our own test server's answers

import pytest
from django.test import Client

from chinhquyen.feedback import services
from chinhquyen.feedback.models import Feedback, Open311Client

pytestmark = pytest.mark.django_db

ROOT = "/open311/v2"


def parse(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own server's answer, in a test


@pytest.fixture
def key(db):
    _client, raw = services.open311_client_create(name="Ứng dụng thử")
    return raw


def post(data, fmt="json", headers=None):
    return Client().post(f"{ROOT}/requests.{fmt}", data, headers=headers or {})


def request_data(key, **kw):
    data = {
        "api_key": key,
        "service_code": "thu-tuc",
        "attribute[procedure_code]": "1.000001",
        "lat": "21.028511",
        "long": "105.804817",
        "description": "Phải nộp bản sao 3 lần. Gọi 0912345678.",
        "email": "mo@example.vn",
        "first_name": "Thị Mơ",
        "last_name": "Trần",
        "phone": "0912345678",
    }
    data.update(kw)
    return data


def test_discovery_lists_the_endpoint_in_both_formats(world):
    body = Client().get(f"{ROOT}/discovery.json").json()
    assert body["endpoints"][0]["url"] == "http://testserver/open311/v2/"
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    xml = parse(Client().get(f"{ROOT}/discovery.xml").content)
    assert xml.tag == "discovery"
    assert xml.find("endpoints/endpoint/formats/format").text == "application/json"


def test_services_and_their_definitions(world):
    services_json = Client().get(f"{ROOT}/services.json").json()
    assert [s["service_code"] for s in services_json] == ["ho-so", "thu-tuc", "co-quan"]
    assert all(s["metadata"] is True and s["type"] == "realtime" for s in services_json)
    resp = Client().get(f"{ROOT}/services.xml")
    assert resp["Content-Type"].startswith("text/xml")
    xml = parse(resp.content)
    assert [e.text for e in xml.findall("service/service_code")] == ["ho-so", "thu-tuc", "co-quan"]
    assert xml.find("service/metadata").text == "true"
    definition = Client().get(f"{ROOT}/services/co-quan.json").json()
    attribute = definition["attributes"][0]
    assert attribute["code"] == "agency_id" and attribute["required"] is True
    assert {v["key"] for v in attribute["values"]} == {
        world.agency_a.agency_id,
        world.agency_b.agency_id,
    }
    xml = parse(Client().get(f"{ROOT}/services/thu-tuc.xml").content)
    assert xml.tag == "service_definition"
    assert [a.find("code").text for a in xml.findall("attributes/attribute")] == [
        "procedure_code",
        "agency_id",
    ]
    first, second = xml.findall("attributes/attribute")
    assert first.find("values") is None and second.find("required").text == "false"
    assert len(xml.findall("attributes/attribute/values/value")) == 2
    missing = Client().get(f"{ROOT}/services/khong-co.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_creating_a_request_needs_a_valid_api_key(world, key):
    for bad in ("", "wrong"):
        resp = post(request_data(bad))
        assert resp.status_code == 403
        assert resp.json()[0]["code"] == 403 and "api_key" in resp.json()[0]["description"]
    client = Open311Client.objects.get()
    services.open311_client_revoke(client_id=client.pk)
    assert post(request_data(key)).status_code == 403
    assert Feedback.objects.count() == 0


def test_a_request_is_created_routed_and_answered_with_its_id(world, key):
    resp = post(request_data(key))
    assert resp.status_code == 201, resp.content
    [row] = resp.json()
    feedback = Feedback.objects.get(code=row["service_request_id"])
    assert feedback.agency == world.agency_a and feedback.channel == "open311"
    assert feedback.sender_name == "Thị Mơ Trần" and feedback.sender_email == "mo@example.vn"
    assert str(feedback.lat) == "21.028511"
    assert world.agency_a.name in row["service_notice"]
    xml = parse(post(request_data(key), "xml").content)
    assert xml.tag == "service_requests"
    assert xml.find("request/service_request_id").text.startswith("PA-")


def test_errors_have_the_open311_shape_in_json_and_xml(world, key):
    resp = post(request_data(key, service_code=""))
    assert resp.status_code == 400 and resp.json() == [
        {"code": 400, "description": "Thiếu service_code."}
    ]
    resp = post(request_data(key, lat="", long=""), "xml")
    xml = parse(resp.content)
    assert resp.status_code == 400 and xml.tag == "errors"
    assert xml.find("error/code").text == "400"
    assert "address_string" in xml.find("error/description").text
    resp = post(request_data(key, **{"attribute[procedure_code]": "9.9"}))
    assert resp.status_code == 400 and "Không tìm thấy thủ tục" in resp.json()[0]["description"]
    resp = post(request_data(key, email="not-an-email"))
    assert resp.status_code == 400
    assert Client().get(f"{ROOT}/requests.html").status_code == 404
    assert Client().get(f"{ROOT}/requests/PA-000000-NOPE.json").json()[0]["code"] == 404
    assert Client().get(f"{ROOT}/requests.json?status=pending").status_code == 400
    assert Client().get(f"{ROOT}/requests.json?start_date=hom-qua").status_code == 400
    assert Client().put(f"{ROOT}/requests.json").status_code == 405


def test_a_retry_with_the_same_idempotency_key_creates_one_request(world, key):
    first = post(request_data(key), headers={"Idempotency-Key": "r-1"}).json()
    again = post(request_data(key), headers={"Idempotency-Key": "r-1"}).json()
    assert first[0]["service_request_id"] == again[0]["service_request_id"]
    assert Feedback.objects.count() == 1


def test_get_requests_never_shows_personal_data_and_filters(world, key):
    open_id = post(request_data(key)).json()[0]["service_request_id"]
    closed_id = post(
        request_data(
            key,
            service_code="co-quan",
            **{
                "attribute[agency_id]": world.agency_a.agency_id,
            },
        )
    ).json()[0]["service_request_id"]
    services.feedback_accept(user=world.leader_a, code=closed_id)
    services.feedback_answer(user=world.leader_a, code=closed_id, answer="Đã nhắc nhở, chị Mơ.")
    services.feedback_publish(user=world.leader_a, code=closed_id)
    rows = Client().get(f"{ROOT}/requests.json").json()
    assert {r["service_request_id"] for r in rows} == {open_id, closed_id}
    text = Client().get(f"{ROOT}/requests.json").content.decode()
    for secret in ("0912345678", "mo@example.vn", "Trần", "Thị Mơ", "21.028511", "105.804817"):
        assert secret not in text
    by_id = {r["service_request_id"]: r for r in rows}
    assert by_id[open_id]["status"] == "open" and by_id[open_id]["description"] == ""
    assert by_id[open_id]["lat"] is None  # location only once published
    assert by_id[closed_id]["status"] == "closed"
    assert "[số điện thoại]" in by_id[closed_id]["description"]
    assert by_id[closed_id]["lat"] == 21.029  # published rounded to about 100 m
    assert by_id[closed_id]["requested_datetime"].endswith("+07:00")
    only_open = Client().get(f"{ROOT}/requests.json?status=open").json()
    assert [r["service_request_id"] for r in only_open] == [open_id]
    by_code = Client().get(f"{ROOT}/requests.json?service_code=co-quan").json()
    assert [r["service_request_id"] for r in by_code] == [closed_id]
    ids = Client().get(f"{ROOT}/requests.json?service_request_id={open_id},{closed_id}").json()
    assert len(ids) == 2
    future = Client().get(f"{ROOT}/requests.json?start_date=2099-01-01T00:00:00Z").json()
    assert future == []
    xml = parse(Client().get(f"{ROOT}/requests/{closed_id}.xml").content)
    assert xml.find("request/service_request_id").text == closed_id
    assert xml.find("request/status").text == "closed"


@pytest.mark.parametrize(
    "query",
    [
        "start_date=0000-01-01T00:00:00Z",
        "end_date=2026-13-01T00:00:00Z",
        "start_date=2026-02-30T00:00:00Z",
        "start_date=0001-01-01T00:00:00%2B07:00",
        "end_date=9999-12-31T23:59:59-05:00",
    ],
)
def test_an_impossible_date_is_a_400_in_open311s_shape(world, query):
    for fmt in ("json", "xml"):
        resp = Client().get(f"{ROOT}/requests.{fmt}?{query}")
        assert resp.status_code == 400, resp.content[:200]
        if fmt == "json":
            assert resp.json()[0]["code"] == 400
            assert "định dạng W3C" in resp.json()[0]["description"]
        else:
            assert parse(resp.content).find("error/code").text == "400"
