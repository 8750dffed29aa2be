from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("dang-nhap/", auth_views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("tai-khoan/", include("chinhquyen.accounts.urls")),
    path("can-bo/", include("chinhquyen.workspace.urls")),
    path("chu-ky-so/", include("chinhquyen.signatures.urls")),
    path("lien-thong/", include("chinhquyen.exchange.urls")),
    path("bao-cao/", include("chinhquyen.reporting.urls")),
    path("phan-anh/", include("chinhquyen.feedback.urls")),
    path("y-kien/", include("chinhquyen.consultations.urls")),
    path("open311/v2/", include("chinhquyen.feedback.open311_urls")),
    path("", include("chinhquyen.portal.urls")),
]
if settings.BENCH_ENDPOINTS:
    # First, so that the bare endpoints of `make bench` are resolved at no more cost than the
    # API's first routes (Django tries the patterns in order).
    urlpatterns.insert(0, path("bench/", include("benchmarks.urls")))
# Errors in the shape of the path (config/errors.py): problem+json under /api/, Open311's errors
# under /open311/, else our own pages (templates/400.html, 403.html, 404.html, 403_csrf.html; the
# 500 page from a plain context, without the database).
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
# Uploaded files are never served at MEDIA_URL, not even in development: they are personal data,
# served only by the views that check who asks (workspace, "Hồ sơ của tôi", feedback).
