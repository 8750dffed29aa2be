"""The page cache of the public pages (chinhquyen/core/pagecache.py), through the test client
with the cache switched on: what an anonymous visitor, a signed-in person, a searcher and a
form poster each get."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chinhquyen.catalogue.models import Procedure, SearchQueryStat
from chinhquyen.catalogue.searchlog import COOKIE
from chinhquyen.catalogue.services import procedure_link_agencies, procedure_save
from chinhquyen.core.pagecache import CSRF_PLACEHOLDER
from chinhquyen.core.tests import pagecache_urls
from chinhquyen.units.services import agency_create
from conftest import PASSWORD, procedure_data

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 300
    settings.PAGE_CACHE_VERSION_MS = 1000


def catalogue_queries(run) -> list[str]:
    """The SQL run by ``run()`` that reads the catalogue's tables."""
    with CaptureQueriesContext(connection) as queries:
        run()
    return [q["sql"] for q in queries.captured_queries if "catalogue_" in q["sql"]]


def test_an_anonymous_visitor_gets_the_page_drawn_for_the_one_before(world):
    first = Client().get("/thu-tuc/1.000001/")
    assert first.status_code == 200
    second = None

    def again():
        nonlocal second
        second = Client().get("/thu-tuc/1.000001/")

    assert catalogue_queries(again) == []  # served from the cache: no catalogue read
    assert second.status_code == 200
    assert second.content.decode() == first.content.decode().replace(
        TOKEN.search(first.content.decode()).group(1),
        TOKEN.search(second.content.decode()).group(1),
    )
    assert "Thủ tục thử nghiệm đăng ký khai sinh" in second.content.decode()
    assert "private" in second["Cache-Control"] and "Cookie" in second["Vary"]


def test_the_home_page_is_cached_too_and_the_catalogue_is_not_read_again(world):
    Client().get("/")
    assert catalogue_queries(lambda: Client().get("/")) == []


def test_a_change_through_the_catalogue_services_shows_at_once(world):
    assert "Thủ tục thử nghiệm đăng ký khai sinh" in Client().get("/thu-tuc/1.000001/").text
    Client().get("/")
    procedure_save(data=procedure_data(name="Thủ tục đăng ký khai sinh đã sửa tên"))
    page = Client().get("/thu-tuc/1.000001/").text
    assert "Thủ tục đăng ký khai sinh đã sửa tên" in page
    assert "Thủ tục đăng ký khai sinh đã sửa tên" in Client().get("/").text
    # A new receiving agency, too.
    agency = agency_create(agency_id="000.03.31.H26", name="UBND xã Mới Lập", kind="ubnd_xa")
    procedure_link_agencies(
        procedure=Procedure.objects.get(code="1.000001"),
        agencies=[world.agency_a, world.agency_b, agency],
    )
    assert "UBND xã Mới Lập" in Client().get("/thu-tuc/1.000001/").text


def test_a_signed_in_person_never_gets_the_anonymous_page(world):
    anonymous = Client().get("/").text
    assert "Đăng nhập" in anonymous and "Hồ sơ của tôi" not in anonymous
    citizen = Client()
    assert citizen.login(username=world.citizen.username, password=PASSWORD)
    page = citizen.get("/")
    assert "Hồ sơ của tôi" in page.text and "Đăng xuất" in page.text
    assert "private" in page["Cache-Control"]


def test_a_signed_in_persons_page_is_never_served_to_anyone_else(world):
    citizen = Client()
    assert citizen.login(username=world.citizen.username, password=PASSWORD)
    assert "Đăng xuất" in citizen.get("/thu-tuc/1.000001/").text
    anonymous = Client().get("/thu-tuc/1.000001/").text
    assert "Đăng xuất" not in anonymous and "Đăng nhập" in anonymous


def test_the_language_versions_are_kept_apart(world):
    vi = Client().get("/").text
    assert 'lang="vi"' in vi
    english = Client()
    english.cookies["django_language"] = "en"
    en = english.get("/").text
    assert 'lang="en"' in en and en != vi
    assert 'lang="vi"' in Client().get("/").text


def test_a_form_in_a_cached_page_posts_with_csrf_enforced(world):
    Client().get("/")  # drawn for the cache
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/")
    tokens = TOKEN.findall(page.text)
    assert tokens and CSRF_PLACEHOLDER not in page.text
    assert "csrftoken" in page.cookies  # the visitor's own token, with its cookie
    switched = visitor.post("/i18n/setlang/", {"language": "en", "next": "/", **dict(
        csrfmiddlewaretoken=tokens[0]
    )})  # fmt: skip
    assert switched.status_code == 302
    assert 'lang="en"' in visitor.get("/").text
    # Without the token the same post is refused: CSRF is enforced.
    other = Client(enforce_csrf_checks=True)
    other.get("/")
    assert other.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 403


def test_two_visitors_of_the_cached_page_get_different_tokens(world):
    Client().get("/tra-cuu/")
    a, b = Client().get("/tra-cuu/"), Client().get("/tra-cuu/")
    assert TOKEN.search(a.text).group(1) != TOKEN.search(b.text).group(1)
    assert a.cookies["csrftoken"].value != b.cookies["csrftoken"].value


def test_searches_are_logged_and_their_cookie_set_on_cached_pages(world):
    for _ in range(3):  # the first draws the page, the next two are served from the cache
        response = Client().get("/", {"q": "khai sinh"})
        assert response.cookies[COOKIE].value == "khai sinh"
    assert SearchQueryStat.objects.get(query="khai sinh").searches == 3
    # A refinement from the same visit, on a cached page: counted as refined.
    Client().get("/", {"q": "khai sinh cho con"})
    visitor = Client()
    visitor.cookies[COOKIE] = "khai sinh"
    visitor.get("/", {"q": "khai sinh cho con"})
    assert SearchQueryStat.objects.get(query="khai sinh").refined == 1
    assert SearchQueryStat.objects.get(query="khai sinh cho con").searches == 2


def test_a_result_opened_from_a_cached_page_counts_and_forgets_the_cookie(world):
    Client().get("/thu-tuc/1.000001/")  # drawn for the cache
    visitor = Client()
    visitor.get("/", {"q": "khai sinh"})
    opened = visitor.get("/thu-tuc/1.000001/")
    assert opened.status_code == 200
    assert opened.cookies[COOKIE].value == ""  # deleted
    assert SearchQueryStat.objects.get(query="khai sinh").opened == 1


@pytest.mark.urls("chinhquyen.core.tests.pagecache_urls")
def test_a_response_that_sets_a_cookie_is_never_stored():
    pagecache_urls.drawn.clear()
    for _ in range(2):
        assert Client().get("/cookie/").cookies["ghi_nho"].value == "1"
    assert pagecache_urls.drawn == ["with_cookie", "with_cookie"]


@pytest.mark.urls("chinhquyen.core.tests.pagecache_urls")
def test_a_response_that_wrote_the_session_is_never_stored():
    pagecache_urls.drawn.clear()
    Client().get("/session/")
    Client().get("/session/")
    assert pagecache_urls.drawn == ["with_session", "with_session"]


@pytest.mark.urls("chinhquyen.core.tests.pagecache_urls")
def test_a_plain_page_is_drawn_once_and_not_for_a_visitor_with_a_session():
    pagecache_urls.drawn.clear()
    Client().get("/plain/")
    Client().get("/plain/")
    assert pagecache_urls.drawn == ["plain"]
    with_session = Client()
    with_session.cookies["sessionid"] = "anything"
    with_session.get("/plain/")
    assert pagecache_urls.drawn == ["plain", "plain"]


@pytest.mark.urls("chinhquyen.core.tests.pagecache_urls")
def test_the_cache_can_be_switched_off(settings):
    settings.PAGE_CACHE_SECONDS = 0
    pagecache_urls.drawn.clear()
    Client().get("/plain/")
    Client().get("/plain/")
    assert pagecache_urls.drawn == ["plain", "plain"]


def test_the_public_reporting_pages_are_cached(world):
    def reporting_queries(path: str) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            response = Client().get(path)
        assert response.status_code == 200
        return [q["sql"] for q in queries.captured_queries if "reporting_" in q["sql"]]

    for path in ("/bao-cao/", "/bao-cao/cong-khai/"):
        reporting_queries(path)
        assert reporting_queries(path) == []


def test_a_dossiers_lookup_page_follows_its_status_at_once(world):
    from chinhquyen.dossiers.services import dossier_act, dossier_submit
    from conftest import VALID_FORM

    dossier = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    first = Client().get(f"/tra-cuu/{dossier.code}").text
    assert TOKEN.sub("", Client().get(f"/tra-cuu/{dossier.code}").text) == TOKEN.sub("", first)
    dossier_act(user=world.counter_a, code=dossier.code, action="accept")
    accepted = Client().get(f"/tra-cuu/{dossier.code}").text
    assert TOKEN.sub("", accepted) != TOKEN.sub("", first)
    assert "Đã tiếp nhận" in accepted and "Đã tiếp nhận" not in first


def test_a_synonym_added_by_the_catalogue_admin_shows_on_a_cached_results_page_at_once(world):
    from chinhquyen.catalogue.services import search_term_save

    before = Client().get("/", {"q": "lam giay chao doi"}).text
    assert "tìm cả" not in before
    search_term_save(kind="synonym", phrase="giấy chào đời", target="khai sinh")
    after = Client().get("/", {"q": "lam giay chao doi"}).text
    assert "tìm cả: <strong>khai sinh</strong>" in after
    assert after.index("tìm cả") < after.index("/thu-tuc/1.000001/")
