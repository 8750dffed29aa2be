"""Whole pages for anonymous visitors, drawn once and served many times.

The pages a crowd lands on (the catalogue, a procedure, the lookup form, the ranking, the
transparency page) are the same for every visitor who is not signed in: same path, same query,
same language. ``page_cached`` keeps such a page, once drawn, in the ``pages`` cache of the process
and serves it again without running the view's queries nor its template.

What it never does:

* serve or store the page of a signed-in person (their name, their menu): a request carrying any
  cookie but the CSRF cookie, the language cookie and the cookies the view names (``ignore``) —
  a session, messages — or an ``Authorization`` header is drawn as usual, not stored;
* store a response that sets a cookie, that is not a 200 HTML page, that the view marked
  ``private``/``no-store``, or during which the session was written;
* put one visitor's CSRF token in another's page: while a page is drawn for the cache, the
  template's ``csrf_token`` is a placeholder (``csrf_placeholder`` context processor), and each
  visitor's own token replaces it when the page is served (Django's ``get_token``, so the CSRF
  cookie is set as on any page with a form). The language switch, a POST form on every page,
  keeps working with CSRF enforced.

Freshness: a page is keyed by the versions of the namespaces it shows (``catalogue``,
``reporting``), which ``page_cache_changed`` bumps when those change (``receivers``: saves and
deletions of the catalogue's, the agencies' and the published reports' rows, through the services
or the admin). A process re-reads the versions (one small query) at most every
``PAGE_CACHE_VERSION_MS`` (1 s), and at once after a change it made itself; every page also
expires after ``PAGE_CACHE_SECONDS`` (300 s), the bound for changes made around the models (bulk
SQL). ``PAGE_CACHE_SECONDS=0`` turns the cache off (the test profile does, docs/benchmarks.md
measures both).

The cache is Django's per-process memory cache: nothing to install, no network hop; each worker
draws a page once per version. docs/architecture.md, "Pages for anonymous visitors".
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers

from .models import PageCacheVersion
from .proccache import register_clear

ALIAS = "pages"
CATALOGUE = "catalogue"
REPORTING = "reporting"
NAMESPACES = (CATALOGUE, REPORTING)
# Stands for the visitor's CSRF token in a stored page; letters only, so that HTML escaping
# leaves it as it is.
CSRF_PLACEHOLDER = "pagecacheCsrfTokenPlaceholderQz7Kx"
_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()
# Set on the request while its page is drawn for the cache (read by ``csrf_placeholder``).
RENDERING = "page_cache_rendering"

Render = Callable[[], tuple[HttpResponse, dict[str, Any]]]


# --- versions --------------------------------------------------------------------------------


class _Versions(threading.local):
    values: dict[str, int] | None = None
    read_at: float = 0.0


_versions = _Versions()


def page_cache_versions() -> dict[str, int]:
    """The namespaces' versions, read again when older than ``PAGE_CACHE_VERSION_MS``."""
    now = time.monotonic()
    if _versions.values is None or now - _versions.read_at >= settings.PAGE_CACHE_VERSION_MS / 1000:
        _versions.values = dict(PageCacheVersion.objects.values_list("namespace", "version"))
        _versions.read_at = now
    return _versions.values


def _forget_versions() -> None:
    _versions.values = None


def page_cache_clear() -> None:
    """Forget every page this process keeps and the versions it read (tests)."""
    caches[ALIAS].clear()
    _forget_versions()


# The versions are each thread's own (a version read inside a transaction that changed it must not
# serve the other threads before it commits), so not a ProcessCache; tests clear them with the rest.
register_clear("core.pages", page_cache_clear)


def page_cache_changed(*namespaces: str) -> None:
    """What the pages of ``namespaces`` show has changed: add one to their versions (one UPDATE,
    in the caller's transaction: the new pages can only be drawn from what it commits). Nothing
    while the cache is off."""
    if settings.PAGE_CACHE_SECONDS <= 0 or not namespaces:
        return
    updated = PageCacheVersion.objects.filter(namespace__in=namespaces).update(
        version=F("version") + 1
    )
    if updated < len(set(namespaces)):  # a namespace seen for the first time
        PageCacheVersion.objects.bulk_create(
            [PageCacheVersion(namespace=n, version=1) for n in set(namespaces)],
            ignore_conflicts=True,
        )
    _forget_versions()
    transaction.on_commit(_forget_versions)


# --- the cache -------------------------------------------------------------------------------


def csrf_placeholder(request: HttpRequest) -> dict[str, str]:
    """Context processor (after Django's own): the CSRF token of a page drawn for the cache is a
    placeholder, replaced by each visitor's token when the page is served."""
    if getattr(request, RENDERING, False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}


def _anonymous(request: HttpRequest, ignore: Iterable[str]) -> bool:
    if request.method not in ("GET", "HEAD") or "HTTP_AUTHORIZATION" in request.META:
        return False
    allowed = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME, *ignore}
    return all(name in allowed for name in request.COOKIES)


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    control = response.get("Cache-Control", "")
    if "private" in control or "no-store" in control or "no-cache" in control:
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.modified)


def _key(request: HttpRequest, namespaces: Iterable[str], vary: str) -> str:
    versions = page_cache_versions()
    parts = [
        vary,
        ",".join(f"{n}={versions.get(n, 0)}" for n in namespaces),
        translation.get_language() or "",
        request.scheme,
        request.get_host(),
        timezone.localdate().isoformat(),  # pages whose defaults follow the date
        request.get_full_path(),
    ]
    return "page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _fill(request: HttpRequest, content: bytes) -> bytes:
    """The visitor's own CSRF token in place of the placeholder (and its cookie set by the CSRF
    middleware, as on any page with a form)."""
    if _PLACEHOLDER_BYTES in content:
        return content.replace(_PLACEHOLDER_BYTES, get_token(request).encode())
    return content


def _headers(response: HttpResponse) -> HttpResponse:
    # The page holds the visitor's CSRF token: a shared cache must not keep it.
    patch_cache_control(response, private=True, max_age=0)
    patch_vary_headers(response, ("Cookie",))
    return response


def page_cached(
    request: HttpRequest,
    render: Render,
    *,
    namespaces: Iterable[str],
    ignore_cookies: Iterable[str] = (),
    vary: str = "",
) -> tuple[HttpResponse, dict[str, Any]]:
    """The page ``render`` draws, from the cache when an anonymous visitor asks for one already
    drawn. ``render`` returns the response and a small dict kept beside it (what the view needs
    on every visit, e.g. how many results a search found, to log it). ``ignore_cookies``: cookies
    the page does not depend on (the view reads them itself on every visit). ``vary``: what
    else the page is drawn from, when no namespace says it (the public status of a dossier)."""
    seconds = settings.PAGE_CACHE_SECONDS
    if seconds <= 0 or not _anonymous(request, ignore_cookies):
        response, meta = render()
        return _headers(response), meta
    namespaces = tuple(namespaces)
    cache = caches[ALIAS]
    key = _key(request, namespaces, vary)
    entry = cache.get(key)
    if entry is not None:
        status, content_type, content, meta = entry
        response = HttpResponse(_fill(request, content), status=status, content_type=content_type)
        return _headers(response), dict(meta)
    setattr(request, RENDERING, True)
    try:
        response, meta = render()
    finally:
        setattr(request, RENDERING, False)
    if not response.streaming:
        content = response.content
        if _storable(request, response):
            cache.set(key, (response.status_code, response["Content-Type"], content, meta), seconds)
        response.content = _fill(request, content)
    return _headers(response), meta


def anonymous_page_cache(*namespaces: str, ignore_cookies: Iterable[str] = ()):
    """View decorator: ``page_cached`` around the whole view."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response, _meta = page_cached(
                request,
                lambda: (view(request, *args, **kwargs), {}),
                namespaces=namespaces,
                ignore_cookies=ignore_cookies,
            )
            return response

        return wrapped

    return decorator
