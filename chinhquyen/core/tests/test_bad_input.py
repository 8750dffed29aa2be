"""Bad input gets a 4xx, never a 500 (docs/security.md, "Bad input"): a NUL character anywhere,
a malformed or too large body, and Django's own errors, each in the shape of its path —
problem+json under /api/, Open311's errors under /open311/, a Vietnamese page elsewhere."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client

from conftest import PASSWORD

pytestmark = pytest.mark.urls("chinhquyen.core.tests.error_urls")

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anyone reads it: a refusal must come first."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = read


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["code"]
    return body


def _page(response, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'lang="vi"' in html and "Traceback" not in html
    return html


# --------------------------------------------------------------------------- NUL


@pytest.mark.django_db
def test_a_nul_in_a_page_path_is_a_vietnamese_400_page():
    for url in ("/tra-cuu/%00", "/tra-cuu/%00/", "/tra-cuu/?ma=%00"):
        html = _page(Client().get(url), 400)
        assert "ký tự không hợp lệ" in html
        assert "\x00" not in html


@pytest.mark.django_db
def test_a_nul_in_an_api_query_or_path_is_a_problem_400_naming_the_parameter():
    body = _problem(Client().get("/api/v1/agencies?q=%00"), 400)
    assert body["code"] == "nul_character" and list(body["fields"]) == ["q"]
    body = _problem(Client().get("/api/v1/dossiers/%00/status"), 400)
    assert body["fields"] == {"path": [body["title"]]}


@pytest.mark.django_db
def test_a_nul_in_a_form_field_is_a_400_page():
    response = Client().post("/dang-nhap/", {"username": "a\x00b", "password": "x"})
    assert "ký tự không hợp lệ" in _page(response, 400)


@pytest.mark.django_db
def test_a_nul_in_a_json_string_is_a_problem_400_naming_the_field():
    body = {"kind": "thu-tuc", "description": "Quá\u0000 chậm", "extra": [{"a": "\u0000"}]}
    response = Client().post("/api/v1/feedback/", json.dumps(body), content_type="application/json")
    problem = _problem(response, 400)
    assert problem["code"] == "nul_character" and list(problem["fields"]) == ["description"]
    # ninja reads a JSON body whatever type it is declared as.
    response = Client().post("/api/v1/feedback/", json.dumps(body), content_type="text/plain")
    assert _problem(response, 400)["code"] == "nul_character"
    # An escaped backslash before "u0000" is six ordinary characters, not a NUL.
    text = json.dumps({"kind": "x", "description": "\\u0000"})
    response = Client().post("/api/v1/feedback/", text, content_type="application/json")
    assert response.status_code == 422  # the view's own answer: unknown kind


@pytest.mark.django_db
def test_a_nul_on_open311_is_an_open311_400():
    response = Client().get("/open311/v2/requests.json?status=%00")
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
    response = Client().get("/open311/v2/requests.xml?status=%00")
    assert response.status_code == 400 and b"<errors><error><code>400</code>" in response.content


# --------------------------------------------------------------------------- bodies


def test_a_json_body_of_100_mb_is_a_413_refused_before_it_is_read():
    response = Client().post(
        "/api/v1/feedback/",
        b"",
        content_type="application/json",
        CONTENT_LENGTH=str(100 * 1024 * 1024),
        **{"wsgi.input": Unreadable()},
    )
    assert _problem(response, 413)["code"] == "request_too_large"


def test_an_anonymous_signature_check_larger_than_its_file_limit_is_refused_unread(settings):
    settings.SIGNATURES_MAX_UPLOAD_BYTES = 1024 * 1024
    settings.REQUEST_BODY_LIMITS = {"/api/v1/signatures/": 1024 * 1024 + 64 * 1024}
    response = Client().post(
        "/api/v1/signatures/validate",
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(2 * 1024 * 1024),
        **{"wsgi.input": Unreadable()},
    )
    assert _problem(response, 413)["code"] == "request_too_large"


def test_a_page_upload_larger_than_any_request_is_a_413_page(settings):
    settings.REQUEST_MAX_BYTES = 1024
    response = Client().post(
        "/phan-anh/gui/",
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH="4096",
        **{"wsgi.input": Unreadable()},
    )
    assert "quá lớn" in _page(response, 413)


@pytest.mark.django_db
def test_a_multipart_body_without_a_boundary_is_a_problem_400():
    for url in ("/api/v1/signatures/validate", "/api/v1/feedback/"):
        response = Client().post(url, b"--x\r\n\r\n", content_type="multipart/form-data")
        assert _problem(response, 400)["code"] == "malformed_request"


def test_a_body_past_djangos_buffer_is_a_413_from_the_guard(settings):
    """Under REQUEST_MAX_BYTES but past DATA_UPLOAD_MAX_MEMORY_SIZE: the guard reads the body,
    Django raises RequestDataTooBig, and handler400 (config/errors.py) answers it."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"description": "x" * 2048})
    response = Client().post("/api/v1/feedback/", body, content_type="application/json")
    assert _problem(response, 413)["code"] == "request_too_large"
    response = Client().post("/dang-nhap/", {"username": "a", "password": "x" * 2048})
    assert "quá lớn" in _page(response, 413)


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_large_body_the_guard_does_not_read_is_a_413_under_debug_too(settings, debug):
    """A multipart body other than form-data is not read by the guard; ninja reads it for a JSON
    body parameter, and RequestDataTooBig reaches handler400 through Django (DEBUG off) or through
    the API's own exception handler (DEBUG on, where ninja would answer its traceback)."""
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = Client(raise_request_exception=False).post(
        "/api/v1/feedback/", b"x" * 2048, content_type="multipart/related; boundary=x"
    )
    assert _problem(response, 413)["code"] == "request_too_large"


@pytest.mark.django_db
def test_a_malformed_multipart_body_a_view_meets_is_a_400_in_the_shape_of_its_path():
    """The guard answers a broken form body before any view; whatever else raises
    MultiPartParserError is handed to handler400 by Django."""
    assert _problem(Client().get("/api/v1/__multipart__/"), 400)["code"] == "malformed_request"
    assert "multipart" in _page(Client().get("/__multipart__/"), 400)


# --------------------------------------------------------------------------- Django's own errors


@pytest.mark.django_db
def test_django_errors_under_the_api_are_problem_json():
    assert _problem(Client().get("/api/v1/khong-co/"), 404)["code"] == "not_found"
    response = Client().delete("/api/v1/agencies")
    assert _problem(response, 405)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]
    assert _problem(Client().get("/api/v1/__cam__/"), 403)["code"] == "forbidden"
    assert _problem(Client().get("/api/v1/__nghi__/"), 400)["code"] == "bad_request"
    response = Client(raise_request_exception=False).get("/api/v1/__loi__/")
    body = _problem(response, 500)
    assert "secret internals" not in response.content.decode() and body["code"] == "server_error"
    response = Client(enforce_csrf_checks=True).post("/api/v1/__csrf__/")
    assert _problem(response, 403)["code"] == "csrf_failed"


@pytest.mark.django_db
def test_a_disallowed_host_on_the_api_is_a_problem_400(settings):
    settings.ALLOWED_HOSTS = ["chinhquyen.example"]
    response = Client(HTTP_HOST="evil.example").get("/api/v1/agencies")
    assert _problem(response, 400)["code"] == "disallowed_host"


@pytest.mark.django_db
def test_django_errors_under_open311_keep_open311s_shape_with_the_right_status():
    response = Client().get("/open311/v2/khong-co.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404
    response = Client().delete("/open311/v2/services.json")
    assert response.status_code == 405 and response.json()[0]["code"] == 405
    response = Client().delete("/open311/v2/services.xml")
    assert response.status_code == 405 and b"<code>405</code>" in response.content
    response = Client(raise_request_exception=False).get("/open311/v2/__loi__.json")
    assert response.status_code == 500 and response.json()[0]["code"] == 500


# --------------------------------------------------------------------------- CSRF on the API

FEEDBACK = {"kind": "thu-tuc", "procedure_code": "1.000001", "description": "Quá nhiều bản sao."}


def _send(client: Client, **headers):
    return client.post(
        "/api/v1/feedback/", json.dumps(FEEDBACK), content_type="application/json", headers=headers
    )


def test_an_anonymous_json_call_needs_no_csrf_cookie(world):
    response = _send(Client(enforce_csrf_checks=True))
    assert response.status_code == 201, response.content


def test_a_bearer_call_needs_no_csrf_cookie(world):
    client = Client(enforce_csrf_checks=True)
    token = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": world.citizen.username, "password": PASSWORD}),
        content_type="application/json",
    ).json()["token"]
    assert _send(client, Authorization=f"Bearer {token}").status_code == 201


def test_a_browser_session_call_still_needs_its_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.citizen)
    assert _problem(_send(client), 403)["code"] == "csrf_failed"
    client.get("/tra-cuu/")  # a page sets the CSRF cookie, as the portal's pages do
    token = client.cookies["csrftoken"].value
    response = _send(client, **{"X-CSRFToken": token})
    assert response.status_code == 201, response.content
