"""The citizen portal in a real browser, on the phone viewport it is built for first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from chinhquyen.catalogue.models import Field
from chinhquyen.demo.services import CATALOGUE_FILE
from conftest import VALID_FORM

pytestmark = pytest.mark.django_db(transaction=True)

PERMIT_CODE = "1.013225"  # Cấp giấy phép xây dựng mới … nhà ở riêng lẻ (demo catalogue)


@pytest.fixture
def catalogue(world):
    """The demo catalogue, imported through the real service beside the personas' world."""
    from chinhquyen.catalogue.services import catalogue_import

    report = catalogue_import(file_name=CATALOGUE_FILE.name, content=CATALOGUE_FILE.read_bytes())
    assert report.ok, [str(e) for e in report.errors]
    assert Field.objects.filter(code="xay-dung").exists()
    return world


@pytest.fixture
def accepted_dossier(world):
    from chinhquyen.dossiers.services import dossier_act, dossier_submit

    dossier = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    return dossier_act(user=world.counter_a, code=dossier.code, action="accept")


def test_a_citizen_finds_the_construction_permit_without_diacritics_on_a_phone(
    live_server, catalogue, phone: Page, screenshot_dir
):
    phone.goto(live_server.url + "/")
    expect(phone.locator("html")).to_have_attribute("lang", "vi")
    phone.screenshot(path=str(screenshot_dir / "home-phone.png"))  # the first screen

    phone.get_by_label("Tên hoặc mã thủ tục").fill("giay phep xay dung")
    phone.get_by_role("button", name="Tìm kiếm").click()

    expect(phone).to_have_url(re.compile(r"\?q=giay\+phep\+xay\+dung"))
    results = phone.locator(".result")
    expect(results.first).to_be_visible()
    names = results.locator("h3").all_inner_texts()
    # Ranked: the two construction permits first, other permits after them.
    assert all("giấy phép xây dựng" in n.lower() for n in names[:2]), names
    assert not any("giấy phép xây dựng" in n.lower() for n in names[2:]), names
    phone.screenshot(path=str(screenshot_dir / "search-phone.png"), full_page=True)

    link = phone.get_by_role(
        "link", name=re.compile("Cấp giấy phép xây dựng mới đối với công trình cấp III")
    )
    link.click()
    expect(phone).to_have_url(live_server.url + f"/thu-tuc/{PERMIT_CODE}/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Cấp giấy phép xây dựng mới")
    for heading in (
        "Trình tự thực hiện",
        "Cách thức thực hiện",
        "Thành phần hồ sơ",
        "Thời hạn giải quyết",
        "Đối tượng thực hiện",
        "Cơ quan thực hiện",
        "Phí, lệ phí",
        "Căn cứ pháp lý",
        "Nơi tiếp nhận hồ sơ",
    ):
        expect(phone.get_by_role("heading", level=2, name=heading)).to_be_visible()
    # Listed where the dossier is received (the name is also an option of "Nộp trực tuyến").
    expect(
        phone.locator("section.card li strong", has_text=catalogue.agency_a.name)
    ).to_be_visible()
    # Nothing wider than the phone: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(screenshot_dir / "procedure-phone.png"), full_page=True)


def test_the_public_lookup_shows_progress_and_nothing_personal(
    live_server, accepted_dossier, world, phone: Page, screenshot_dir
):
    phone.goto(live_server.url + "/tra-cuu/")
    phone.get_by_label("Mã hồ sơ").fill(accepted_dossier.code)
    phone.get_by_role("button", name="Tra cứu").click()

    # The address the form leads to is the one the receipt's QR code holds.
    expect(phone).to_have_url(live_server.url + f"/tra-cuu/{accepted_dossier.code}")
    expect(phone.get_by_role("heading", level=1)).to_contain_text(accepted_dossier.code)
    expect(phone.locator(".status")).to_contain_text("Đã tiếp nhận")
    expect(phone.locator('[aria-current="step"]')).to_contain_text("Tiếp nhận")
    expect(phone.get_by_text("Trong hạn")).to_be_visible()
    phone.screenshot(path=str(screenshot_dir / "lookup-phone.png"), full_page=True)

    text = phone.locator("body").inner_text()
    citizen = world.citizen
    for personal in (
        citizen.profile.full_name,
        citizen.username,
        "031090001234",
        "0912345678",
        citizen.email,
        VALID_FORM["ho_ten"],
    ):
        assert personal and personal not in text, personal

    # With a trailing slash too.
    phone.goto(live_server.url + f"/tra-cuu/{accepted_dossier.code}/")
    expect(phone.locator(".status")).to_contain_text("Đã tiếp nhận")


def test_an_unknown_dossier_code_says_so_in_vietnamese(live_server, world, phone: Page):
    response = phone.goto(live_server.url + "/tra-cuu/000.01.31.H26-260101-9999")
    assert response is not None and response.status == 404
    expect(phone.get_by_role("alert")).to_contain_text("Không tìm thấy hồ sơ")


def test_the_language_switch_shows_english_and_back(live_server, catalogue, phone: Page):
    phone.goto(live_server.url + f"/thu-tuc/{PERMIT_CODE}/")
    phone.get_by_role("button", name="English").click()

    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone).to_have_url(live_server.url + f"/thu-tuc/{PERMIT_CODE}/")
    expect(phone.get_by_role("heading", level=2, name="Required documents")).to_be_visible()
    phone.locator("[data-menu-toggle]").click()  # on a phone the menu folds behind a button
    phone.get_by_role("link", name="Track a dossier").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Track the progress of a dossier")

    phone.get_by_role("button", name="Tiếng Việt").click()
    expect(phone.locator("html")).to_have_attribute("lang", "vi")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Tra cứu tiến độ hồ sơ")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_every_page_has_no_serious_accessibility_violations(
    live_server, catalogue, accepted_dossier, new_context, axe_check, viewport
):
    from tests.browser.conftest import DESKTOP, PHONE

    page = new_context(viewport=PHONE if viewport == "phone" else DESKTOP).new_page()
    pages = {
        "home": "/",
        "search results": "/?q=giay+phep+xay+dung",
        "no results": "/?q=khong+co+thu+tuc+nay",
        "procedure": f"/thu-tuc/{PERMIT_CODE}/",
        "lookup": "/tra-cuu/",
        "lookup result": f"/tra-cuu/{accepted_dossier.code}/",
        "unknown procedure": "/thu-tuc/9.999999/",
    }
    found = {}
    for name, path in pages.items():
        page.goto(live_server.url + path)
        violations = axe_check(page)
        if violations:
            found[name] = violations
    assert not found, found


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(live_server, world, phone: Page):
    phone.goto(live_server.url + "/")
    phone.keyboard.press("Tab")
    skip = phone.get_by_role("link", name="Bỏ qua, đến nội dung chính")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    phone.keyboard.press("Enter")
    expect(phone).to_have_url(re.compile(r"#main$"))


def test_the_search_box_suggests_procedures_and_the_keyboard_opens_one(
    live_server, catalogue, phone: Page
):
    phone.goto(live_server.url + "/")
    box = phone.get_by_role("combobox", name="Tên hoặc mã thủ tục")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("giay phep xay dung", delay=20)
    options = phone.get_by_role("option")
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    assert all("giấy phép xây dựng" in n.lower() for n in options.all_inner_texts()[:2])
    expect(phone.locator("#q-suggest-status")).to_contain_text("gợi ý")
    box.press("ArrowDown")
    first = options.first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    url = first.get_attribute("data-url")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("ArrowDown")  # the list comes back with the same suggestions
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("Enter")
    expect(phone).to_have_url(live_server.url + url)
    expect(phone.get_by_role("heading", level=1)).to_contain_text("giấy phép xây dựng")


def test_the_results_say_what_else_was_searched_and_why_on_a_phone(
    live_server, catalogue, phone: Page, screenshot_dir
):
    phone.goto(live_server.url + "/")
    phone.get_by_label("Tên hoặc mã thủ tục").fill("cong chung ban sao")
    phone.get_by_role("button", name="Tìm kiếm").click()

    hints = phone.locator(".search-hints")
    expect(hints).to_contain_text("tìm cả: chứng thực")
    expect(hints.locator(".note")).to_contain_text("tổ chức hành nghề công chứng")
    expect(phone.locator(".result h3").first).to_contain_text("Chứng thực bản sao từ bản chính")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    phone.screenshot(path=str(screenshot_dir / "search-synonym-phone.png"), full_page=True)

    phone.get_by_label("Tên hoặc mã thủ tục").fill("khai snh")
    phone.get_by_role("button", name="Tìm kiếm").click()
    phone.get_by_role("link", name="khai sinh", exact=True).click()
    expect(phone).to_have_url(re.compile(r"\?q=khai%20sinh$"))
    expect(phone.locator(".result h3").first).to_have_text("Thủ tục đăng ký khai sinh")
