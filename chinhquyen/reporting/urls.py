from django.urls import path, re_path

from . import views

app_name = "reporting"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("xep-hang.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("xep-hang.pdf", views.dashboard_pdf, name="dashboard_pdf"),
    path("tinh/<str:code>/", views.province, name="province"),
    path("tinh/<str:code>/bang.xlsx", views.province_xlsx, name="province_xlsx"),
    path("tinh/<str:code>/bang.pdf", views.province_pdf, name="province_pdf"),
    path("don-vi/<str:key>/", views.unit, name="unit"),
    re_path(
        r"^don-vi/(?P<key>[^/]+)/bang\.(?P<kind>pdf|xlsx)$", views.unit_export, name="unit_export"
    ),
    path("cong-khai/", views.transparency, name="transparency"),
    re_path(
        r"^cong-khai/bang\.(?P<kind>pdf|xlsx)$",
        views.transparency_export,
        name="transparency_export",
    ),
]
