"""The project's URLs plus views whose database is unreachable, for the outage tests."""

from django.db import InterfaceError, OperationalError
from django.urls import path

from config import urls as project


def _refused(request):
    raise OperationalError(
        'connection to server at "10.0.0.5", port 5432 failed: Connection refused'
    )


def _closed(request):
    raise InterfaceError("connection already closed")


def _bug(request):
    raise ValueError("a bug, not an outage")


urlpatterns = [
    path("__loi__/", _bug),
    path("__csdl__/", _refused),
    path("api/v1/__csdl__", _closed),
    path("open311/v2/__csdl__.json", _refused),
    *project.urlpatterns,
]
handler500 = project.handler500
