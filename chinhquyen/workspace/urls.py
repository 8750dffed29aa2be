from django.urls import path

from . import views, views_signing

app_name = "workspace"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("ho-so/<str:code>/", views.dossier_detail, name="dossier"),
    path("ho-so/<str:code>/thao-tac/", views.dossier_action, name="dossier_action"),
    path("ho-so/<str:code>/tep/<int:file_id>/", views.file_download, name="file"),
    path("ho-so/<str:code>/ket-qua/", views.result_upload, name="result_upload"),
    path("ky-so/", views_signing.sign_start, name="sign_start"),
    path("ky-so/<int:batch_id>/", views_signing.sign_batch, name="sign_batch"),
    path("tiep-nhan/", views.intake, name="intake"),
    path("thong-ke/", views.dashboard, name="dashboard"),
    path("may-danh-gia/", views.kiosk_enable, name="kiosk_enable"),
    path("danh-gia-can-bo/", views.staff_scores, name="staff_scores"),
]
