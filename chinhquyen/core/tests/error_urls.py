"""The project's URLs plus views that fail, for the error-page tests."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from config import urls as project


def _boom(request):
    raise RuntimeError("secret internals: SELECT * FROM accounts_profile")


def _denied(request):
    raise PermissionDenied


urlpatterns = [
    path("__loi__/", _boom),
    path("__cam__/", _denied),
    *project.urlpatterns,
]
handler500 = project.handler500
