"""Response headers that limit what a page may do in the browser, and file downloads that cannot
run in it.

``SecurityHeadersMiddleware`` gives every response:

* ``Content-Security-Policy`` (``CONTENT_SECURITY_POLICY``): scripts, styles, images, fonts and
  connections from our own origin only; no inline script, event handler or style attribute
  (templates load ``static/`` files instead), no plugins, no framing, forms post to us. The admin
  keeps Django's few inline styles (``CONTENT_SECURITY_POLICY_ADMIN``). A view's own policy
  (a download's sandbox) is kept.
* ``Permissions-Policy`` (``PERMISSIONS_POLICY``): no camera, microphone, payment or sensors;
  geolocation for our own pages (the feedback form offers "use my position").
* ``Cache-Control: private, no-store`` on every response to a signed-in person or a bearer
  token: a citizen's dossiers, the officer workspace, the account page and the API's answers
  must not stay in a shared or back-button cache.

``attachment_response`` serves an uploaded file: always as an attachment under its display name
(RFC 6266/5987 ``filename*`` for Vietnamese names), ``nosniff``, and a sandboxing CSP, so that
a PDF with JavaScript or an HTML file named ``a.pdf`` never runs in an officer's session.
"""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse

DOWNLOAD_CSP = "sandbox; default-src 'none'"
PRIVATE = "private, no-store"


def attachment_response(fileobj, *, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(
        fileobj,
        as_attachment=True,
        filename=filename,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = PRIVATE
    return response


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Django's DEBUG pages (tracebacks, the 404 with the URL list) are styled inline.
        if not (settings.DEBUG and response.status_code >= 400):
            admin = request.path.startswith("/admin/")
            policy = (
                settings.CONTENT_SECURITY_POLICY_ADMIN
                if admin
                else settings.CONTENT_SECURITY_POLICY
            )
            if policy:
                response.headers.setdefault("Content-Security-Policy", policy)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if _personal(request):
            response["Cache-Control"] = PRIVATE
        return response


def _personal(request: HttpRequest) -> bool:
    if "HTTP_AUTHORIZATION" in request.META:
        return True
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated
