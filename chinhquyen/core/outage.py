"""The database is unreachable: 503 with Retry-After, never a 500 (docs/security.md#availability).

Connections are checked before reuse (CONN_HEALTH_CHECKS), so after a database restart each
worker reconnects on its next request. While the database is down, whatever needed it fails
with Django's ``OperationalError``/``InterfaceError`` (connection refused, server closed the
connection, too many clients, a deadlock or serialization failure: all transient); the 500
handler (error_views.py) answers those with this module's 503 instead — problem+json for the API
and Open311 clients, a Vietnamese page for people, both drawn without the database.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

MACHINE_PREFIXES = ("/api/", "/open311/")


def database_unavailable(exc: BaseException | None) -> bool:
    """True for the errors a database that is down, restarting or overloaded raises."""
    return isinstance(exc, OperationalError | InterfaceError)


def outage_response(request) -> HttpResponse:
    from chinhquyen.core.api import problem

    seconds = settings.DATABASE_OUTAGE_RETRY_AFTER
    if request.path.startswith(MACHINE_PREFIXES):
        response = problem(
            request,
            status=503,
            code="service_unavailable",
            title=_("Hệ thống tạm gián đoạn"),
            detail=_("Cơ sở dữ liệu tạm thời không truy cập được. Vui lòng thử lại sau."),
            extra={"retry_after": seconds},
        )
    else:
        body = loader.get_template("503.html").render(
            {"path": quote(request.path), "minutes": max(1, round(seconds / 60))}
        )
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response
