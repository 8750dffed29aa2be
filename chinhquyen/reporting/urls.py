from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("xep-hang.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("tinh/<str:code>/", views.province, name="province"),
]
