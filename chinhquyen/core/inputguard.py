"""Input that no view can use, refused in one place before any view runs (docs/security.md,
"Bad input").

* **Request bodies larger than the path accepts** (``REQUEST_BODY_LIMITS`` by path prefix, else
  ``REQUEST_MAX_BYTES``) are refused by their ``Content-Length`` with a 413, before a byte is read:
  Django itself bounds only the non-file part of a body (``DATA_UPLOAD_MAX_MEMORY_SIZE``), so a
  multipart upload would otherwise be written to a temporary file whatever its size.
* **A NUL character** in the path, a query parameter, a form field or a JSON string: PostgreSQL
  cannot store one in text, no person types one, and every view would otherwise answer a 500.
* **A malformed body** (multipart without a boundary, a ``Content-Length`` that is not a number).

Each is raised as ``BadInput`` and answered by the project's ``handler400`` (``config/errors.py``),
which gives it the shape of the path: problem+json, Open311's errors, or a Vietnamese page. The
middleware calls the handler itself rather than letting Django do it, so that the answer is the
same under ``DEBUG`` (where Django shows its technical page for a ``BadRequest``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import get_resolver, get_urlconf
from django.utils.translation import gettext as _

from .errors import BadInput

NUL = "\x00"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def body_limit(path: str) -> int:
    """The largest body ``path`` accepts, in bytes: the longest matching prefix of
    ``REQUEST_BODY_LIMITS``, else ``REQUEST_MAX_BYTES``."""
    best, limit = -1, settings.REQUEST_MAX_BYTES
    for prefix, value in settings.REQUEST_BODY_LIMITS.items():
        if path.startswith(prefix) and len(prefix) > best:
            best, limit = len(prefix), value
    return limit


def _json_strings(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a parsed JSON document (keys too), with its place (``a.b[0]``)."""
    if isinstance(value, str):
        yield where or "__all__", value
    elif isinstance(value, dict):
        for key, item in value.items():
            place = f"{where}.{key}" if where else str(key)
            yield place, str(key)
            yield from _json_strings(item, place)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_strings(item, f"{where}[{index}]")


def _nul_refused(field: str) -> BadInput:
    return BadInput(
        _("Dữ liệu gửi lên có ký tự không hợp lệ (ký tự NUL)."), code="nul_character", field=field
    )


def check_body_size(request: HttpRequest) -> None:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(raw)
    except ValueError:
        length = -1
    if length < 0:
        raise BadInput(
            _("Độ dài nội dung (Content-Length) không hợp lệ."), code="malformed_request"
        )
    limit = body_limit(request.path_info)
    if length > limit:
        raise BadInput(
            _("Dữ liệu gửi lên quá lớn (tối đa %(mb)s MB).") % {"mb": f"{limit / 1048576:g}"},
            code="request_too_large",
            status=413,
        )


def check_no_nul(request: HttpRequest) -> None:
    if NUL in request.path_info:
        raise _nul_refused("path")
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in value for value in values):
            raise _nul_refused(key.replace(NUL, ""))
    if request.method not in _BODY_METHODS:
        return
    content_type = request.content_type or ""
    if content_type in _FORM_TYPES:
        try:
            form = request.POST
        except MultiPartParserError as exc:
            raise BadInput(
                _("Không đọc được nội dung multipart (thiếu hoặc sai boundary)."),
                code="malformed_request",
            ) from exc
        for key, values in form.lists():
            if NUL in key or any(NUL in value for value in values):
                raise _nul_refused(key.replace(NUL, ""))
    elif request.path_info in settings.REQUEST_STREAMED_PATHS:
        return  # read from the stream by its view, within its own limit, which checks it
    elif not content_type.startswith("multipart/"):
        # Any other body may be JSON: django-ninja parses a body whatever its declared type.
        body = request.body  # bounded by DATA_UPLOAD_MAX_MEMORY_SIZE: RequestDataTooBig
        # Python's parser refuses a raw NUL byte; only the escape can carry one. Most bodies do
        # not hold the six characters at all, and are not parsed twice.
        if b"\\u0000" not in body:
            return
        try:
            document = json.loads(body)
        except ValueError:
            return  # the view answers a malformed body in its own words
        for place, text in _json_strings(document):
            if NUL in text:
                raise _nul_refused(place)


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_body_size(request)
            check_no_nul(request)
        except (BadInput, RequestDataTooBig) as exc:
            handler = get_resolver(get_urlconf()).resolve_error_handler(400)
            return handler(request, exception=exc)
        return self.get_response(request)
