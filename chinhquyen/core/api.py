"""The JSON API root: one NinjaAPI under /api/v1/, errors as RFC 9457 problem+json."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import get_resolver, get_urlconf
from ninja import NinjaAPI, Schema, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from pydantic import ConfigDict, Field

from chinhquyen.core import jsontext
from chinhquyen.core.errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    title: str,
    detail: str = "",
    fields: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": f"https://chinhquyen.gov.vn/problems/{code}",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail or title,
        "instance": request.path,
    }
    if fields:
        body["errors"] = [
            {"field": name, "message": message}
            for name, messages in fields.items()
            for message in messages
        ]
        body["fields"] = fields
    if extra:
        body.update(extra)
    return _json(body, status)


class FieldErrorOut(Schema):
    field: str
    message: str


class Problem(Schema):
    """An error answer (RFC 9457), as ``problem(...)`` writes it: ``errors`` and ``fields`` only
    when fields are at fault, and a few codes add their own members (``allowed_actions``…)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    code: str
    detail: str
    instance: str
    errors: list[FieldErrorOut] = Field(default_factory=list)
    fields: dict[str, list[str]] = Field(default_factory=dict)


# What each error status means for the documentation.
PROBLEM_STATUSES = (400, 401, 403, 404, 409, 413, 422, 429)


def errors(*statuses: int) -> dict[int, type[Problem]]:
    """The problem+json answers of an operation, for its ``response={...}``:
    ``response={200: ThingOut, **errors(401, 404)}``. Every operation may also answer 400 (a
    body that is not JSON), 413 (a body over the limit) and 503 (the database unreachable, with
    ``Retry-After``: core/outage.py), listed here too."""
    return {status: Problem for status in sorted({400, 413, 503, *statuses})}


def binary(*media_types: str, description: str = "Tệp") -> dict[str, Any]:
    """``openapi_extra`` of an operation whose success answer is a file, not JSON."""
    return {
        "responses": {
            200: {
                "description": description,
                "content": {
                    media_type: {"schema": {"type": "string", "format": "binary"}}
                    for media_type in media_types
                },
            }
        }
    }


def _json(body: dict[str, Any], status: int) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type=PROBLEM_JSON,
    )


class Utf8Renderer(JSONRenderer):
    """Vietnamese text as UTF-8 rather than escape sequences: half the bytes on a slow phone.
    Written by orjson (``core/jsontext.py``); dates, times and the rest of what ninja's encoder
    knows are spelled by that encoder, as before."""

    json_dumps_params = {"ensure_ascii": False}

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        encoder = self.encoder_class()
        return jsontext.dumps(
            data,
            default=encoder.default,
            fallback=lambda value: json.dumps(value, cls=self.encoder_class, ensure_ascii=False),
        )


class ChinhquyenAPI(NinjaAPI):
    """ninja's API, whose responses are created with their charset given. Without it Django finds
    the charset by a regular expression over the Content-Type header whenever the body is set:
    ≈ 4 % of a status lookup's CPU. The header and the bytes are the same.

    Both overrides are ninja's public extension points (checked for #19): overriding
    ``create_temporal_response`` is documented in "Altering the Response" (guides/response/
    temporal_response), ``create_response(request, data, status=…)`` is the public method the
    exception-handler guide calls, and the renderer's ``render``/``charset``/``media_type`` are
    the documented custom-renderer interface."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """ninja's document, with the error answers given as application/problem+json (which is
        what ``problem(...)`` sends) rather than the renderer's application/json."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content")
                    if int(status) >= 400 and content and self.renderer.media_type in content:
                        answer["content"] = {PROBLEM_JSON: content[self.renderer.media_type]}
        return schema

    def create_temporal_response(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("", content_type=self.get_content_type(), charset=self.renderer.charset)

    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        if temporal_response is not None or status is None:
            return super().create_response(
                request, data, status=status, temporal_response=temporal_response
            )
        return HttpResponse(
            self.renderer.render(request, data, response_status=status),
            status=status,
            content_type=self.get_content_type(),
            charset=self.renderer.charset,
        )


api = ChinhquyenAPI(
    renderer=Utf8Renderer(),
    title="chinhquyen API",
    version="1",
    description="API của nền tảng chính quyền điện tử chinhquyen. Lỗi trả về dạng application/problem+json.",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # Swagger UI's files come from django-ninja's static folder ("ninja" in INSTALLED_APPS), and
    # its validator badge (a request to validator.swagger.io) is off: the docs work offline.
    docs=Swagger(settings={"validatorUrl": None}),
)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return problem(
        request,
        status=exc.status,
        code=exc.code,
        title=exc.message,
        fields=exc.fields,
        extra=exc.extra,
    )


def _loc_to_field(loc: list[Any] | tuple[Any, ...]) -> str:
    """("body", "payload", "form_data", 0, "x") -> "form_data[0].x": drop the parameter source
    and the name ninja gives the whole body, keep the rest."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "form", "file", "cookie"):
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in ("payload", "data", "filters"):
            parts = parts[1:]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "__all__"


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_loc_to_field(error.get("loc", ())), []).append(
            error.get("msg", "invalid")
        )
    return problem(
        request,
        status=422,
        code="validation_failed",
        title="Dữ liệu gửi lên không hợp lệ.",
        fields=fields,
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(
        request,
        status=401,
        code="unauthenticated",
        title="Cần đăng nhập (Authorization: Bearer <token>).",
    )


@api.exception_handler(Http404)
def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, status=404, code="not_found", title="Không tìm thấy.")


# A body too large or malformed is answered by the project's handler400 (config/errors.py), which
# the input guard (core/inputguard.py) calls for every form and JSON body it reads before a view:
# a broken multipart body never reaches one (test_bad_input.py::
# test_a_multipart_body_without_a_boundary_is_a_problem_400, ::
# test_a_body_past_djangos_buffer_is_a_413_from_the_guard). The guard does not read a multipart
# body other than form-data, which a view with a JSON body parameter still reads as request.body:
# past DATA_UPLOAD_MAX_MEMORY_SIZE that raises here. With DEBUG off ninja would leave it to Django,
# which calls handler400 too; with DEBUG on ninja would answer a 500 with its traceback, so it is
# handed to handler400 here (::test_a_large_body_the_guard_does_not_read_is_a_413_under_debug_too).
@api.exception_handler(RequestDataTooBig)
def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return get_resolver(get_urlconf()).resolve_error_handler(400)(request, exception=exc)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403 and "csrf" in str(exc).lower():  # ninja's check of a session call
        return problem(
            request,
            status=403,
            code="csrf_failed",
            title="Kiểm tra CSRF không đạt: yêu cầu dùng phiên đăng nhập của trình duyệt phải "
            "kèm mã CSRF (hoặc dùng Authorization: Bearer).",
        )
    if exc.status_code == 400:
        return problem(
            request,
            status=400,
            code="malformed_request",
            title="Không đọc được nội dung yêu cầu (JSON hoặc multipart không hợp lệ).",
            detail=str(exc),
        )
    return problem(request, status=exc.status_code, code="http_error", title=str(exc))
