from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("", views.public_list, name="list"),
    path("gui/", views.send, name="send"),
    path("gui/xa-phuong/<str:province>/", views.communes, name="communes"),
    path("da-gui/<str:code>/", views.sent, name="sent"),
    path("cua-toi/", views.mine, name="mine"),
    path("theo-doi/<str:code>/", views.track, name="track"),
    path("can-bo/", views.inbox, name="inbox"),
    path("can-bo/<str:code>/", views.officer_detail, name="officer_detail"),
    path("can-bo/<str:code>/tep/<int:pk>/", views.attachment, name="attachment"),
    path("can-bo/<str:code>/<str:action>/", views.act, name="act"),
    path("<str:code>/", views.public_detail, name="detail"),
    path("<str:code>/danh-gia/", views.vote, name="vote"),
]
