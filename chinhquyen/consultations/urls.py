from django.urls import path

from . import views

app_name = "consultations"
urlpatterns = [
    path("", views.consultation_list, name="list"),
    path("mo-moi/", views.consultation_new, name="new"),
    path("hieu-qua/", views.usefulness, name="usefulness"),
    path("<int:pk>/", views.consultation_detail, name="detail"),
    path("<int:pk>/quan-ly/", views.consultation_manage, name="manage"),
]
