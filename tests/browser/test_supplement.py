"""The supplement round trip in a real browser: the officer asks, the citizen sends the papers
from "Hồ sơ của tôi" on a phone, and the dossier comes back with its time limit restarted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chinhquyen.dossiers.models import Dossier
from chinhquyen.workdays.text import deadline_text
from conftest import VALID_FORM
from tests.browser.conftest import DESKTOP

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REASON = "Bổ sung bản sao căn cước của người đi khai sinh."


@pytest.fixture
def accepted_a_week_ago(world) -> Dossier:
    """A dossier accepted seven days ago, so a restarted time limit ends later than the first."""
    from chinhquyen.dossiers.services import dossier_act, dossier_submit

    week_ago = timezone.now() - dt.timedelta(days=7)
    dossier = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        at=week_ago,
    )
    return dossier_act(user=world.counter_a, code=dossier.code, action="accept", at=week_ago)


def test_the_officer_asks_for_a_supplement_and_the_citizen_sends_it(
    live_server, world, accepted_a_week_ago, sign_in, axe_check, tmp_path, screenshot_dir
):
    code = accepted_a_week_ago.code
    first_due = accepted_a_week_ago.due_at
    scan = tmp_path / "cccd.pdf"
    scan.write_bytes(PDF)
    not_a_pdf = tmp_path / "cccd.pdf.exe"
    not_a_pdf.write_bytes(b"MZ\x90\x00 not a document")

    # The officer asks, with the reason.
    officer = sign_in(world.counter_a, f"/can-bo/ho-so/{code}/", viewport=DESKTOP)
    officer.locator("#act-request_supplement-d > summary").click()  # among the confirmed ones
    form = officer.locator("#act-request_supplement")
    form.get_by_label("Ý kiến, lý do").fill(REASON)
    form.get_by_role("button", name="Yêu cầu bổ sung").click()
    officer.get_by_role("dialog").get_by_role("button", name="Xác nhận: Yêu cầu bổ sung").click()
    expect(officer.get_by_test_id("state")).to_have_text("Chờ bổ sung hồ sơ")
    expect(officer.get_by_text("Tạm dừng").first).to_be_visible()

    # The citizen sees it in "Hồ sơ của tôi" ...
    citizen = sign_in(world.citizen, "/ho-so-cua-toi/")
    item = citizen.locator(".result", has_text=code)
    expect(item).to_contain_text("Cần bổ sung hồ sơ")
    item.get_by_role("link").click()
    supplement = citizen.get_by_role("region", name="Nộp bổ sung hồ sơ")
    expect(supplement).to_contain_text(REASON)
    assert axe_check(citizen) == []
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 360

    # ... a wrong file is refused in Vietnamese, next to its field, the note kept ...
    supplement.get_by_label("Căn cước").set_input_files(str(not_a_pdf))
    supplement.get_by_label("Ghi chú cho cán bộ").fill("Gửi bản sao căn cước.")
    supplement.get_by_role("button", name="Nộp bổ sung").click()
    expect(citizen.get_by_role("alert")).to_contain_text("Chỉ nhận PDF, JPEG hoặc PNG")
    field = citizen.get_by_label("Căn cước")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", "f-file-cccd-error")
    expect(citizen.get_by_label("Ghi chú cho cán bộ")).to_have_value("Gửi bản sao căn cước.")
    assert axe_check(citizen) == []
    citizen.screenshot(path=str(screenshot_dir / "supplement-error-phone.png"), full_page=True)

    # ... and the right one is taken.
    citizen.get_by_label("Căn cước").set_input_files(str(scan))
    citizen.get_by_role("button", name="Nộp bổ sung").click()
    expect(citizen.get_by_role("status")).to_contain_text("Đã nộp bổ sung hồ sơ.")
    expect(citizen.locator("#dossier-state")).to_have_text("Đã tiếp nhận")
    expect(citizen.get_by_role("region", name="Nộp bổ sung hồ sơ")).to_have_count(0)

    # The officer sees the dossier back, with the time limit counted again from today.
    dossier = Dossier.objects.get(pk=accepted_a_week_ago.pk)
    assert dossier.state == "accepted" and dossier.paused_at is None
    assert dossier.due_at > first_due
    new_due = deadline_text(dossier.due_at)  # "17:00 thứ Hai 14/12": the close of the day
    officer.reload()
    expect(officer.get_by_test_id("state")).to_have_text("Đã tiếp nhận")
    expect(officer.locator(".summary")).to_contain_text(new_due)
    expect(officer.locator(".summary")).to_contain_text("Trong hạn")
    last = officer.locator(".ws-table tbody tr").last
    expect(last).to_contain_text("Nộp bổ sung")
    expect(last).to_contain_text("Gửi bản sao căn cước.")
    expect(last.get_by_test_id("clock-note")).to_have_text(
        "Thời hạn giải quyết được tính lại từ đầu."
    )
    expect(officer.get_by_role("link", name="cccd.pdf")).to_be_visible()
    officer.screenshot(path=str(screenshot_dir / "supplement-back-officer.png"), full_page=True)
