"""A feedback from sending to the published answer, in a real browser: an anonymous citizen
sends it from a phone, an officer of the agency accepts, answers and publishes it from a desktop,
and a reader finds the answer, without the sender's personal data, and marks it useful."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from chinhquyen.feedback.models import Feedback
from chinhquyen.feedback.views import DEADLINE_BADGES
from chinhquyen.workdays.calendar import DeadlineState, deadline_state
from tests.browser.conftest import DESKTOP

pytestmark = pytest.mark.django_db(transaction=True)

DESCRIPTION = (
    "Tôi là Trần Thị Mơ, số điện thoại 0987 654 321. Thủ tục khai sinh bắt nộp bản sao "
    "giấy tờ đã có trên cơ sở dữ liệu."
)
ANSWER = "Cảm ơn chị Trần Thị Mơ. Từ tháng sau không yêu cầu bản sao giấy tờ đã có trong CSDL."


def test_a_feedback_goes_from_sending_to_a_published_answer(
    live_server, world, phone, sign_in, axe_check, screenshot_dir
):
    # The citizen sends it, anonymously, from a phone; a missing text is refused first.
    phone.goto(f"{live_server.url}/phan-anh/gui/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Gửi phản ánh, kiến nghị")
    assert axe_check(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_label("Phản ánh, kiến nghị về thủ tục hành chính").check()
    # The procedure is found by its name and chosen, never typed as a code.
    phone.get_by_label("Tên thủ tục").fill("thử nghiệm khai sinh")
    phone.get_by_label("Thủ tục thử nghiệm đăng ký khai sinh").check()
    phone.get_by_role("button", name="Gửi phản ánh").click()
    expect(phone.get_by_role("alert")).to_contain_text("Nội dung phản ánh, kiến nghị")
    expect(phone.get_by_label("Nội dung phản ánh, kiến nghị")).to_have_attribute(
        "aria-invalid", "true"
    )
    assert axe_check(phone) == []
    phone.get_by_label("Nội dung phản ánh, kiến nghị").fill(DESCRIPTION)
    phone.get_by_label("Họ và tên").fill("Trần Thị Mơ")
    phone.get_by_label("Số nhà, đường phố, thôn, tổ dân phố hoặc địa điểm").fill(
        "Bộ phận một cửa phường A"
    )
    phone.get_by_role("button", name="Gửi phản ánh").click()
    code = phone.get_by_test_id("feedback-code").inner_text()
    assert re.fullmatch(r"PA-\d{6}-[A-Z0-9]{6}", code)
    expect(phone.get_by_role("status")).to_contain_text(world.agency_a.name)
    expect(phone.get_by_test_id("track-link")).to_be_visible()
    assert axe_check(phone) == []
    phone.screenshot(path=str(screenshot_dir / "feedback-sent-phone.png"), full_page=True)

    # The officer of agency A finds it in the inbox, with its deadline, and handles it.
    officer = sign_in(world.leader_a, "/phan-anh/can-bo/", viewport=DESKTOP)
    item = officer.locator(".result", has_text=code)
    expect(item).to_contain_text("Chờ tiếp nhận")
    # Two working days to accept: "Trong hạn" or, sent at night or before a day off, already
    # "Sắp đến hạn" — the badge says what the calendar says of this feedback's deadline, never late.
    state = deadline_state(Feedback.objects.get(code=code).due_at)
    assert state != DeadlineState.OVERDUE
    expect(item.locator("[data-deadline]")).to_have_text(str(DEADLINE_BADGES[state][1]))
    assert axe_check(officer) == []
    item.get_by_role("link", name=code).click()
    expect(officer.get_by_test_id("description")).to_contain_text("0987 654 321")
    assert axe_check(officer) == []
    officer.get_by_role("button", name="Tiếp nhận", exact=True).click()
    expect(officer.get_by_test_id("state")).to_have_text("Đang xử lý")
    officer.get_by_label("Nội dung trả lời").fill(ANSWER)
    officer.get_by_role("button", name="Gửi trả lời").click()
    expect(officer.get_by_test_id("state")).to_have_text("Đã trả lời, chờ công khai")
    # The texts to publish come redacted, for the officer to check.
    expect(officer.get_by_label("Nội dung phản ánh (công khai)")).to_have_value(
        re.compile(r"\[họ tên\].*\[số điện thoại\]")
    )
    assert axe_check(officer) == []
    officer.get_by_role("button", name="Công khai trả lời").click()
    expect(officer.get_by_test_id("state")).to_have_text("Đã công khai trả lời")

    # A reader finds the answer on a phone, without the sender's data, and finds it useful.
    phone.goto(f"{live_server.url}/phan-anh/")
    assert axe_check(phone) == []
    phone.locator(".result").first.get_by_role("link").click()
    expect(phone.get_by_test_id("public-answer")).to_contain_text("không yêu cầu bản sao")
    page_text = phone.locator("main").inner_text()
    assert "Trần Thị Mơ" not in page_text and "0987 654 321" not in page_text
    assert "Bộ phận một cửa phường A" not in page_text
    assert axe_check(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_role("button", name=re.compile("^Hữu ích")).click()
    expect(phone.get_by_role("status")).to_contain_text("Cảm ơn bạn đã đánh giá")
    expect(phone.get_by_test_id("useful")).to_have_text("(1)")
    phone.screenshot(path=str(screenshot_dir / "feedback-answer-phone.png"), full_page=True)
