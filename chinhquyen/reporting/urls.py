from django.urls import path

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
    path("cong-khai/", views.transparency, name="transparency"),
    path("cong-khai/bang.xlsx", views.transparency_xlsx, name="transparency_xlsx"),
]
