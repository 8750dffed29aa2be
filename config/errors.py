"""Every error in the shape of where it happened (docs/api.md, "Errors").

Django's own errors — an unknown path, a wrong method, a CSRF failure, a malformed or too large
body, a disallowed host, an unhandled exception — are answered by the handlers below, which
``config/urls.py`` names (``handler400`` … ``handler500``) and ``CSRF_FAILURE_VIEW`` points at:

* under ``/api/``: problem+json (``chinhquyen.core.api.problem``), as every error of the API;
* under ``/open311/``: Open311's error list (``[{"code", "description"}]`` or its XML), the
  format GeoReport v2 clients read, with the right status;
* elsewhere: our Vietnamese pages.

``ErrorShapeMiddleware`` catches what reaches no handler: the 405 that django-ninja and
``require_http_methods`` answer as plain text. This is wiring — it knows every app's error
shape — so it lives in ``config/``.
"""

from __future__ import annotations

import sys
from http import HTTPStatus

from django.core.exceptions import (
    DisallowedHost,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.csrf import requires_csrf_token

from chinhquyen.core import error_views
from chinhquyen.core.api import problem
from chinhquyen.core.errors import BadInput
from chinhquyen.core.outage import database_unavailable, outage_response
from chinhquyen.feedback.open311 import error_for_path as open311_error

API_PREFIX = "/api/"
OPEN311_PREFIX = "/open311/"
# Headers a problem answer keeps from the response it replaces.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: ("bad_request", _("Yêu cầu không hợp lệ.")),
        401: ("unauthenticated", _("Cần đăng nhập.")),
        403: ("forbidden", _("Không có quyền thực hiện.")),
        404: ("not_found", _("Không tìm thấy.")),
        405: ("method_not_allowed", _("Phương thức HTTP không được hỗ trợ ở địa chỉ này.")),
        413: ("request_too_large", _("Dữ liệu gửi lên quá lớn.")),
        500: ("server_error", _("Hệ thống đang gặp sự cố, hãy thử lại sau ít phút.")),
    }


def _shaped(
    request: HttpRequest,
    *,
    status: int,
    code: str = "",
    title: str = "",
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse | None:
    """The error as the path's API expects it, or None for a page."""
    path = request.path
    if not (path.startswith(API_PREFIX) or path.startswith(OPEN311_PREFIX)):
        return None
    known = _titles()
    if status in known:
        default_code, default_title = known[status]
    else:
        default_code, default_title = "http_error", HTTPStatus(status).phrase
    code, title = code or default_code, title or default_title
    if path.startswith(OPEN311_PREFIX):
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in (fields or {}).items())
        return open311_error(path, status, f"{title} {details}".strip())
    return problem(request, status=status, code=code, title=title, fields=fields)


def _classify(exception: Exception | None) -> tuple[int, str, str, str]:
    """(status, code, message, field) of what made a request bad."""
    if isinstance(exception, BadInput):
        return exception.status, exception.code, exception.message, exception.field
    # The one answer to a body past DATA_UPLOAD_MAX_MEMORY_SIZE, wherever it is met: by the input
    # guard, which hands it here; by a view, through Django; by an API view under DEBUG, through
    # core/api.py's on_too_large, which ninja would otherwise answer with its traceback
    # (test_bad_input.py::test_a_body_past_djangos_buffer_is_a_413_from_the_guard,
    # ::test_a_large_body_the_guard_does_not_read_is_a_413_under_debug_too).
    if isinstance(exception, RequestDataTooBig):
        return 413, "request_too_large", _("Dữ liệu gửi lên quá lớn."), ""
    # The guard answers a broken form body itself (as BadInput); Django hands here what a view
    # meets (::test_a_malformed_multipart_body_a_view_meets_is_a_400_in_the_shape_of_its_path).
    if isinstance(exception, MultiPartParserError):
        return 400, "malformed_request", _("Không đọc được nội dung multipart."), ""
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return 400, "too_many_fields", _("Yêu cầu có quá nhiều trường hoặc tệp."), ""
    if isinstance(exception, DisallowedHost):
        return 400, "disallowed_host", _("Tên miền không được phục vụ ở máy chủ này."), ""
    return 400, "bad_request", _("Yêu cầu không hợp lệ."), ""


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    status, code, message, field = _classify(exception)
    fields = {field: [message]} if field else None
    shaped = _shaped(request, status=status, code=code, title=message, fields=fields)
    if shaped is not None:
        return shaped
    # From a plain context, as the 500 page: the session and the user were perhaps never read.
    body = loader.get_template("400.html").render(
        {"path": request.path.replace("\x00", ""), "message": message}
    )
    return HttpResponse(body, status=status)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    shaped = _shaped(request, status=403)
    return shaped or defaults.permission_denied(request, exception)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    shaped = _shaped(request, status=404)
    return shaped or defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # The database being unreachable is a 503 with Retry-After, on every path (core/outage.py).
    if database_unavailable(sys.exc_info()[1]):
        return outage_response(request)
    shaped = _shaped(request, status=500)
    return shaped or error_views.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    shaped = _shaped(
        request,
        status=403,
        code="csrf_failed",
        title=_(
            "Kiểm tra CSRF không đạt: yêu cầu dùng phiên đăng nhập của trình duyệt phải kèm mã "
            "CSRF (hoặc dùng Authorization: Bearer)."
        ),
    )
    return shaped or django_csrf_failure(request, reason)


class ErrorShapeMiddleware:
    """Reshapes an error under /api/ or /open311/ that is not yet in the API's format."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or response.streaming:
            return response
        content_type = response.get("Content-Type", "")
        if "json" in content_type or (
            request.path.startswith(OPEN311_PREFIX) and "xml" in content_type
        ):
            return response
        shaped = _shaped(request, status=response.status_code)
        if shaped is None:
            return response
        for header in KEPT_HEADERS:
            if header in response:
                shaped[header] = response[header]
        return shaped
