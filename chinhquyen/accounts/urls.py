from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("doi-mat-khau/", views.password_change_view, name="password_change"),
    path("khoa-api/<int:token_id>/thu-hoi/", views.token_revoke_view, name="token_revoke"),
    path("khoa-api/thu-hoi-tat-ca/", views.tokens_revoke_all_view, name="tokens_revoke_all"),
]
