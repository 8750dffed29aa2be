from django.urls import path, re_path

from . import views

app_name = "reporting"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("xep-hang.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("xep-hang.pdf", views.dashboard_pdf, name="dashboard_pdf"),
    path("tinh/<str:code>/", views.province, name="province"),
    re_path(
        r"^tinh/(?P<code>[^/]+)/bang\.(?P<kind>pdf|xlsx)$",
        views.province_export,
        name="province_export",
    ),
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
