"""Where links send people: the request's host in development, PUBLIC_BASE_URL otherwise and
wherever there is no request (the worker's e-mails)."""

from __future__ import annotations

import pytest
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse
from django.test import RequestFactory

from chinhquyen.core.public_url import (
    DEVELOPMENT_BASE_URL,
    PublicBaseUrlMiddleware,
    public_url,
)


def _through_middleware(host: str) -> str:
    seen = {}

    def view(request):
        seen["url"] = public_url("/tra-cuu/X")
        return HttpResponse()

    PublicBaseUrlMiddleware(view)(RequestFactory().get("/", HTTP_HOST=host))
    return seen["url"]


def test_in_development_a_request_on_port_8101_gets_links_on_port_8101(settings):
    settings.DEBUG, settings.PUBLIC_BASE_URL = True, "http://127.0.0.1:8000"
    assert _through_middleware("127.0.0.1:8101") == "http://127.0.0.1:8101/tra-cuu/X"
    # After the request, the worker's base again.
    assert public_url("/tra-cuu/X") == "http://127.0.0.1:8000/tra-cuu/X"


def test_without_the_setting_links_follow_the_request_and_default_to_port_8000(settings):
    settings.DEBUG, settings.PUBLIC_BASE_URL = False, ""
    assert _through_middleware("localhost:8123") == "http://localhost:8123/tra-cuu/X"
    assert public_url("tra-cuu/X") == f"{DEVELOPMENT_BASE_URL}/tra-cuu/X"


def test_the_worker_uses_the_base_make_run_exports(settings):
    settings.DEBUG, settings.PUBLIC_BASE_URL = True, "http://127.0.0.1:8101/"
    assert public_url("/tra-cuu/X") == "http://127.0.0.1:8101/tra-cuu/X"


def test_production_never_takes_the_host_from_a_request(settings):
    settings.DEBUG, settings.PUBLIC_BASE_URL = False, "https://dichvucong.example.gov.vn"
    with pytest.raises(MiddlewareNotUsed):
        PublicBaseUrlMiddleware(lambda request: HttpResponse())
    assert public_url("/tra-cuu/X") == "https://dichvucong.example.gov.vn/tra-cuu/X"
