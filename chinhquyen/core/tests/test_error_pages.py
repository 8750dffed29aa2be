"""403, 404, 500 and the CSRF failure: pages of our own in Vietnamese that say what to do, with
the path and without internals; the 500 page needs neither the database nor a request context."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import PASSWORD

pytestmark = pytest.mark.urls("chinhquyen.core.tests.error_urls")


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def _page(response) -> str:
    html = response.content.decode()
    assert 'lang="vi"' in html
    assert 'href="/"' in html and 'href="/tra-cuu/"' in html  # home and the lookup
    assert "Traceback" not in html
    return html


def test_the_500_page_renders_without_the_database_and_shows_no_internals():
    # No django_db mark: any query would fail the test (pytest-django blocks the database).
    response = Client(raise_request_exception=False).get("/__loi__/?cccd=031090001234")
    assert response.status_code == 500
    html = _page(response)
    assert "Hệ thống đang gặp sự cố" in html and "thử lại sau ít phút" in html
    assert "/__loi__/" in html
    assert "secret internals" not in html and "031090001234" not in html
    assert "RuntimeError" not in html


def test_the_403_page_tells_an_officer_to_sign_in_with_the_agencys_account(db):
    response = Client().get("/__cam__/")
    assert response.status_code == 403
    html = _page(response)
    assert "Bạn không có quyền xem trang này" in html
    assert "hãy đăng nhập bằng tài khoản của cơ quan" in html
    assert 'href="/dang-nhap/?next=/__cam__/"' in html
    assert "/__cam__/" in html


def test_the_403_page_tells_a_signed_in_person_whom_to_ask(world):
    client = Client()
    client.login(username=world.citizen.username, password=PASSWORD)
    html = _page(client.get("/__cam__/"))
    assert "quản trị của cơ quan" in html
    assert world.citizen.username not in html.split("<main", 1)[1]


def test_the_404_page_says_what_to_do_and_shows_the_path(db):
    response = Client().get("/khong-co-trang-nay/")
    assert response.status_code == 404
    html = _page(response)
    assert "Không tìm thấy trang" in html and "mã hồ sơ" in html
    assert "/khong-co-trang-nay/" in html


def test_the_path_is_escaped(db):
    html = Client().get("/%3Cscript%3Ealert(1)%3C/script%3E/").content.decode()
    assert "<script>alert(1)" not in html


def test_a_form_sent_without_its_csrf_token_gets_a_page_that_says_to_reload(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/dang-nhap/", {"username": "congdan", "password": PASSWORD})
    assert response.status_code == 403
    html = _page(response)
    assert "Chưa gửi được biểu mẫu" in html and "tải lại trang" in html
    assert "CSRF" not in html and "/dang-nhap/" in html
