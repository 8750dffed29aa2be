"""The project's URLs plus views that fail, for the error-page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import path

from config import urls as project


def _boom(request):
    raise RuntimeError("secret internals: SELECT * FROM accounts_profile")


def _denied(request):
    raise PermissionDenied


def _suspicious(request):
    raise SuspiciousOperation("a path that tries to leave the media folder")


def _malformed_multipart(request):
    raise MultiPartParserError("Invalid boundary in multipart: None")


def _csrf_protected(request):  # an ordinary Django view (not csrf_exempt) under the API's prefix
    return HttpResponse("ok")


urlpatterns = [
    path("__loi__/", _boom),
    path("__cam__/", _denied),
    path("api/v1/__loi__/", _boom),
    path("api/v1/__cam__/", _denied),
    path("api/v1/__nghi__/", _suspicious),
    path("api/v1/__csrf__/", _csrf_protected),
    path("__multipart__/", _malformed_multipart),
    path("api/v1/__multipart__/", _malformed_multipart),
    path("open311/v2/__loi__.json", _boom),
    *project.urlpatterns,
]
handler400 = project.handler400
handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500
