"""The citizen withdraws a dossier on a phone: the offer on the dossier page, the confirmation
page, and the dossier ended with status 7."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from chinhquyen.dossiers.models import Dossier
from conftest import VALID_FORM

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def submitted(world) -> Dossier:
    from chinhquyen.dossiers.services import dossier_submit

    return dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )


def test_a_citizen_withdraws_a_dossier_on_a_phone(
    live_server, world, submitted, sign_in, axe_check, screenshot_dir
):
    page = sign_in(world.citizen, f"/ho-so-cua-toi/{submitted.code}/")
    page.get_by_role("link", name="Rút hồ sơ này").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Rút hồ sơ")
    assert axe_check(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshot_dir / "withdraw-phone.png"), full_page=True)
    page.get_by_label("Lý do rút hồ sơ (không bắt buộc)").fill("Nộp nhầm thủ tục.")
    page.get_by_role("button", name="Xác nhận rút hồ sơ").click()

    expect(page.get_by_role("status")).to_contain_text("Đã rút hồ sơ.")
    expect(page.locator("#dossier-state")).to_have_text("Đã rút hồ sơ")
    expect(page.get_by_role("link", name="Rút hồ sơ này")).to_have_count(0)
    assert axe_check(page) == []
    submitted.refresh_from_db()
    assert (submitted.state, submitted.status_code) == ("withdrawn", 7)
