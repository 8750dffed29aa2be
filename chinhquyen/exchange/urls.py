from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("", views.registers, name="registers"),
    path("so/<int:entry_id>/", views.entry, name="entry"),
    path("so/<int:entry_id>/tep/<int:index>/", views.attachment, name="attachment"),
    path("so/<int:entry_id>/tra-loi/", views.answer, name="answer"),
]
