"""Messages through Django's own ``MessageMiddleware`` (settings' MIDDLEWARE): a request that
shows none sets no cookie, a message added is shown once."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.messages.middleware import MessageMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def _through(view, cookies=None):
    """Run ``view`` through the session and message middleware, as the stack runs them."""
    from django.contrib.sessions.middleware import SessionMiddleware

    request = RequestFactory().get("/")
    request.COOKIES.update(cookies or {})
    stack = SessionMiddleware(MessageMiddleware(lambda r: view(r)))
    return request, stack(request)


def test_a_request_that_shows_no_message_sets_no_cookie():
    _request, response = _through(lambda r: HttpResponse("ok"))
    assert "messages" not in response.cookies and "sessionid" not in response.cookies


def test_a_message_added_is_stored_and_shown_on_the_next_request_then_gone():
    def add(request):
        messages.success(request, "Đã ghi nhận.")
        return HttpResponse("ok")

    _request, first = _through(add)
    assert "messages" in first.cookies  # the cookie backend takes a short message

    shown = []

    def show(request):
        shown.extend(str(m) for m in messages.get_messages(request))
        return HttpResponse("ok")

    _request, second = _through(show, {"messages": first.cookies["messages"].value})
    assert shown == ["Đã ghi nhận."]
    assert second.cookies["messages"].value == ""  # read: cleared, as Django clears it
    assert second.cookies["messages"]["max-age"] == 0


def test_through_the_whole_stack_a_page_shows_its_message_and_an_api_call_sets_no_cookie(world):
    from django.test import Client

    from chinhquyen.dossiers.services import dossier_submit
    from conftest import PASSWORD, VALID_FORM

    d = dossier_submit(
        user=world.citizen,
        procedure_code=world.procedure.code,
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    status = Client().get(f"/api/v1/dossiers/{d.code}/status")
    assert status.status_code == 200
    assert "messages" not in status.cookies

    client = Client()
    assert client.login(username=world.counter_a.username, password=PASSWORD)
    posted = client.post(f"/can-bo/ho-so/{d.code}/thao-tac/", {"action": "accept"})
    assert posted.status_code == 302
    page = client.get(posted["Location"]).content.decode()
    assert "ws-messages" in page and "Đã thực hiện" in page  # the flash message, once
    assert "Đã thực hiện" not in client.get(posted["Location"]).content.decode()
