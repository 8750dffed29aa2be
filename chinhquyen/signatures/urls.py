from django.urls import path

from . import views

app_name = "signatures"
urlpatterns = [
    path("kiem-tra/", views.verify_page, name="verify"),
    path("kiem-tra/<str:sha256>/", views.verify_result, name="verify_result"),
]
