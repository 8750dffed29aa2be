"""/api/v1/docs renders its operations with every host but the server's own blocked."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_docs_render_offline(live_server, new_context):
    from .conftest import DESKTOP

    own = urlsplit(live_server.url).netloc
    elsewhere: list[str] = []

    def only_the_server(route):
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context = new_context(viewport=DESKTOP)
    context.route("**/*", only_the_server)
    page = context.new_page()
    page.goto(f"{live_server.url}/api/v1/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 20
    assert page.locator(".opblock-summary-path", has_text="/api/v1/dossiers").count() > 0
    assert elsewhere == []
