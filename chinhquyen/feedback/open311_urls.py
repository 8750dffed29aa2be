"""Open311 GeoReport v2 under /open311/v2/ (plain Django views: JSON and XML)."""

from django.urls import path  # noqa: F401

app_name = "open311"
urlpatterns: list = []
