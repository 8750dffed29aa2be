"""The exchange API (hub peer API and officers' registers) and the officer page."""

from __future__ import annotations

import json
import os

import pytest
from django.test import Client
from django.utils import timezone

from chinhquyen.exchange import services
from chinhquyen.exchange.models import HubDelivery, RegisterEntry

from .test_services import A, B, Net

PROBLEM = "application/problem+json"


@pytest.fixture
def hub(db, settings, exchange_keys):
    settings.EXCHANGE_ROLE = "hub"
    settings.EXCHANGE_HUB_ENROL_SECRET = "s3cret"
    return Client()


def register(client, agency, cert_pem, secret="s3cret"):  # noqa: S107  (the test hub's secret)
    return client.post(
        "/api/v1/exchange/hub/register",
        data=json.dumps(
            {"agency_id": agency, "name": "Cơ quan", "certificate_pem": cert_pem.decode()}
        ),
        content_type="application/json",
        headers={"X-Enrol-Secret": secret},
    )


def test_registration_needs_the_enrolment_secret(hub, exchange_keys):
    resp = register(hub, A, exchange_keys["a"].cert_pem, secret="wrong")
    assert resp.status_code == 403 and resp["Content-Type"] == PROBLEM
    assert resp.json()["code"] == "enrol_denied"
    resp = register(hub, A, b"not a certificate")
    assert resp.status_code in (403, 422)
    resp = register(hub, A, exchange_keys["a"].cert_pem)
    assert resp.status_code == 201 and len(resp.json()["token"]) > 30


def test_a_node_is_not_a_hub(hub, settings, exchange_keys):
    settings.EXCHANGE_ROLE = "node"
    resp = register(hub, A, exchange_keys["a"].cert_pem)
    assert resp.status_code == 403 and resp.json()["code"] == "not_a_hub"


def test_post_inbox_ack_over_http(hub, settings, exchange_keys):
    token_a = register(hub, A, exchange_keys["a"].cert_pem).json()["token"]
    token_b = register(hub, B, exchange_keys["b"].cert_pem).json()["token"]
    settings.EXCHANGE_KEY_FILE = str(exchange_keys["a"].key_path)
    settings.EXCHANGE_CERT_FILE = str(exchange_keys["a"].cert_path)
    services.node_identity_set(agency_id=A, name="A", hub_url="http://hub", token=token_a)
    msg = services.document_send(to=[(B, "")], number="1", notation="X", subject="Thử HTTP")
    post = lambda token, mid, body: hub.post(  # noqa: E731
        "/api/v1/exchange/hub/messages",
        data=body,
        content_type="application/xml",
        headers={"Authorization": f"Bearer {token}", "X-Message-Id": mid},
    )
    assert post("wrong", msg.message_id, bytes(msg.payload)).status_code == 401
    first = post(token_a, msg.message_id, bytes(msg.payload))
    assert first.status_code == 201, first.content
    again = post(token_a, msg.message_id, bytes(msg.payload))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    bad = post(
        token_a, "m-2", b"<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'><edXMLEnvelope>"
    )
    assert bad.status_code == 422 and bad["Content-Type"] == PROBLEM
    assert bad.json()["code"] == "edxml_invalid" and "dòng" in bad.json()["title"]
    inbox = hub.get(
        "/api/v1/exchange/hub/inbox", headers={"Authorization": f"Bearer {token_b}"}
    ).json()
    assert [m["message_id"] for m in inbox["messages"]] == [msg.message_id]
    assert "Thử HTTP" in inbox["messages"][0]["payload"]
    ack = hub.post(
        "/api/v1/exchange/hub/ack",
        data=json.dumps({"message_ids": [msg.message_id]}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_b}"},
    )
    assert ack.json() == {"acknowledged": 1}
    assert HubDelivery.objects.get().state == "delivered"


def test_two_requests_with_the_same_peer_token_get_their_own_peer(hub, rf, exchange_keys):
    """The hub remembers a verified peer token as the peer's values: each request builds its own
    ``Peer``, so what one request changes on ``request.peer`` the next does not see."""
    from chinhquyen.exchange.api import peer_auth

    token = register(hub, A, exchange_keys["a"].cert_pem).json()["token"]
    first = rf.get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    second = rf.get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    peer1 = peer_auth(first)
    peer1.name = "đổi trong bộ nhớ"
    peer2 = peer_auth(second)  # from the cache
    assert peer2 is not None and peer2 is not peer1 and second.peer is peer2
    assert (peer2.pk, peer2.agency_id, peer2.name) == (peer1.pk, A, "Cơ quan")


@pytest.fixture
def traffic(world, settings, exchange_keys):
    """A sent one document to B, B received it: lines in both registers."""
    settings.EXCHANGE_ROLE = "hub"
    net = Net(settings, exchange_keys)
    net.send(A, [B], number="55", subject="Về việc họp giao ban")
    net.pull(B)
    return net


def test_officers_see_only_their_agencys_registers(traffic, world, api):
    resp = api(world.handler_a).get("/api/v1/exchange/registers?direction=out")
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 1 and body["results"][0]["number_notation"] == "55/UBND-VP"
    assert body["results"][0]["personal_signature_valid"] is None
    assert api(world.handler_a).get("/api/v1/exchange/registers?direction=in").json()["count"] == 0
    b_in = api(world.handler_b).get("/api/v1/exchange/registers?direction=in").json()
    assert b_in["count"] == 1 and b_in["results"][0]["status"] == "01"
    assert api(world.citizen).get("/api/v1/exchange/registers").json()["count"] == 0
    assert api(world.sysadmin).get("/api/v1/exchange/registers").json()["count"] == 2
    assert api().get("/api/v1/exchange/registers").status_code == 401


def test_the_register_list_query_count_does_not_grow(
    traffic, world, api, django_assert_max_num_queries
):
    client = api(world.sysadmin)
    with django_assert_max_num_queries(8):
        client.get("/api/v1/exchange/registers")


def test_a_recipient_answers_through_the_api_and_another_agency_cannot(traffic, world, api):
    line = RegisterEntry.objects.get(agency_id=B, direction="in")
    traffic.as_node(B)
    resp = api(world.handler_b).post(f"/api/v1/exchange/registers/{line.id}/status", {"code": "03"})
    assert resp.status_code == 200, resp.content
    assert resp.json()["entry"]["status"] == "03"
    other = api(world.handler_a).post(
        f"/api/v1/exchange/registers/{line.id}/status", {"code": "03"}
    )
    assert other.status_code == 404


def test_figures_api_is_per_agency_and_says_no_data(traffic, world, api):
    resp = api(world.handler_a).get(
        f"/api/v1/exchange/figures?agency_id={A}&date_from=2020-01-01&date_to=2100-01-01"
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["sent"] == 1 and body["personal_signature_share"] is None
    forbidden = api(world.handler_a).get(
        f"/api/v1/exchange/figures?agency_id={B}&date_from=2020-01-01&date_to=2100-01-01"
    )
    assert forbidden.status_code == 403


def test_the_officer_page_shows_the_register_and_the_figures(traffic, world):
    client = Client()
    client.force_login(world.handler_b)
    page = client.get("/lien-thong/?so=in")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sổ văn bản đến" in html and "Về việc họp giao ban" in html
    assert "chưa có số liệu" in html
    # Agencies by name, the code as secondary text; dates as dd/mm/yyyy; in the officer layout.
    sender = html[html.index('data-testid="counterpart">') :]
    assert sender.startswith(
        f'data-testid="counterpart">{world.agency_a.name} <span class="ws-secondary-text code">{A}'
    )
    assert f'<th scope="row">{world.agency_b.name} <span' in html
    line_in = RegisterEntry.objects.get(agency_id=B, direction="in")
    received = timezone.localtime(line_in.received_at).strftime("%d/%m/%Y %H:%M")
    assert received in html
    assert (
        '<header class="ws-header">' in html and 'href="/lien-thong/" aria-current="page"' in html
    )
    line = RegisterEntry.objects.get(agency_id=B, direction="in")
    traffic.as_node(B)
    resp = client.post(f"/lien-thong/so/{line.id}/tra-loi/", {"code": "03"})
    assert resp.status_code == 302
    line.refresh_from_db()
    assert line.status == "03"
    outsider = Client()
    outsider.force_login(world.outsider)
    assert outsider.get("/lien-thong/").status_code == 403


def test_a_batch_post_answers_each_message_on_its_own(hub, settings, exchange_keys):
    token_a = register(hub, A, exchange_keys["a"].cert_pem).json()["token"]
    register(hub, B, exchange_keys["b"].cert_pem)
    settings.EXCHANGE_KEY_FILE = str(exchange_keys["a"].key_path)
    settings.EXCHANGE_CERT_FILE = str(exchange_keys["a"].cert_path)
    services.node_identity_set(agency_id=A, name="A", hub_url="http://hub", token=token_a)
    one = services.document_send(to=[(B, "")], number="1", notation="X", subject="Một")
    two = services.document_send(to=[(B, "")], number="2", notation="X", subject="Hai")
    stranger = services.document_send(
        to=[("999.99.99.H99", "")], number="3", notation="X", subject="Ba"
    )

    def batch(items):
        body = {"messages": [{"message_id": mid, "payload": payload} for mid, payload in items]}
        return hub.post(
            "/api/v1/exchange/hub/batch",
            data=json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token_a}"},
        )

    as_text = lambda m: (m.message_id, bytes(m.payload).decode())  # noqa: E731
    first = batch([as_text(one), as_text(two), as_text(stranger), ("m-bad", "<edXML/>")])
    assert first.status_code == 200
    answers = {r["message_id"]: r for r in first.json()["results"]}
    assert answers[one.message_id]["status"] == 201 and answers[two.message_id]["status"] == 201
    assert answers[stranger.message_id]["code"] == "unknown_recipient"
    assert answers["m-bad"]["status"] == 422 and answers["m-bad"]["code"] == "edxml_invalid"
    again = batch([as_text(two), as_text(one)]).json()["results"]
    assert [r["status"] for r in again] == [200, 200]
    assert HubDelivery.objects.count() == 2
    assert batch([]).json() == {"results": []}
    assert (
        hub.post(
            "/api/v1/exchange/hub/batch",
            data="not json",
            content_type="application/json",
            headers={"Authorization": f"Bearer {token_a}"},
        ).json()["code"]
        == "malformed_batch"
    )


def test_the_hub_takes_a_message_and_a_batch_larger_than_django_buffers(
    hub, settings, exchange_keys
):
    """A 2 MB scan is a 2.7 MB edXML: over Django's 2.5 MB DATA_UPLOAD_MAX_MEMORY_SIZE, which
    refused it (413) when the hub read request.body. The hub reads the stream within its own
    limits (EXCHANGE_EDXML_MAX_BYTES, EXCHANGE_BATCH_MAX_BYTES), and refuses beyond them."""
    token_a = register(hub, A, exchange_keys["a"].cert_pem).json()["token"]
    register(hub, B, exchange_keys["b"].cert_pem)
    settings.EXCHANGE_KEY_FILE = str(exchange_keys["a"].key_path)
    settings.EXCHANGE_CERT_FILE = str(exchange_keys["a"].cert_path)
    services.node_identity_set(agency_id=A, name="A", hub_url="http://hub", token=token_a)
    scan = lambda n: services.FileIn(name=f"scan-{n}.pdf", data=os.urandom(2 * 1024 * 1024))  # noqa: E731
    big = services.document_send(
        to=[(B, "")], number="1", notation="X", subject="Bản quét lớn", files=[scan(1)]
    )
    assert len(big.payload) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    auth = {"Authorization": f"Bearer {token_a}"}
    resp = hub.post(
        "/api/v1/exchange/hub/messages",
        data=bytes(big.payload),
        content_type="application/xml",
        headers={**auth, "X-Message-Id": big.message_id},
    )
    assert resp.status_code == 201, resp.content
    two = [
        services.document_send(
            to=[(B, "")], number=str(n), notation="X", subject="Lô lớn", files=[scan(n)]
        )
        for n in (2, 3)
    ]
    body = {
        "messages": [
            {"message_id": m.message_id, "payload": bytes(m.payload).decode()} for m in two
        ]
    }
    resp = hub.post(
        "/api/v1/exchange/hub/batch",
        data=json.dumps(body),
        content_type="application/json",
        headers=auth,
    )
    assert resp.status_code == 200, resp.content
    assert [r["status"] for r in resp.json()["results"]] == [201, 201]
    assert HubDelivery.objects.count() == 3
    # Beyond the hub's own limit: refused by its length, unread, as problem+json.
    settings.REQUEST_BODY_LIMITS = {
        **settings.REQUEST_BODY_LIMITS,
        "/api/v1/exchange/hub/messages": 1024 * 1024,
    }
    resp = hub.post(
        "/api/v1/exchange/hub/messages",
        data=bytes(big.payload),
        content_type="application/xml",
        headers={**auth, "X-Message-Id": "m-too-big"},
    )
    assert resp.status_code == 413 and resp["Content-Type"] == PROBLEM
    # A NUL in a batch's message id is refused, not stored.
    nul = {"messages": [{"message_id": "m\x00", "payload": "<edXML/>"}]}
    resp = hub.post(
        "/api/v1/exchange/hub/batch",
        data=json.dumps(nul),
        content_type="application/json",
        headers=auth,
    )
    assert resp.status_code == 422 and resp.json()["code"] == "malformed_batch"


def test_a_node_groups_at_most_four_megabytes_and_sends_a_larger_message_alone():
    from chinhquyen.exchange.models import OutboxMessage
    from chinhquyen.exchange.node import GROUP_BYTES, groups_of

    mb = 1024 * 1024
    sizes = [mb, mb, mb, mb, 5 * mb, 100, 100, 3 * mb, 2 * mb]
    messages = [OutboxMessage(message_id=f"m{i}", payload=b"x" * n) for i, n in enumerate(sizes)]
    groups = groups_of(messages, per_group=10)
    assert [[m.message_id for m in g] for g in groups] == [
        ["m0", "m1", "m2", "m3"],
        ["m4"],
        ["m5", "m6", "m7"],
        ["m8"],
    ]
    assert all(sum(len(m.payload) for m in g) <= GROUP_BYTES for g in groups if len(g) > 1)
    assert [len(g) for g in groups_of(messages[:3], per_group=2)] == [2, 1]
