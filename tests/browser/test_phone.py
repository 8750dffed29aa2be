"""On a phone: the header's menu as a disclosure, the reporting period chosen from lists, and
the progress of a large upload on the citizen's application form."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from playwright.sync_api import Page, expect

from chinhquyen.demo.services import CATALOGUE_FILE
from chinhquyen.dossiers.models import Dossier
from tests.browser.conftest import DESKTOP
from tests.browser.test_apply import BIRTH, fill

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_390 = {"width": 390, "height": 844}
SMALL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# A scan of 1.6 MB: over the 1 MB from which the form shows its progress.
LARGE_PDF = b"%PDF-1.4\n%" + b"0" * 1_600_000 + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_menu_folds_behind_a_button_a_keyboard_opens_and_closes(
    live_server, world, new_context, axe_check, screenshot_dir
):
    phone = new_context(viewport=PHONE_390).new_page()
    phone.goto(live_server.url + "/bao-cao/")
    toggle = phone.get_by_role("button", name="Danh mục")
    menu_link = phone.get_by_role("link", name="Tra cứu hồ sơ")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_attribute("aria-controls", "site-menu")
    expect(menu_link).to_be_hidden()
    expect(phone.get_by_role("link", name="Đăng nhập")).to_be_visible()  # beside the button
    header_height = phone.locator(".site-header").bounding_box()["height"]
    assert header_height < 130, header_height  # two lines, not three or four

    # Keyboard only: the skip link, the brand, the language, then the menu's button.
    for _ in range(4):
        phone.keyboard.press("Tab")
    expect(toggle).to_be_focused()
    outline = phone.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focus is visible"
    phone.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu_link).to_be_visible()
    assert axe_check(phone) == []
    phone.screenshot(path=str(screenshot_dir / "menu-open-phone.png"))
    phone.keyboard.press("Tab")
    expect(phone.get_by_role("link", name="Thủ tục hành chính")).to_be_focused()
    phone.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(menu_link).to_be_hidden()
    phone.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    menu_link.click()
    expect(phone).to_have_url(live_server.url + "/tra-cuu/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_without_javascript_the_menu_is_open_and_on_a_desktop_it_is_one_row(
    live_server, world, browser, axe_check
):
    context = browser.new_context(viewport=PHONE_390, java_script_enabled=False, locale="vi-VN")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        expect(page.locator("[data-menu-toggle]")).to_be_hidden()
        for name in ("Thủ tục hành chính", "Tra cứu hồ sơ", "Phản ánh, kiến nghị", "Lấy ý kiến"):
            expect(page.get_by_role("link", name=name)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()

    desktop = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    try:
        page = desktop.new_page()
        page.goto(live_server.url + "/")
        expect(page.locator("[data-menu-toggle]")).to_be_hidden()
        tops = [
            page.get_by_role("link", name=name).bounding_box()["y"]
            for name in ("Thủ tục hành chính", "Lấy ý kiến", "Đăng nhập")
        ]
        assert max(tops) - min(tops) < 8, f"one row of links on a desktop: {tops}"
        page.goto(live_server.url + "/bao-cao/cong-khai/")
        assert axe_check(page) == []
    finally:
        desktop.close()


def test_a_signed_in_citizen_signs_out_from_the_foot_of_the_menu(live_server, world, sign_in):
    phone = sign_in(world.citizen, "/", viewport=PHONE_390)
    expect(phone.get_by_role("link", name="Hồ sơ của tôi")).to_be_visible()
    sign_out = phone.get_by_role("button", name="Đăng xuất")
    expect(sign_out).to_be_hidden()
    assert phone.locator("button", has_text="Đăng xuất").count() == 1  # one, not two
    phone.get_by_role("button", name="Danh mục").click()
    sign_out.click()
    expect(phone.get_by_role("link", name="Đăng nhập")).to_be_visible()


def test_the_reporting_period_is_chosen_and_a_bad_one_is_marked(
    live_server, world, new_context, axe_check, screenshot_dir
):
    from chinhquyen.reporting.indicators import indicators_load

    indicators_load()  # transactional tests flush the catalogue the migration loads
    caches["reporting"].clear()  # and leave the cache's table as it was
    phone = new_context(viewport=PHONE_390).new_page()
    response = phone.goto(live_server.url + "/bao-cao/?period=ND09-2026-13")
    assert response is not None and response.status == 400
    alert = phone.get_by_role("alert")
    expect(alert).to_contain_text("Kỳ báo cáo «ND09-2026-13» trong địa chỉ không đúng định dạng")
    period = phone.get_by_label("Kỳ", exact=True)
    expect(period).to_have_attribute("aria-invalid", "true")
    expect(period).to_have_accessible_description(re.compile("không đúng định dạng"))
    alert.get_by_role("link").click()
    expect(period).to_be_focused()
    expect(phone.locator("#ranking-title")).to_contain_text("Tháng")  # the default period
    assert axe_check(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(screenshot_dir / "reporting-bad-period-phone.png"), full_page=True)

    phone.get_by_label("Năm").select_option("2024")
    period.select_option(label="Quý II (15/03–14/06)")
    phone.get_by_role("button", name="Xem").click()
    expect(phone).to_have_url(re.compile(r"/bao-cao/\?indicator=[\w.]+&period=ND09-2024-Q2&"))
    assert "nam=" not in phone.url
    expect(phone.get_by_role("heading", level=2).first).to_contain_text("Quý II/2024 (15/03–14/06)")
    expect(phone.get_by_role("alert")).to_have_count(0)


@pytest.fixture
def birth_registration(world):
    from chinhquyen.catalogue.models import Procedure
    from chinhquyen.catalogue.services import catalogue_import, procedure_link_agencies

    report = catalogue_import(file_name=CATALOGUE_FILE.name, content=CATALOGUE_FILE.read_bytes())
    assert report.ok, [str(e) for e in report.errors]
    procedure = Procedure.objects.get(code=BIRTH)
    procedure_link_agencies(procedure=procedure, agencies=[world.agency_a])
    return procedure.current


def _to_the_attachments(live_server, sign_in, world, version) -> Page:
    phone = sign_in(world.citizen, f"/nop-ho-so/{BIRTH}/", viewport=PHONE_390)
    schema = version.form_schema
    fill(phone, schema, schema["examples"][0])
    phone.get_by_role("button", name="Kiểm tra lại").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Kiểm tra lại hồ sơ")
    return phone


def _slow_upload(page: Page, bytes_per_second: int) -> None:
    """The phone's network, slowed through the DevTools protocol, so that the progress of a
    1.6 MB upload can be seen on loopback."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 20,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second,
        },
    )


def test_a_large_scan_shows_its_upload_progress_then_the_dossier_is_submitted(
    live_server, world, birth_registration, sign_in, axe_check, tmp_path, screenshot_dir
):
    large = tmp_path / "to-khai-scan.pdf"
    large.write_bytes(LARGE_PDF)
    small = tmp_path / "giay-chung-sinh.pdf"
    small.write_bytes(SMALL_PDF)
    phone = _to_the_attachments(live_server, sign_in, world, birth_registration)
    phone.get_by_label(re.compile("^Tờ khai")).set_input_files(str(large))
    phone.get_by_label(re.compile("Giấy chứng sinh")).set_input_files(str(small))
    _slow_upload(phone, 256 * 1024)
    posts = _xhr_posts(phone)
    phone.get_by_role("button", name="Nộp hồ sơ").click()

    bar = phone.get_by_role("progressbar", name="Tiến độ tải lên")
    expect(bar).to_be_visible()
    phone.wait_for_function(
        "() => { const p = document.querySelector('progress'); return p && p.value > 5 && p.value < 95; }"
    )
    status = phone.get_by_role("status")
    expect(status).to_have_text(re.compile(r"^Đang tải lên… \d{1,3}\u00a0%$"))
    expect(phone.get_by_role("button", name="Nộp hồ sơ")).to_be_disabled()  # no second submit
    assert axe_check(phone) == []
    phone.screenshot(path=str(screenshot_dir / "upload-progress-phone.png"), full_page=True)

    # The server's redirect is followed: the confirmation page, at its own address.
    expect(phone.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ", timeout=30_000)
    expect(phone).to_have_url(re.compile(r"/ho-so-cua-toi/[^/]+/da-nop/$"))
    assert posts == [live_server.url + f"/nop-ho-so/{BIRTH}/"]
    dossier = Dossier.objects.get()
    sizes = sorted(f.file.size for f in dossier.files.all())
    assert sizes == [len(SMALL_PDF), len(LARGE_PDF)]


def test_a_refused_large_upload_shows_the_form_with_its_errors(
    live_server, world, birth_registration, sign_in, tmp_path
):
    not_a_pdf = tmp_path / "to-khai.pdf"
    not_a_pdf.write_bytes(b"MZ" + b"\0" * 1_300_000)  # a program, not a scan
    phone = _to_the_attachments(live_server, sign_in, world, birth_registration)
    address = phone.url
    phone.get_by_label(re.compile("^Tờ khai")).set_input_files(str(not_a_pdf))
    phone.get_by_role("button", name="Nộp hồ sơ").click()

    # The answer replaces the page, as the browser's own submission would have shown it.
    expect(phone.get_by_role("heading", level=1)).to_have_text("Kiểm tra lại hồ sơ")
    expect(phone.locator(".error-summary, .notice-error").first).to_be_visible()
    expect(phone.get_by_label(re.compile("^Tờ khai"))).to_have_attribute("aria-invalid", "true")
    assert phone.url == address
    assert Dossier.objects.count() == 0
    # The page's own scripts work again on the new document: the menu opens, and a corrected
    # upload goes with its progress again.
    phone.get_by_role("button", name="Danh mục").click()
    expect(phone.get_by_role("link", name="Tra cứu hồ sơ")).to_be_visible()
    large = tmp_path / "to-khai-scan.pdf"
    large.write_bytes(LARGE_PDF)
    small = tmp_path / "giay-chung-sinh.pdf"
    small.write_bytes(SMALL_PDF)
    posts = _xhr_posts(phone)
    phone.get_by_label(re.compile("^Tờ khai")).set_input_files(str(large))
    phone.get_by_label(re.compile("Giấy chứng sinh")).set_input_files(str(small))
    phone.get_by_role("button", name="Nộp hồ sơ").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ")
    expect(phone).to_have_url(re.compile(r"/ho-so-cua-toi/[^/]+/da-nop/$"))
    assert len(posts) == 1 and Dossier.objects.count() == 1


def _xhr_posts(page: Page) -> list[str]:
    """The addresses the page posts to by script, as they happen."""
    posts: list[str] = []
    page.on(
        "request",
        lambda r: posts.append(r.url) if r.method == "POST" and r.resource_type == "xhr" else None,
    )
    return posts


def test_small_files_and_a_form_that_opts_out_are_sent_by_the_browser_itself(
    live_server, world, birth_registration, sign_in, tmp_path
):
    small = tmp_path / "to-khai.pdf"
    small.write_bytes(SMALL_PDF)
    large = tmp_path / "to-khai-scan.pdf"
    large.write_bytes(LARGE_PDF)
    phone = _to_the_attachments(live_server, sign_in, world, birth_registration)
    posts = _xhr_posts(phone)
    phone.get_by_label(re.compile("^Tờ khai")).set_input_files(str(small))
    phone.get_by_label(re.compile("Giấy chứng sinh")).set_input_files(str(small))
    phone.get_by_role("button", name="Nộp hồ sơ").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ")
    assert posts == []

    phone = _to_the_attachments(live_server, sign_in, world, birth_registration)
    posts = _xhr_posts(phone)
    phone.evaluate(
        "document.querySelector('form[enctype]').setAttribute('data-upload-progress', 'off')"
    )
    phone.get_by_label(re.compile("^Tờ khai")).set_input_files(str(large))
    phone.get_by_label(re.compile("Giấy chứng sinh")).set_input_files(str(small))
    phone.get_by_role("button", name="Nộp hồ sơ").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ")
    assert posts == []
    assert Dossier.objects.count() == 2
