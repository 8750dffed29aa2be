"""The evaluation kiosk on a counter's tablet: the counter officer switches it on, an applicant
scans the receipt's QR (the scanner types its address) and scores the dossier with large buttons."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from chinhquyen.dossiers.models import DossierEvaluation
from chinhquyen.dossiers.tests.test_evaluation import returned

pytestmark = pytest.mark.django_db(transaction=True)
TABLET = {"width": 800, "height": 1280}


def test_an_applicant_scores_a_dossier_on_the_kiosk(live_server, world, sign_in, axe_check):
    dossier = returned(world)
    page = sign_in(world.counter_a, "/can-bo/may-danh-gia/", viewport=TABLET)
    page.get_by_role("button", name="Bật chế độ máy đánh giá").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đánh giá mức độ hài lòng")
    assert axe_check(page) == []

    page.get_by_label("Mã hồ sơ").fill(f"{live_server.url}/tra-cuu/{dossier.code}")
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.get_by_text(dossier.code)).to_be_visible()
    page.get_by_role("button", name="Gửi đánh giá").click()  # nothing chosen
    expect(page.get_by_role("alert")).to_contain_text("Vui lòng chọn đủ các tiêu chí")
    assert axe_check(page) == []
    for fieldset in page.locator("fieldset.kiosk-question").all():
        box = fieldset.locator("label.kiosk-choice").first
        assert box.bounding_box()["height"] >= 48  # a target for a finger
        box.click()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cảm ơn bạn đã đánh giá")
    evaluation = DossierEvaluation.objects.get(dossier=dossier)
    assert evaluation.channel == "kiosk" and evaluation.scores["1"] == 2

    # the kiosk goes back to its start; the same dossier cannot be scored twice
    page.get_by_role("link", name="Đánh giá hồ sơ khác").click()
    page.get_by_label("Mã hồ sơ").fill(dossier.code)
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.get_by_role("alert")).to_contain_text("đã được đánh giá")
    # and the device is no longer signed in as the officer
    page.goto(f"{live_server.url}/can-bo/")
    expect(page).to_have_url(f"{live_server.url}/dang-nhap/?next=/can-bo/")
