"""The 500 page: rendered from a plain context (the path only), never through the context
processors, so that it shows when the database or the session is what failed."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def server_error(request, template_name: str = "500.html"):
    body = loader.get_template(template_name).render({"path": quote(request.path)})
    return HttpResponseServerError(body)
