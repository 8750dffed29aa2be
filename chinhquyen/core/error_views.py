"""The 500 page: rendered from a plain context (the path only), never through the context
processors, so that it shows when the database or the session is what failed. When what failed
is the database being unreachable, a 503 with Retry-After instead (outage.py)."""

from __future__ import annotations

import sys
from urllib.parse import quote

from django.http import HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from .outage import database_unavailable, outage_response


@requires_csrf_token
def server_error(request, template_name: str = "500.html"):
    # Django calls this handler while handling the exception, so it is the current one.
    if database_unavailable(sys.exc_info()[1]):
        return outage_response(request)
    body = loader.get_template(template_name).render({"path": quote(request.path)})
    return HttpResponseServerError(body)
