from django.urls import path

from . import kiosk, views, views_citizen, views_scores

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("goi-y/", views.suggest, name="suggest"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure"),
    path("tra-cuu/", views.lookup, name="lookup"),
    # The receipt's QR holds PUBLIC_BASE_URL + "/tra-cuu/<code>": that is the canonical address.
    # The form with a trailing slash is served too, directly rather than through a redirect
    # that would cost a phone on a slow network one more round trip.
    path("tra-cuu/<str:code>", views.lookup_result, name="lookup_result"),
    path("tra-cuu/<str:code>/", views.lookup_result),
    # The evaluation kiosk at the counter (no login; switched on by an officer).
    path("ket-qua-danh-gia/", views_scores.scores_public, name="scores"),
    path("danh-gia/", kiosk.kiosk_start, name="kiosk"),
    path("danh-gia/cam-on/", kiosk.kiosk_thanks, name="kiosk_thanks"),
    path("danh-gia/<str:code>/", kiosk.kiosk_evaluate, name="kiosk_evaluate"),
    # The signed-in citizen.
    path("nop-ho-so/<str:code>/", views_citizen.apply, name="apply"),
    path("ho-so-cua-toi/", views_citizen.my_dossiers, name="my_dossiers"),
    path("ho-so-cua-toi/<str:code>/", views_citizen.my_dossier, name="my_dossier"),
    path(
        "ho-so-cua-toi/<str:code>/da-nop/",
        views_citizen.my_dossier_submitted,
        name="my_dossier_submitted",
    ),
    path(
        "ho-so-cua-toi/<str:code>/bo-sung/",
        views_citizen.my_dossier_supplement,
        name="my_dossier_supplement",
    ),
    path(
        "ho-so-cua-toi/<str:code>/rut/",
        views_citizen.my_dossier_withdraw,
        name="my_dossier_withdraw",
    ),
    path(
        "ho-so-cua-toi/<str:code>/danh-gia/",
        views_citizen.my_dossier_evaluate,
        name="my_dossier_evaluate",
    ),
    path(
        "ho-so-cua-toi/<str:code>/tep/<int:file_id>/",
        views_citizen.my_dossier_file,
        name="my_dossier_file",
    ),
]
