"""Views for test_pagecache.py: pages that set a cookie or write the session, behind the page
cache, each counting how often it was really drawn."""

from django.http import HttpResponse
from django.urls import include, path

from chinhquyen.core.pagecache import anonymous_page_cache

drawn: list[str] = []


@anonymous_page_cache()
def plain(request):
    drawn.append("plain")
    return HttpResponse("<p>plain</p>", content_type="text/html; charset=utf-8")


@anonymous_page_cache()
def with_cookie(request):
    drawn.append("with_cookie")
    response = HttpResponse("<p>cookie</p>", content_type="text/html; charset=utf-8")
    response.set_cookie("ghi_nho", "1")
    return response


@anonymous_page_cache()
def with_session(request):
    drawn.append("with_session")
    request.session["seen"] = True
    return HttpResponse("<p>session</p>", content_type="text/html; charset=utf-8")


urlpatterns = [
    path("plain/", plain),
    path("cookie/", with_cookie),
    path("session/", with_session),
    path("", include("config.urls")),
]
