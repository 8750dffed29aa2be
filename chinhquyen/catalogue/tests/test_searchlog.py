"""Learning from searches that fail: what is kept (per query and day, never who), how a visit's
next search or an opened result tells whether a search helped, and the admin's list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from chinhquyen.catalogue.models import SearchQueryStat
from chinhquyen.catalogue.searchlog import (
    COOKIE,
    search_log,
    search_log_opened,
    search_queries_failing,
    search_query_clean,
)
from conftest import PASSWORD

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 12, 7)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  Đăng  KÍ kết hôn ", "dang ki ket hon"),
        ("lam cccd 031090001234 cho con", "lam cccd [so dinh danh] cho con"),
        ("goi 0912 345 678 hoi giay phep", "goi [so dien thoai] hoi giay phep"),
        ("mail an@example.vn sổ đỏ", "mail [email] so do"),
        ("   ", ""),
        ("x" * 500, "x" * 200),
    ],
)
def test_a_query_is_kept_without_personal_data_folded_and_short(typed, kept):
    assert search_query_clean(typed) == kept


def test_searches_are_counted_per_query_and_day_with_what_became_of_them():
    search_log(query="sang ten so do", found=0, day=DAY)
    search_log(query="Sang tên sổ đỏ", found=0, day=DAY)
    # The same person searched again at once: the first query did not help them.
    search_log(query="chuyen nhuong dat", found=3, previous="sang ten so do", day=DAY)
    search_log_opened(query="chuyen nhuong dat", day=DAY)
    search_log(query="giay khai sinh", found=2, day=DAY)
    rows = {r.query: r for r in SearchQueryStat.objects.filter(day=DAY)}
    assert (rows["sang ten so do"].searches, rows["sang ten so do"].empty) == (2, 2)
    assert rows["sang ten so do"].refined == 1
    assert (rows["chuyen nhuong dat"].searches, rows["chuyen nhuong dat"].opened) == (1, 1)
    # Nothing in the model could say who searched.
    assert {f.name for f in SearchQueryStat._meta.get_fields()} == {
        "id", "query", "day", "searches", "empty", "refined", "opened",
    }  # fmt: skip
    failing = search_queries_failing(since=DAY)
    assert [f.query for f in failing] == ["sang ten so do", "giay khai sinh"]
    assert failing[0].failed == 2 and failing[1].left == 1
    assert "chuyen nhuong dat" not in {f.query for f in failing}  # it helped


def test_the_portal_records_a_visit_without_knowing_who(world):
    client = Client()
    home = client.get("/", {"q": "zzxq qwxy vvkk"})
    assert home.status_code == 200
    assert client.cookies[COOKIE].value == "zzxq qwxy vvkk"
    assert client.cookies[COOKIE]["httponly"]
    client.get("/", {"q": "khai sinh"})  # searched again at once
    page = client.get("/", {"q": "khai sinh"}).content.decode()
    assert 'href="/thu-tuc/1.000001/"' in page  # the procedure's own address, to share
    client.get("/thu-tuc/1.000001/")  # opened after the search: it helped
    assert not client.cookies[COOKIE].value
    rows = {r.query: r for r in SearchQueryStat.objects.all()}
    assert rows["zzxq qwxy vvkk"].empty == 1
    assert rows["zzxq qwxy vvkk"].refined == 1
    assert rows["khai sinh"].searches == 2 and rows["khai sinh"].opened == 1
    # Opening a procedure with no search behind it counts for none; nor does a second opening.
    Client().get("/thu-tuc/1.000001/")
    client.get("/thu-tuc/1.000001/")
    assert SearchQueryStat.objects.get(query="khai sinh").opened == 1


def test_the_catalogue_admin_sees_the_failing_queries(world, django_user_model):
    search_log(query="bao tu cho bo", found=0)
    search_log(query="bao tu cho bo", found=0)
    admin = Client()
    admin.force_login(django_user_model.objects.create_superuser("qt-danh-muc", password=PASSWORD))
    page = admin.get("/admin/catalogue/searchquerystat/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-query="bao tu cho bo"' in html
    assert "Tìm thủ tục để thêm cụm từ" in html
    assert admin.get("/admin/catalogue/searchquerystat/", {"ngay": "abc"}).status_code == 200
    officer = Client()
    officer.force_login(world.counter_a)
    assert officer.get("/admin/catalogue/searchquerystat/").status_code == 302  # not staff


def test_a_query_without_a_latin_form_travels_in_a_cookie_a_wsgi_server_can_send(world):
    """Folding leaves an emoji or a Chinese word as it is; a Set-Cookie header is Latin-1, so the
    raw query made the WSGI server fail the response (gunicorn cannot encode the header)."""
    client = Client()
    client.get("/", {"q": "北京 😀 50%"})
    header = client.cookies[COOKIE].OutputString()
    header.encode("latin-1")  # what the server does with every header
    client.get("/", {"q": "khai sinh"})  # searched again at once: the first did not help
    assert SearchQueryStat.objects.get(query="北京 😀 50%").refined == 1
