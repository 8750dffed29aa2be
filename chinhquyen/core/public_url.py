"""The address people are sent to: the receipt's QR code, the links in the e-mails.

Production: always ``settings.PUBLIC_BASE_URL`` (the production profile refuses to start
without it), whatever host a request came in on.

Development (``DEBUG``, or ``PUBLIC_BASE_URL`` empty): a link built while answering a request
uses that request's scheme and host, so a server started with ``PORT=8101 make run`` prints
``http://127.0.0.1:8101/tra-cuu/…`` in the receipt's QR code. Without a request (the
background worker sending e-mails) the base is ``PUBLIC_BASE_URL``, which ``make run`` exports
from ``HOST`` and ``PORT`` when it is not set, else ``DEVELOPMENT_BASE_URL``.

The request's base is kept in a context variable by ``PublicBaseUrlMiddleware`` for the length
of the request; in production the middleware takes itself out of the chain.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import DisallowedHost, MiddlewareNotUsed

DEVELOPMENT_BASE_URL = "http://127.0.0.1:8000"

_request_base: ContextVar[str | None] = ContextVar("chinhquyen_request_base_url", default=None)


def follows_request() -> bool:
    """True where links follow the request's host: development, or no PUBLIC_BASE_URL."""
    return bool(settings.DEBUG or not settings.PUBLIC_BASE_URL)


def public_base_url() -> str:
    """The scheme and host links are built on, without a trailing slash."""
    if follows_request():
        base = _request_base.get()
        if base:
            return base
    return (settings.PUBLIC_BASE_URL or DEVELOPMENT_BASE_URL).rstrip("/")


def public_url(path: str) -> str:
    """``path`` (starting with "/") on ``public_base_url()``."""
    return public_base_url() + "/" + path.lstrip("/")


class PublicBaseUrlMiddleware:
    """Keeps the request's scheme and host for ``public_base_url`` while the request is answered
    (development only)."""

    def __init__(self, get_response):
        if not follows_request():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        try:
            base = f"{request.scheme}://{request.get_host()}"
        except DisallowedHost:
            base = None  # CommonMiddleware answers 400 for it
        token = _request_base.set(base)
        try:
            return self.get_response(request)
        finally:
            _request_base.reset(token)
