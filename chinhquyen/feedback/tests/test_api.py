import pytest

pytestmark = pytest.mark.django_db

BODY = {"kind": "thu-tuc", "procedure_code": "1.000001", "description": "Quá nhiều bản sao."}


def test_an_anonymous_sender_gets_a_code_and_a_reply_token(world, api):
    resp = api().post("/api/v1/feedback/", BODY)
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["agency_id"] == world.agency_a.agency_id and body["reply_token"]
    wrong = api()
    wrong.headers["Authorization"] = "Bearer wrong"
    assert wrong.post("/api/v1/feedback/", BODY).status_code == 401


def test_a_retry_with_the_same_idempotency_key_returns_the_first_feedback(world, api):
    client = api(world.citizen)
    first = client.post("/api/v1/feedback/", BODY, headers={"Idempotency-Key": "abc"})
    again = client.post("/api/v1/feedback/", BODY, headers={"Idempotency-Key": "abc"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["code"] == again.json()["code"]
    other = api(world.citizen2).post("/api/v1/feedback/", BODY, headers={"Idempotency-Key": "abc"})
    assert other.json()["code"] != first.json()["code"]


def test_errors_are_problem_json_with_fields_in_vietnamese(world, api):
    resp = api().post("/api/v1/feedback/", {**BODY, "procedure_code": "9.9"})
    assert resp.status_code == 422
    assert resp["Content-Type"] == "application/problem+json"
    assert resp.json()["fields"]["procedure_code"] == ["Không tìm thấy thủ tục có mã này."]


def test_officers_list_and_act_only_within_their_agency(world, api):
    code = api().post("/api/v1/feedback/", BODY).json()["code"]
    a, b = api(world.counter_a), api(world.counter_b)
    assert [f["code"] for f in a.get("/api/v1/feedback/").json()] == [code]
    assert b.get("/api/v1/feedback/").json() == []
    assert b.get(f"/api/v1/feedback/{code}").status_code == 404
    assert b.post(f"/api/v1/feedback/{code}/actions/accept").status_code == 404
    assert api(world.citizen).get(f"/api/v1/feedback/{code}").status_code == 404
    resp = a.post(f"/api/v1/feedback/{code}/actions/accept")
    assert resp.status_code == 200 and resp.json()["state"] == "accepted"
    assert resp.json()["due_step"] == "answer"
    assert a.post(f"/api/v1/feedback/{code}/actions/accept").json()["code"] == (
        "feedback_wrong_state"
    )
    assert api().get("/api/v1/feedback/").status_code == 401


def test_the_public_api_shows_published_answers_without_personal_data(world, api):
    code = (
        api(world.citizen)
        .post("/api/v1/feedback/", {**BODY, "description": "Gọi tôi: 0912345678."})
        .json()["code"]
    )
    assert api().get(f"/api/v1/feedback/public/{code}").status_code == 404
    leader = api(world.leader_a)
    leader.post(f"/api/v1/feedback/{code}/actions/accept")
    leader.post(f"/api/v1/feedback/{code}/actions/answer", {"text": "Đã gọi Congdan."})
    leader.post(f"/api/v1/feedback/{code}/actions/publish")
    body = api().get(f"/api/v1/feedback/public/{code}").json()
    text = str(body)
    assert "0912345678" not in text and "Congdan" not in text and "congdan@" not in text
    assert [p["code"] for p in api().get("/api/v1/feedback/public").json()] == [code]
