"""Personal data stays out of logs and error reports; /media/ is not served; the DEBUG page
shows no database URL or password (chinhquyen/core/privacy.py, docs/security.md)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.views.debug import technical_500_response

from chinhquyen.core.privacy import RedactPersonalDataFilter

ROOT = Path(__file__).resolve().parents[3]
ID_NUMBER = "031090001234"
PHONE = "0912 345 678"
FORM = {
    "ho_ten": "Nguyễn Thị Hoa",
    "so_cccd": ID_NUMBER,
    "dien_thoai": PHONE,
    "email": "hoa.nguyen@example.vn",
    "dia_chi": "Số 12 ngõ Hoà Bình, phường Thử Nghiệm",
}
# Kept away from the lines the DEBUG page quotes around the failing call.
DB_PASSWORD = "Hunter2-db-pass"  # noqa: S105
DB_URL = f"postgres://chinhquyen:{DB_PASSWORD}@db.internal:5432/chinhquyen"
TSA_PASSWORD = "Tsa-Pass-9"  # noqa: S105
TSA_URL = f"https://tsa-user:{TSA_PASSWORD}@tsa.example.vn/tsr"
SECRETS = ("hoa.nguyen@example.vn", ID_NUMBER, PHONE, "Nguyễn Thị Hoa", "ngõ Hoà Bình")


@pytest.mark.urls("chinhquyen.core.tests.privacy_urls")
def test_a_failed_submission_logs_and_mails_no_personal_data(settings, caplog):
    settings.DEBUG = False
    settings.ADMINS = [("Quản trị", "admin@example.vn")]
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = Client(raise_request_exception=False).post(
            "/__nop_loi__/?cccd=" + ID_NUMBER,
            data=json.dumps(FORM, ensure_ascii=False),
            content_type="application/json",
        )
    assert response.status_code == 500
    # The record went out with its traceback, and what it said is still useful…
    assert "Internal Server Error" in caplog.text
    assert "IntegrityError" in caplog.text and "Failing row contains" in caplog.text
    # …without the e-form.
    for value in SECRETS:
        assert value not in caplog.text
    assert "[số định danh]" in caplog.text
    # The report mailed to ADMINS (Django's reporter, our filter): no settings secrets, no
    # POST or frame values, no e-form in the exception text.
    assert len(mail.outbox) == 1
    report = mail.outbox[0].body + mail.outbox[0].subject
    assert "Failing row contains" in report
    for value in SECRETS:
        assert value not in report


@pytest.mark.urls("chinhquyen.core.tests.privacy_urls")
def test_a_failed_form_post_hides_the_values_it_names(settings, caplog):
    settings.DEBUG = False
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = Client(raise_request_exception=False).post(
            "/__form_loi__/", data={"ho_ten": "Trần Văn Bình", "noi_o": "thôn Đông Lạc"}
        )
    assert response.status_code == 500
    assert "ValueError" in caplog.text
    assert "Trần Văn Bình" not in caplog.text and "Đông Lạc" not in caplog.text


def test_every_configured_handler_scrubs():
    """The filter sits on every handler of the real configuration, Django's own included."""
    seen = set()
    for name in ("", "django", "django.request", "django.server", "chinhquyen"):
        logger = logging.getLogger(name)
        while logger is not None:
            for handler in logger.handlers:
                if type(handler).__module__.startswith("_pytest"):
                    continue
                seen.add(handler)
                assert any(isinstance(f, RedactPersonalDataFilter) for f in handler.filters), (
                    handler
                )
            logger = logger.parent if logger.propagate else None
    assert len(seen) >= 3  # console, django.server, mail_admins


def test_a_plain_log_line_loses_ids_phones_and_emails(caplog):
    logger = logging.getLogger("chinhquyen.test")
    with caplog.at_level(logging.INFO):
        logger.info("gửi tới %s, %s, CCCD %s", "a.b@example.vn", "+84 912 345 678", ID_NUMBER)
    assert "example.vn" not in caplog.text and "912" not in caplog.text
    assert ID_NUMBER not in caplog.text
    assert "[email]" in caplog.text and "[số điện thoại]" in caplog.text


def _raise():
    raise RuntimeError("boom")


def _debug_page(request) -> str:
    try:
        _raise()
    except RuntimeError:
        return technical_500_response(request, *sys.exc_info()).content.decode()
    raise AssertionError("unreachable")


def test_the_debug_page_shows_no_database_url_or_password(settings):
    settings.DEBUG = True
    settings.DATABASE_URL = DB_URL  # as a profile that kept it would have it
    settings.EXCHANGE_TSA_URL = TSA_URL
    # runserver hands the process environment to every request as META.
    request = RequestFactory().post(
        "/nop/",
        data={"so_cccd": ID_NUMBER},
        DATABASE_URL=DB_URL,
        REDIS_URL=f"redis://:{DB_PASSWORD}@cache.internal:6379/0",
    )
    html = _debug_page(request)
    assert "RuntimeError" in html and "tsa.example.vn" in html  # the page itself is still there
    assert DB_PASSWORD not in html and "db.internal" not in html
    assert TSA_PASSWORD not in html
    assert str(settings.DATABASES["default"]["NAME"]) not in html
    assert ID_NUMBER not in html


def test_the_development_profile_does_not_serve_media(tmp_path):
    """The route Django's static() helper added under DEBUG is gone: uploads are personal data
    served only by access-checked views."""
    media = tmp_path / "media"
    (media / "dossiers").mkdir(parents=True)
    (media / "dossiers" / "cccd.pdf").write_bytes(b"%PDF-1.4 " + ID_NUMBER.encode())
    script = textwrap.dedent(
        """
        import django
        django.setup()
        from django.conf import settings
        from django.test import Client
        assert settings.DEBUG
        r = Client().get("/media/dossiers/cccd.pdf")
        print(r.status_code, b"%PDF" in b"".join(getattr(r, "streaming_content", [r.content])))
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG",)}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        MEDIA_ROOT=str(media),
        CHINHQUYEN_VAR_DIR=str(tmp_path / "var"),
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["404", "False"]
