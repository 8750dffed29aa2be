from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure"),
    path("tra-cuu/", views.lookup, name="lookup"),
    # The receipt's QR holds PUBLIC_BASE_URL + "/tra-cuu/<code>": that is the canonical address.
    # The form with a trailing slash is served too, directly rather than through a redirect
    # that would cost a phone on a slow network one more round trip.
    path("tra-cuu/<str:code>", views.lookup_result, name="lookup_result"),
    path("tra-cuu/<str:code>/", views.lookup_result),
]
