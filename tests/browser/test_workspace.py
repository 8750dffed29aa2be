"""The officer workspace in a real browser, on a desktop screen where officers work."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD, VALID_FORM
from tests.browser.conftest import DESKTOP

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


def test_a_counter_officer_receives_a_paper_dossier_through_the_e_form(
    live_server, world, sign_in, axe_check, tmp_path, screenshot_dir
):
    from chinhquyen.dossiers.models import Dossier

    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page = sign_in(world.counter_a, "/can-bo/", viewport=DESKTOP)
    page.get_by_role("link", name="Tiếp nhận hồ sơ").click()
    page.get_by_label("Thủ tục", exact=True).select_option("1.000001")
    page.get_by_role("button", name="Chọn thủ tục").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("1.000001")
    assert axe_check(page) == []

    applicant = page.get_by_role("group", name="Người nộp hồ sơ")
    applicant.get_by_label("Số CCCD").fill("031090002222")
    applicant.get_by_label("Số điện thoại").fill("0912000222")
    form = page.get_by_role("group", name="Tờ khai")
    form.get_by_label("Ngày sinh").fill("2026-02-01")
    form.get_by_label("Nữ", exact=True).check()
    form.get_by_role("button", name="Thêm mục").click()
    page.get_by_role("group", name="Mục 1").get_by_label("Tên").fill("Lê Văn Cha")
    page.get_by_label("Bản quét: Tờ khai").set_input_files(str(scan))
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()

    # Missing names: one summary linking to each field; what was typed is all still there.
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Họ và tên người nộp")
    expect(summary).to_contain_text("Họ và tên: Bắt buộc nhập.")
    expect(page.locator("#files-lost")).to_be_visible()  # the scan must be chosen again
    expect(applicant.get_by_label("Số CCCD")).to_have_value("031090002222")
    expect(form.get_by_label("Ngày sinh")).to_have_value("2026-02-01")
    expect(form.get_by_label("Nữ", exact=True)).to_be_checked()
    expect(page.get_by_role("group", name="Mục 1").get_by_label("Tên")).to_have_value("Lê Văn Cha")
    expect(page.get_by_label("Đã nhận và kiểm tra: Tờ khai")).to_be_checked()  # from the scan
    assert axe_check(page) == []
    summary.get_by_role("link", name="Họ và tên người nộp").click()
    expect(page.get_by_label("Họ và tên người nộp")).to_be_focused()
    page.screenshot(path=str(screenshot_dir / "intake-errors-desktop.png"), full_page=True)

    page.get_by_label("Họ và tên người nộp").fill("Lê Thị Nộp")
    page.get_by_role("group", name="Tờ khai").get_by_label("Họ và tên").fill("Lê Bé Na")
    page.get_by_label("Bản quét: Tờ khai").set_input_files(str(scan))
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Đã tiếp nhận hồ sơ")
    expect(page.get_by_test_id("state")).to_have_text("Đã tiếp nhận")
    dossier = Dossier.objects.get()
    assert (dossier.channel, dossier.applicant_name) == (1, "Lê Thị Nộp")
    assert dossier.form_data == {
        "ho_ten": "Lê Bé Na",
        "ngay_sinh": "2026-02-01",
        "gioi_tinh": "nu",
        "thanh_vien": [{"ten": "Lê Văn Cha"}],
    }
    assert list(dossier.files.values_list("document_code", flat=True)) == ["to-khai"]
    expect(page.get_by_role("link", name="to-khai.pdf")).to_be_visible()
