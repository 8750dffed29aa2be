"""The whole one-stop story in a real browser, through the real pages only.

A citizen applies online on a phone (fill the e-form, save a draft, come back, review, attach,
submit); the counter officer accepts; the leader assigns; the handler asks another agency's
opinion, which answers; the leader approves; the handler finishes; the counter officer uploads
the result file from the dossier page and returns the result; the citizen downloads it from
"Hồ sơ của tôi" and evaluates the service. Only the personas and the procedure come from
fixtures.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from chinhquyen.dossiers.models import Dossier, DossierEvaluation
from tests.browser.conftest import DESKTOP

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RESULT = b"%PDF-1.4\n% Giay khai sinh (ban dien tu)\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def act(page: Page, action: str, comment: str = "", **fields: str) -> None:
    """Take an action from the dossier page's form of that action and wait for the result."""
    form = page.locator(f"#act-{action}")
    folded = page.locator(f"details#act-{action}-d:not([open]) > summary")
    if folded.count():  # the panel folds every action but the first
        folded.click()
    for label, value in fields.items():
        control = form.get_by_label(label)
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(label=value)
        else:
            control.fill(value)
    if comment:
        form.get_by_label("Ý kiến, lý do").fill(comment)
    form.locator("button[type=submit]").first.click()
    expect(page.get_by_role("status").first).to_contain_text("Đã thực hiện")


def test_apply_online_process_return_the_result_and_evaluate(
    live_server, world, sign_in, axe_check, tmp_path, screenshot_dir
):
    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(PDF)
    result_file = tmp_path / "giay-khai-sinh.pdf"
    result_file.write_bytes(RESULT)

    # 1. The citizen finds the procedure typing without diacritics, and applies online, on a phone.
    citizen = sign_in(world.citizen, "/")
    citizen.get_by_label("Tên hoặc mã thủ tục").fill("dang ky khai sinh")
    citizen.get_by_role("button", name="Tìm kiếm").click()
    citizen.get_by_role("link", name="Thủ tục thử nghiệm đăng ký khai sinh").click()
    expect(citizen).to_have_url(f"{live_server.url}/thu-tuc/1.000001/")
    citizen.get_by_label("Nơi nộp hồ sơ").select_option(label=world.agency_a.name)
    citizen.get_by_role("button", name="Nộp trực tuyến").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Nộp hồ sơ trực tuyến")
    citizen.get_by_label("Họ và tên").fill("Nguyễn Văn Bé")
    citizen.get_by_label("Ngày sinh").fill("2026-01-15")
    citizen.get_by_label("Số CCCD").fill("031090001234")
    citizen.get_by_label("Nam", exact=True).check()
    citizen.get_by_role("button", name="Thêm mục").click()
    citizen.get_by_role("group", name="Mục 1").get_by_label("Tên").fill("Nguyễn Thị Mẹ")
    citizen.get_by_role("button", name="Lưu nháp").click()
    expect(citizen.get_by_role("status")).to_contain_text("Đã lưu nháp")

    # The draft is there when the citizen comes back.
    citizen.goto(live_server.url + f"/nop-ho-so/1.000001/?agency={world.agency_a.agency_id}")
    expect(citizen.get_by_role("status")).to_contain_text("Đã khôi phục bản nháp")
    expect(citizen.get_by_label("Họ và tên")).to_have_value("Nguyễn Văn Bé")
    expect(citizen.locator('[name="thanh_vien[0].ten"]')).to_have_value("Nguyễn Thị Mẹ")
    citizen.get_by_role("button", name="Kiểm tra lại").click()

    expect(citizen.get_by_role("heading", level=1)).to_have_text("Kiểm tra lại hồ sơ")
    expect(citizen.get_by_text("15/01/2026")).to_be_visible()
    citizen.get_by_label(re.compile("^Tờ khai")).set_input_files(str(scan))
    citizen.get_by_role("button", name="Nộp hồ sơ").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ")
    code = citizen.locator("#dossier-code").inner_text()
    assert Dossier.objects.get().code == code

    # 2. The counter officer accepts it from the inbox.
    counter = sign_in(world.counter_a, "/can-bo/", viewport=DESKTOP)
    counter.get_by_role("link", name=code).click()
    act(counter, "accept", "Hồ sơ đầy đủ, hợp lệ")
    expect(counter.get_by_test_id("state")).to_have_text("Đã tiếp nhận")

    # 3. The leader assigns the handler.
    leader = sign_in(world.leader_a, f"/can-bo/ho-so/{code}/", viewport=DESKTOP)
    act(leader, "assign", **{"Chuyên viên xử lý": world.handler_a.profile.full_name})
    expect(leader.get_by_test_id("state")).to_have_text("Đang xử lý")

    # 4. The handler processes it and forwards it to another agency for its opinion ...
    handler = sign_in(world.handler_a, "/can-bo/", viewport=DESKTOP)
    handler.get_by_role("link", name=code).click()
    act(
        handler,
        "forward",
        "Đề nghị xác minh nơi cư trú",
        **{"Cơ quan nhận": world.agency_b.name, "Loại": "Lấy ý kiến"},
    )
    expect(handler.get_by_text("Đang chờ")).to_be_visible()
    # ... which answers from its own workspace.
    other = sign_in(world.handler_b, f"/can-bo/ho-so/{code}/", viewport=DESKTOP)
    act(other, "complete_step", "Đã xác minh, thông tin đúng")

    # 5. The leader approves, the handler finishes.
    leader.reload()
    expect(leader.get_by_text("Đã xác minh, thông tin đúng").first).to_be_visible()
    act(leader, "approve", "Đồng ý")
    expect(leader.get_by_test_id("state")).to_have_text("Đã phê duyệt, chờ ban hành kết quả")
    handler.reload()
    act(handler, "finish", **{"Số, ký hiệu kết quả": "123/GKS"})
    expect(handler.get_by_test_id("state")).to_have_text("Đã có kết quả, chờ trả")

    # 6. The counter officer uploads the result file from the dossier page, then returns it.
    counter.reload()
    upload = counter.locator("#result-upload")
    assert axe_check(counter) == []
    upload.get_by_role("button", name="Tải lên kết quả").click()  # no file chosen yet
    expect(upload.get_by_role("alert")).to_contain_text("Chưa chọn tệp kết quả.")
    field = upload.get_by_label("Tệp kết quả (bản điện tử)")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert axe_check(counter) == []
    field.set_input_files(str(result_file))
    upload.get_by_role("button", name="Tải lên kết quả").click()
    expect(counter.get_by_role("status")).to_contain_text("Đã tải lên tệp kết quả")
    expect(
        counter.locator("#ket-qua").get_by_role("link", name="giay-khai-sinh.pdf")
    ).to_be_visible()
    act(counter, "return_result", "Trả kết quả điện tử")
    expect(counter.get_by_test_id("state")).to_have_text("Đã trả kết quả")
    expect(counter.locator("#result-upload")).to_have_count(0)  # the dossier has ended
    counter.screenshot(path=str(screenshot_dir / "story-officer-returned.png"), full_page=True)

    # 7. The citizen downloads the result from "Hồ sơ của tôi" and evaluates.
    citizen.get_by_role("link", name="Hồ sơ của tôi").first.click()
    expect(citizen.get_by_text("Đã trả kết quả").first).to_be_visible()
    citizen.locator(".result", has_text=code).get_by_role("link").click()
    expect(citizen.locator("#dossier-state")).to_have_text("Đã trả kết quả")
    assert axe_check(citizen) == []
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 360
    with citizen.expect_download() as download_info:
        citizen.get_by_role("link", name="Tải kết quả: giay-khai-sinh.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "giay-khai-sinh.pdf"
    assert download.path().read_bytes() == RESULT

    evaluation = citizen.get_by_role("region", name="Đánh giá mức độ hài lòng")
    for fieldset in evaluation.locator("fieldset").all():
        fieldset.get_by_role("radio").first.check()
    evaluation.get_by_label("Góp ý thêm (không bắt buộc)").fill("Cán bộ hướng dẫn tận tình.")
    evaluation.get_by_role("button", name="Gửi đánh giá").click()
    expect(citizen.get_by_text("Cảm ơn bạn đã đánh giá.")).to_be_visible()
    expect(citizen.get_by_role("button", name="Gửi đánh giá")).to_have_count(0)
    citizen.screenshot(path=str(screenshot_dir / "story-citizen-evaluated.png"), full_page=True)

    dossier = Dossier.objects.get()
    assert dossier.state == "returned"
    assert [a for a in dossier.events.order_by("seq").values_list("action", flat=True)] == [
        "submit",
        "accept",
        "assign",
        "forward",
        "complete_step",
        "approve",
        "finish",
        "return_result",
    ]
    evaluation_row = DossierEvaluation.objects.get(dossier=dossier)
    assert evaluation_row.total == 12 and evaluation_row.submitted_by == world.citizen
