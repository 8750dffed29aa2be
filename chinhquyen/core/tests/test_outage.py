"""While the database is unreachable: 503 with Retry-After, problem+json for machines and a
Vietnamese page for people, drawn without the database (core/outage.py). The process-level
test with a real PostgreSQL stopped and started is tests/deploy/test_database_outage.py."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.urls("chinhquyen.core.tests.outage_urls")


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def test_a_page_gets_the_vietnamese_503_page_without_the_database(settings):
    # No django_db mark: any query would fail the test (pytest-django blocks the database).
    settings.DATABASE_OUTAGE_RETRY_AFTER = 45
    response = Client(raise_request_exception=False).get("/__csdl__/")
    assert response.status_code == 503
    assert response["Retry-After"] == "45"
    html = response.content.decode()
    assert 'lang="vi"' in html
    assert "Hệ thống tạm gián đoạn" in html
    assert "/__csdl__/" in html
    assert "10.0.0.5" not in html and "Connection refused" not in html


@pytest.mark.parametrize("path", ["/api/v1/__csdl__", "/open311/v2/__csdl__.json"])
def test_the_api_and_open311_get_a_503_problem(path):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/problem+json")
    assert response["Retry-After"] == "30"
    body = response.json()
    assert body["status"] == 503
    assert body["code"] == "service_unavailable"
    assert body["retry_after"] == 30
    assert body["instance"] == path
    assert "connection" not in body["detail"].lower()


def test_other_errors_are_still_a_500():
    response = Client(raise_request_exception=False).get("/__loi__/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Hệ thống đang gặp sự cố" in response.content.decode()
