"""Browser hardening: uploads are attachments that cannot run, every page has a
Content-Security-Policy and a Permissions-Policy, personal pages are not cached, and officers'
sessions end after an idle and an absolute limit (core/security.py, accounts/middleware.py)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.test import Client

from chinhquyen.accounts.middleware import SEEN, STARTED
from chinhquyen.dossiers.services import Applicant, dossier_file_add, dossier_submit
from conftest import VALID_FORM

ROOT = Path(__file__).resolve().parents[3]
# A PDF that runs JavaScript when opened in a browser's viewer.
PDF_WITH_JS = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _dossier(world):
    return dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        applicant=Applicant(name="Nguyễn Văn A"),
    )


@pytest.mark.django_db
def test_an_officer_downloads_a_citizen_upload_as_an_attachment_that_cannot_run(world):
    dossier = _dossier(world)
    record = dossier_file_add(
        user=world.citizen,
        code=dossier.code,
        document_code="to-khai",
        name="Tờ khai của tôi.pdf",
        content=PDF_WITH_JS,
    )
    response = _client(world.counter_a).get(f"/can-bo/ho-so/{dossier.code}/tep/{record.pk}/")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''T%E1%BB%9D%20khai%20c%E1%BB%A7a%20t%C3%B4i.pdf" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private, no-store"
    # The citizen's own copy is served the same way.
    mine = _client(world.citizen).get(f"/ho-so-cua-toi/{dossier.code}/tep/{record.pk}/")
    assert mine.status_code == 200
    assert mine["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert mine["Content-Disposition"].startswith("attachment;")


@pytest.mark.django_db
def test_every_page_has_a_content_security_policy_and_a_permissions_policy(world):
    for client, path in [
        (Client(), "/"),
        (Client(), "/tra-cuu/"),
        (Client(), "/khong-co-trang-nay/"),
        (_client(world.counter_a), "/can-bo/"),
        (_client(world.citizen), "/tai-khoan/"),
    ]:
        response = client.get(path)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp, path
        assert "style-src 'self';" in csp and "frame-ancestors 'none'" in csp
        assert "camera=()" in response["Permissions-Policy"]
    admin = _client(world.sysadmin).get("/admin/login/")
    assert "script-src 'self';" in admin["Content-Security-Policy"]


@pytest.mark.django_db
def test_personal_pages_are_not_cached_and_public_ones_may_be(world):
    dossier = _dossier(world)
    for user, path in [
        (world.citizen, "/ho-so-cua-toi/"),
        (world.citizen, f"/ho-so-cua-toi/{dossier.code}/"),
        (world.citizen, "/tai-khoan/"),
        (world.counter_a, "/can-bo/"),
        (world.counter_a, f"/can-bo/ho-so/{dossier.code}/"),
        (world.citizen, "/"),  # any page drawn for a signed-in person
    ]:
        response = _client(user).get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "private, no-store", path
    assert "no-store" not in Client().get("/").get("Cache-Control", "")


def _age_session(client: Client, *, idle: float = 0, since: float = 0) -> None:
    session = client.session
    now = time.time()
    session[SEEN] = now - idle
    session[STARTED] = now - since
    session.save()


@pytest.mark.django_db
def test_an_officer_idle_for_16_minutes_is_signed_out_with_a_message(world):
    client = _client(world.counter_a)
    assert client.get("/can-bo/").status_code == 200
    _age_session(client, idle=10 * 60)
    assert client.get("/can-bo/").status_code == 200  # 10 idle minutes: still signed in
    _age_session(client, idle=16 * 60)
    response = client.get("/can-bo/thong-ke/")
    assert response.status_code == 302
    assert response["Location"] == "/dang-nhap/?next=/can-bo/thong-ke/"
    page = client.get(response["Location"])
    assert "không hoạt động quá 15 phút" in page.content.decode()
    assert client.get("/can-bo/").status_code == 302  # signed out for good


@pytest.mark.django_db
def test_an_administrator_is_signed_out_after_5_idle_minutes(world, settings):
    client = _client(world.sysadmin)
    client.get("/tai-khoan/")
    _age_session(client, idle=6 * 60)
    assert client.get("/tai-khoan/").status_code == 302
    settings.SESSION_IDLE_MINUTES_ADMIN = 10  # configuration
    client = _client(world.sysadmin)
    client.get("/tai-khoan/")
    _age_session(client, idle=6 * 60)
    assert client.get("/tai-khoan/").status_code == 200


@pytest.mark.django_db
def test_an_active_officer_is_signed_out_after_the_absolute_limit(world):
    client = _client(world.handler_a)
    client.get("/can-bo/")
    _age_session(client, idle=60, since=11 * 3600)
    assert client.get("/can-bo/").status_code == 200
    _age_session(client, idle=60, since=12 * 3600 + 60)
    response = client.get("/can-bo/")
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


@pytest.mark.django_db
def test_a_citizen_session_has_no_officer_idle_limit(world):
    client = _client(world.citizen)
    client.get("/ho-so-cua-toi/")
    _age_session(client, idle=60 * 60)
    assert client.get("/ho-so-cua-toi/").status_code == 200


INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>|\sstyle=\"|\son[a-z]+=\"",
    re.I,
)


def test_no_template_of_ours_has_inline_script_handler_or_style():
    """What the Content-Security-Policy would block, caught before a browser does."""
    found = []
    for folder in [ROOT / "templates", *sorted((ROOT / "chinhquyen").glob("*/templates"))]:
        for path in folder.rglob("*.html"):
            for match in INLINE.finditer(path.read_text(encoding="utf-8")):
                found.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert found == []
