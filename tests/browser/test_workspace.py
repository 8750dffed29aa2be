"""The officer workspace in a real browser, on a desktop screen where officers work."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD, VALID_FORM

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def submitted_dossier(world):
    from chinhquyen.dossiers.services import dossier_submit

    return dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )


def test_a_counter_officer_accepts_a_dossier_from_the_inbox(
    live_server, world, submitted_dossier, desktop: Page, axe_check, screenshot_dir
):
    desktop.goto(live_server.url + "/dang-nhap/?next=/can-bo/")
    desktop.locator("#id_username").fill(world.counter_a.username)
    desktop.locator("#id_password").fill(PASSWORD)
    desktop.locator("main form button[type=submit]").click()

    expect(desktop).to_have_url(live_server.url + "/can-bo/")
    expect(desktop.get_by_role("heading", level=1)).to_have_text("Hồ sơ cần tôi xử lý")
    assert axe_check(desktop) == []
    desktop.screenshot(path=str(screenshot_dir / "workspace-inbox-desktop.png"), full_page=True)

    desktop.get_by_role("link", name=submitted_dossier.code).click()
    expect(desktop.get_by_role("heading", level=1)).to_contain_text(submitted_dossier.code)
    expect(desktop.get_by_test_id("state")).to_have_text("Mới đăng ký")
    assert axe_check(desktop) == []

    accept = desktop.locator("#act-accept")
    accept.get_by_label("Ý kiến, lý do").fill("Hồ sơ đầy đủ")
    accept.get_by_role("button", name="Tiếp nhận").click()

    expect(desktop.get_by_role("status")).to_contain_text("Trạng thái hồ sơ: Đã tiếp nhận")
    expect(desktop.get_by_test_id("state")).to_have_text("Đã tiếp nhận")
    expect(desktop.locator("#act-accept")).to_have_count(0)
    expect(desktop.get_by_text("Trong hạn").first).to_be_visible()
    desktop.screenshot(path=str(screenshot_dir / "workspace-dossier-desktop.png"), full_page=True)
