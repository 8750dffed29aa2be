"""A consultation from opening to launch, in the browser: the leader opens it, two citizens vote
and one comments on a phone, the handler moderates and answers, the period ends, the leader puts
the service online, and the public page shows the result."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chinhquyen.catalogue.models import Procedure
from chinhquyen.consultations.models import Consultation
from conftest import procedure_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def offline(world):
    from chinhquyen.catalogue.services import procedure_link_agencies, procedure_save

    procedure_save(
        data=procedure_data("1.000002", online_mode="none", name="Cấp bản sao trích lục")
    )
    procedure = Procedure.objects.get(code="1.000002")
    procedure_link_agencies(procedure=procedure, agencies=[world.agency_a])
    return procedure


def test_a_consultation_from_opening_to_launch(live_server, world, offline, sign_in, axe_check):
    leader = sign_in(world.leader_a, "/y-kien/", viewport={"width": 1280, "height": 900})
    leader.get_by_role("link", name="Mở lấy ý kiến").click()
    leader.get_by_role("button", name="Mở lấy ý kiến").click()  # nothing filled in
    expect(leader.locator("#error-summary")).to_contain_text("Nhập tiêu đề.")
    assert axe_check(leader) == []
    leader.get_by_label("Thủ tục").select_option("1.000002")
    leader.get_by_label("Tiêu đề").fill("Cấp bản sao trích lục trực tuyến")
    leader.get_by_label("Nội dung xin ý kiến").fill("Xin ý kiến về việc nộp và nhận trực tuyến.")
    leader.get_by_label("Toàn trình").check()
    leader.get_by_label("Ngày kết thúc").fill(
        (timezone.localdate() + timedelta(days=10)).isoformat()
    )
    leader.get_by_label("Tỷ lệ đồng ý tối thiểu (%)").fill("60")
    leader.get_by_label("Số phiếu tối thiểu").fill("2")
    leader.get_by_role("button", name="Mở lấy ý kiến").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text("Cấp bản sao trích lục trực tuyến")
    consultation = Consultation.objects.get()

    citizen = sign_in(world.citizen, f"/y-kien/{consultation.pk}/")
    assert axe_check(citizen) == []
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 360
    citizen.get_by_label("Đồng ý", exact=True).check()
    citizen.get_by_label("Có", exact=True).check()
    citizen.get_by_role("button", name="Gửi biểu quyết").click()
    expect(citizen.get_by_role("status")).to_contain_text("Đã ghi nhận biểu quyết")
    citizen.get_by_role("button", name="Gửi biểu quyết").click()  # again: still one vote
    citizen.get_by_label("Nội dung góp ý").fill("Tôi là Congdan (0912 345 678): cần thêm ký số.")
    citizen.get_by_role("button", name="Gửi góp ý").click()
    expect(citizen.get_by_role("status")).to_contain_text("sau khi kiểm duyệt")

    other = sign_in(world.citizen2, f"/y-kien/{consultation.pk}/")
    other.get_by_label("Đồng ý", exact=True).check()
    other.get_by_label("Có thể").check()
    other.get_by_role("button", name="Gửi biểu quyết").click()
    expect(other.get_by_role("status")).to_contain_text("Đã ghi nhận biểu quyết")
    assert consultation.participations.count() == 2

    handler = sign_in(world.handler_a, f"/y-kien/{consultation.pk}/quan-ly/")
    expect(handler.get_by_text("[số điện thoại]")).to_be_visible()
    handler.get_by_role("button", name="Đăng", exact=True).click()
    handler.get_by_role("textbox", name="Trả lời").fill("Cảm ơn, hệ thống sẽ có ký số.")
    handler.get_by_role("button", name="Đăng trả lời").click()
    expect(handler.get_by_role("status")).to_contain_text("Đã đăng câu trả lời.")
    assert axe_check(handler) == []

    # the period ends
    Consultation.objects.filter(pk=consultation.pk).update(
        opens_at=timezone.now() - timedelta(days=11),
        closes_at=timezone.now() - timedelta(seconds=1),
    )
    leader.goto(f"{live_server.url}/y-kien/{consultation.pk}/quan-ly/")
    leader.get_by_label("Số quyết định").fill("15/QĐ-UBND")
    leader.get_by_label("Ngày quyết định").fill(timezone.localdate().isoformat())
    leader.get_by_role("button", name="Đưa lên trực tuyến").click()
    expect(leader.get_by_role("status")).to_contain_text("Dịch vụ đã được đưa lên trực tuyến.")

    public = sign_in(world.outsider, f"/y-kien/{consultation.pk}/")
    expect(public.locator("#result-title")).to_be_visible()
    body = public.locator("main").inner_text()
    assert "2 phiếu: 2 đồng ý, 0 không đồng ý" in body
    assert "15/QĐ-UBND" in body and "cần thêm ký số" in body and "hệ thống sẽ có ký số" in body
    assert "0912" not in body and "Congdan" not in body
    assert Procedure.objects.get(code="1.000002").current.online_mode == "full"
