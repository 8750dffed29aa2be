"""The officer workspace in a real browser: on the wide screen where officers work and on a phone.

The officer layout (its own header: the agency, who is signed in, one sign-out, folding into a
menu on a phone), the dossier page with its action panel, destructive actions confirmed in a
dialog (and, without JavaScript, on a confirmation page), and every workspace page at 390 and
1366 px: no sideways scrolling, no serious or critical axe violation.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import PASSWORD, VALID_FORM
from tests.browser.conftest import TIMEOUT_MS

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1366, "height": 900}
PHONE_390 = {"width": 390, "height": 844}
NAMES = {
    "counter_a": "Trần Thị Bình",
    "handler_a": "Lê Văn Cường",
    "leader_a": "Phạm Thị Dung",
    "handler_b": "Đỗ Minh Châu",
}


@pytest.fixture
def officers(world):
    """The personas with the full names people have (the root conftest's are usernames)."""
    for persona, name in NAMES.items():
        profile = getattr(world, persona).profile
        profile.full_name = name
        profile.save()
    return world


@pytest.fixture
def submitted_dossier(world):
    from chinhquyen.dossiers.services import dossier_submit

    return dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )


def no_sideways_scroll(page: Page) -> bool:
    width = page.viewport_size["width"]
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_counter_officer_accepts_a_dossier_from_the_inbox(
    live_server, officers, submitted_dossier, sign_in, axe_check, screenshot_dir
):
    world = officers
    desktop = sign_in(world.counter_a, "/can-bo/", viewport=WIDE)

    expect(desktop.get_by_role("heading", level=1)).to_have_text("Hồ sơ cần tôi xử lý")
    header = desktop.locator("header.ws-header")
    expect(header.get_by_test_id("signed-in")).to_contain_text("Trần Thị Bình")
    expect(header.get_by_test_id("signed-in")).to_contain_text("Cán bộ một cửa")
    expect(header.get_by_test_id("ws-agency")).to_have_text(world.agency_a.name)
    expect(desktop.get_by_role("button", name="Đăng xuất")).to_have_count(1)
    expect(desktop.get_by_role("link", name="Hồ sơ của tôi")).to_have_count(0)
    expect(header.get_by_role("link", name="Liên thông văn bản")).to_be_visible()
    assert axe_check(desktop) == []
    desktop.screenshot(path=str(screenshot_dir / "workspace-inbox-desktop.png"), full_page=True)

    # The keyboard: "/" goes to the search, "j" to the first dossier, Enter opens it.
    desktop.keyboard.press("/")
    expect(desktop.get_by_label("Mã hồ sơ hoặc tên người nộp")).to_be_focused()
    desktop.locator("main h1").click()
    desktop.keyboard.press("j")
    expect(desktop.get_by_role("link", name=submitted_dossier.code)).to_be_focused()
    desktop.keyboard.press("Enter")

    expect(desktop.get_by_role("heading", level=1)).to_contain_text(submitted_dossier.code)
    expect(desktop.get_by_test_id("state")).to_have_text("Mới đăng ký")
    # The panel beside the content, the accept form first, the destructive actions folded.
    panel = desktop.get_by_role("complementary", name="Thao tác")
    summary = desktop.locator(".ws-dossier-summary").bounding_box()
    assert panel.bounding_box()["x"] > summary["x"] + summary["width"]
    expect(panel.locator("#act-accept")).to_be_visible()
    expect(panel.locator("#act-refuse")).to_be_hidden()
    expect(panel.get_by_text("Thao tác cần xác nhận")).to_be_visible()
    expect(desktop.locator("#result-upload")).to_have_count(0)  # nothing to attach yet
    expect(desktop.get_by_text("15/01/2026")).to_be_visible()  # the e-form's date
    assert axe_check(desktop) == []

    accept = desktop.locator("#act-accept")
    accept.get_by_label("Ý kiến, lý do").fill("Hồ sơ đầy đủ")
    accept.get_by_role("button", name="Tiếp nhận").click()

    expect(desktop.get_by_role("status")).to_contain_text("Trạng thái hồ sơ: Đã tiếp nhận")
    expect(desktop.get_by_test_id("state")).to_have_text("Đã tiếp nhận")
    expect(desktop.locator("#act-accept")).to_have_count(0)
    expect(desktop.get_by_text("Trong hạn").first).to_be_visible()
    history = desktop.locator(".ws-history tbody tr").last
    expect(history.get_by_test_id("actor")).to_contain_text("Trần Thị Bình")
    expect(history.get_by_test_id("actor")).to_contain_text("Cán bộ một cửa")
    expect(history).to_contain_text(re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}"))
    # The panel stays in view while the officer reads the dossier.
    desktop.mouse.wheel(0, 1500)
    expect(desktop.get_by_role("complementary", name="Thao tác")).to_be_in_viewport()
    desktop.screenshot(path=str(screenshot_dir / "workspace-dossier-desktop.png"), full_page=True)


def test_a_destructive_action_is_confirmed_in_a_dialog(
    live_server, officers, submitted_dossier, sign_in, axe_check, screenshot_dir
):
    from chinhquyen.dossiers.models import Dossier

    code = submitted_dossier.code
    page = sign_in(officers.counter_a, f"/can-bo/ho-so/{code}/", viewport=WIDE)
    page.locator("#act-refuse-d > summary").click()
    form = page.locator("#act-refuse")
    form.get_by_label("Ý kiến, lý do").fill("Không thuộc thẩm quyền của phường")
    form.get_by_role("button", name="Từ chối tiếp nhận").click()

    dialog = page.get_by_role("dialog", name="Xác nhận: Từ chối tiếp nhận")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Hồ sơ chuyển sang trạng thái “Không tiếp nhận”.")
    expect(dialog).to_contain_text("không thể hoàn tác")
    expect(dialog).to_contain_text("Không thuộc thẩm quyền của phường")
    expect(dialog.get_by_role("button", name="Quay lại")).to_be_focused()  # the safe default
    assert axe_check(page) == []
    page.screenshot(path=str(screenshot_dir / "workspace-confirm-dialog-desktop.png"))

    dialog.get_by_role("button", name="Quay lại").click()
    expect(dialog).to_be_hidden()
    expect(form.get_by_role("button", name="Từ chối tiếp nhận")).to_be_focused()
    form.get_by_role("button", name="Từ chối tiếp nhận").click()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert Dossier.objects.get(pk=submitted_dossier.pk).state == "submitted"

    form.get_by_role("button", name="Từ chối tiếp nhận").click()
    dialog.get_by_role("button", name="Xác nhận: Từ chối tiếp nhận").click()
    expect(page.get_by_test_id("state")).to_have_text("Không tiếp nhận")
    expect(page.get_by_role("status")).to_contain_text("Đã thực hiện “Từ chối tiếp nhận”")


def test_without_javascript_the_server_asks_for_the_confirmation(
    live_server, officers, submitted_dossier, browser, screenshot_dir
):
    from chinhquyen.dossiers.models import Dossier

    context = browser.new_context(viewport=PHONE_390, locale="vi-VN", java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    code = submitted_dossier.code
    try:
        page.goto(f"{live_server.url}/dang-nhap/?next=/can-bo/ho-so/{code}/")
        page.locator("#id_username").fill(officers.counter_a.username)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/can-bo/ho-so/{code}/")
        # Without JavaScript the header's menu is simply open: every link and the sign-out.
        expect(page.get_by_role("button", name="Danh mục")).to_be_hidden()
        expect(page.get_by_role("link", name="Thống kê")).to_be_visible()
        expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()

        page.locator("#act-refuse-d > summary").click()
        page.locator("#act-refuse").get_by_role("button", name="Từ chối tiếp nhận").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Xác nhận: Từ chối tiếp nhận")
        expect(page.locator("#consequence")).to_contain_text("Mẫu 03")
        assert Dossier.objects.get(pk=submitted_dossier.pk).state == "submitted"
        assert no_sideways_scroll(page)
        # (axe needs JavaScript's timers: the every-page test runs it on this page.)
        page.screenshot(path=str(screenshot_dir / "workspace-confirm-page-390.png"), full_page=True)

        confirm = page.get_by_role("button", name="Xác nhận: Từ chối tiếp nhận")
        confirm.click()  # no reason yet: the confirmation comes back with the message
        expect(page.get_by_role("alert")).to_contain_text("Cần ghi rõ lý do không tiếp nhận.")
        expect(page.get_by_label("Ý kiến, lý do")).to_have_attribute("aria-invalid", "true")
        page.get_by_label("Ý kiến, lý do").fill("Hồ sơ nộp nhầm cơ quan")
        confirm.click()

        expect(page.get_by_test_id("state")).to_have_text("Không tiếp nhận")
        assert Dossier.objects.get(pk=submitted_dossier.pk).state == "refused"
    finally:
        context.close()


def test_the_header_folds_into_a_menu_on_a_phone(
    live_server, officers, sign_in, axe_check, screenshot_dir
):
    page = sign_in(officers.leader_a, "/can-bo/", viewport=PHONE_390)
    menu = page.get_by_role("button", name="Danh mục")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="Thống kê")).to_be_hidden()
    header = page.locator("header.ws-header").bounding_box()
    assert header["height"] < 130  # the header is not three lines of links
    assert axe_check(page) == []

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="Đánh giá cán bộ")).to_be_visible()
    expect(page.get_by_test_id("signed-in")).to_contain_text("Phạm Thị Dung")
    expect(page.get_by_test_id("signed-in")).to_contain_text("Lãnh đạo phê duyệt")
    expect(page.get_by_role("button", name="Đăng xuất")).to_have_count(1)
    assert axe_check(page) == []
    assert no_sideways_scroll(page)
    page.screenshot(path=str(screenshot_dir / "workspace-menu-390.png"))
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()


@pytest.fixture
def workspace_data(officers):
    """Something on every page: a new dossier, one in process with an inter-agency step and a
    history, a feedback, and both registers of the document axis."""
    from chinhquyen.dossiers.services import dossier_act, dossier_submit
    from chinhquyen.exchange.services import RegisterLineIn, register_import
    from chinhquyen.feedback.services import feedback_submit

    world = officers
    new = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
    )
    busy = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data={**VALID_FORM, "ho_ten": "Nguyễn Thị Một Cái Tên Rất Dài Để Thử Xuống Dòng"},
    )
    dossier_act(user=world.counter_a, code=busy.code, action="accept", comment="Đủ giấy tờ")
    dossier_act(
        user=world.leader_a, code=busy.code, action="assign", params={"assignee": "chuyenvien"}
    )
    dossier_act(
        user=world.handler_a,
        code=busy.code,
        action="forward",
        params={"agency": world.agency_b.agency_id, "days": 2, "kind": "consult"},
        comment="Đề nghị cho ý kiến về nơi cư trú của người được khai sinh",
    )
    feedback, _ = feedback_submit(
        kind="co-quan",
        agency_id=world.agency_a.agency_id,
        title="Thái độ tiếp dân",
        description="Cán bộ hẹn trả kết quả nhưng chưa trả, đề nghị kiểm tra.",
        sender_name="Trần Thị Mơ",
    )
    at = timezone.now() - dt.timedelta(days=2)
    agency_a, agency_b = world.agency_a.agency_id, world.agency_b.agency_id
    for direction, number in (("in", "12"), ("out", "34")):
        register_import(
            agency_id=agency_a,
            direction=direction,
            lines=[
                RegisterLineIn(
                    document_id=f"{agency_b},2026/12/01,{number}/UBND-VP",
                    counterpart_id=agency_b,
                    at=at,
                    code_number=number,
                    code_notation="UBND-VP",
                    promulgation_date=at.date(),
                    subject="Về việc phối hợp xác minh nơi cư trú của công dân đăng ký khai sinh",
                )
            ],
            source="browser-test",
        )
    return {"new": new, "busy": busy, "feedback": feedback}


@pytest.mark.parametrize("viewport", [WIDE, PHONE_390], ids=["1366", "390"])
def test_every_workspace_page_fits_the_screen_and_passes_axe(
    live_server, officers, workspace_data, sign_in, axe_check, screenshot_dir, viewport
):
    world = officers
    new, busy, feedback = (workspace_data[k] for k in ("new", "busy", "feedback"))
    pages = {
        "counter_a": [
            ("inbox", "/can-bo/"),
            ("inbox-all", "/can-bo/?xem=tat-ca"),
            ("dossier-new", f"/can-bo/ho-so/{new.code}/"),
            ("intake", "/can-bo/tiep-nhan/?procedure=1.000001"),
            ("dashboard", "/can-bo/thong-ke/"),
            ("kiosk-enable", "/can-bo/may-danh-gia/"),
            ("feedback-inbox", "/phan-anh/can-bo/"),
            ("feedback-detail", f"/phan-anh/can-bo/{feedback.code}/"),
            ("registers-in", "/lien-thong/?so=in"),
            ("registers-out", "/lien-thong/?so=out"),
        ],
        "leader_a": [
            ("dossier-in-process", f"/can-bo/ho-so/{busy.code}/"),
            ("staff-scores", "/can-bo/danh-gia-can-bo/"),
        ],
        "handler_b": [("dossier-forwarded", f"/can-bo/ho-so/{busy.code}/")],
    }
    width = viewport["width"]
    problems = []
    for persona, paths in pages.items():
        page = sign_in(getattr(world, persona), paths[0][1], viewport=viewport)
        for name, path in paths:
            page.goto(live_server.url + path)
            expect(page.locator("header.ws-header")).to_be_visible()
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                problems.append(f"{path}: {scroll} px wide at {width} px")
            violations = axe_check(page)
            if violations:
                problems.append(f"{path} at {width} px: {violations}")
            page.screenshot(
                path=str(screenshot_dir / f"workspace-{name}-{width}.png"), full_page=True
            )
        if persona == "counter_a":
            # The confirmation page of a destructive action (the reason not typed yet).
            page.goto(f"{live_server.url}/can-bo/ho-so/{new.code}/")
            page.locator("#act-refuse-d > summary").click()
            page.locator("#act-refuse").get_by_role("button", name="Từ chối tiếp nhận").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Xác nhận: Từ chối tiếp nhận")
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                problems.append(f"confirmation: {scroll} px wide at {width} px")
            if violations := axe_check(page):
                problems.append(f"confirmation at {width} px: {violations}")
            page.screenshot(path=str(screenshot_dir / f"workspace-confirm-{width}.png"))
    assert problems == []


def test_the_registers_name_agencies_and_read_dates_the_vietnamese_way(
    live_server, officers, workspace_data, sign_in
):
    page = sign_in(officers.counter_a, "/can-bo/", viewport=PHONE_390)
    page.get_by_role("button", name="Danh mục").click()
    page.get_by_role("link", name="Liên thông văn bản").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Văn bản liên thông")
    sender = page.get_by_test_id("counterpart").first
    expect(sender).to_contain_text(officers.agency_b.name)
    expect(sender).to_contain_text(officers.agency_b.agency_id)
    row = page.locator("tr[data-document-id]").first
    expect(row).to_contain_text(re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}"))
    expect(row).to_contain_text("12/UBND-VP")
    expect(page.get_by_role("region", name="Số liệu liên thông")).to_contain_text(
        officers.agency_a.name
    )
    assert no_sideways_scroll(page)


def test_a_counter_officer_receives_a_paper_dossier_through_the_e_form(
    live_server, world, sign_in, axe_check, tmp_path, screenshot_dir
):
    from chinhquyen.dossiers.models import Dossier

    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page = sign_in(world.counter_a, "/can-bo/", viewport=WIDE)
    page.locator("header.ws-header").get_by_role("link", name="Tiếp nhận").click()
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
