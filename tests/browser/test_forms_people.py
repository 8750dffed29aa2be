"""Forms that speak to people, in a real browser on a 390 px phone: a single mother applies for
her child's birth registration, leaving the father's section empty and typing her phone as
"0912 345 678"; a citizen sends a feedback located by choosing the province and the commune and
by "Dùng vị trí của tôi", about a procedure chosen by its name."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from chinhquyen.demo.services import CATALOGUE_FILE
from chinhquyen.dossiers.models import Dossier
from chinhquyen.feedback.models import Feedback
from tests.browser.test_apply import BIRTH, fill

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_390 = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
POSITION = {"latitude": 20.940312, "longitude": 106.330101, "accuracy": 18}


@pytest.fixture
def birth_registration(world):
    """The demo catalogue's birth registration, received by agency A."""
    from chinhquyen.catalogue.models import Procedure
    from chinhquyen.catalogue.services import catalogue_import, procedure_link_agencies

    report = catalogue_import(file_name=CATALOGUE_FILE.name, content=CATALOGUE_FILE.read_bytes())
    assert report.ok, [str(e) for e in report.errors]
    procedure = Procedure.objects.get(code=BIRTH)
    procedure_link_agencies(procedure=procedure, agencies=[world.agency_a])
    return procedure.current


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]


def test_a_single_mother_applies_on_a_phone_with_her_phone_number_as_she_writes_it(
    live_server,
    birth_registration,
    world,
    sign_in,
    axe_check,
    tmp_path,
    screenshot_dir,
):
    pdf = tmp_path / "giay-to.pdf"
    pdf.write_bytes(PDF)
    page = sign_in(world.citizen, f"/nop-ho-so/{BIRTH}/", viewport=PHONE_390)
    expect(page.get_by_role("heading", level=1)).to_have_text("Nộp hồ sơ trực tuyến")

    # The father's section says it is optional and when to leave it empty; nothing pre-filled.
    father = page.locator("#f-cha")
    expect(father.locator("legend").first).to_have_text("Thông tin người cha (không bắt buộc)")
    expect(father).to_contain_text("Bỏ trống cả phần này nếu chưa xác định được cha của trẻ")
    expect(page.locator('[name="cha.quoc_tich"]')).to_have_value("")
    # Hints in words, never a pattern.
    expect(page.locator("#f-nguoi_yeu_cau-dien_thoai-help")).to_contain_text("0912 345 678")
    assert not re.search(r"\\d|\^\(", page.locator("main").inner_text())
    assert axe_check(page) == []
    no_sideways_scroll(page)

    schema = birth_registration.form_schema
    data = schema["examples"][1]  # the demo catalogue's single mother
    data["nguoi_yeu_cau"]["dien_thoai"] = "0912 345 678"
    fill(page, schema, data)
    phone_input = page.locator('[name="nguoi_yeu_cau.dien_thoai"]')
    expect(phone_input).to_have_attribute("type", "tel")
    page.screenshot(path=str(screenshot_dir / "forms-single-mother-phone.png"), full_page=True)
    page.get_by_role("button", name="Kiểm tra lại").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra lại hồ sơ")
    review = page.locator("main dl.review").first
    expect(review).to_contain_text("Thông tin người cha")
    expect(review).to_contain_text("Không khai")
    expect(review).to_contain_text("0912345678")
    assert axe_check(page) == []
    no_sideways_scroll(page)
    page.get_by_label(re.compile("^Tờ khai")).set_input_files(str(pdf))
    page.get_by_label(re.compile("Giấy chứng sinh")).set_input_files(str(pdf))
    page.get_by_role("button", name="Nộp hồ sơ").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ")
    dossier = Dossier.objects.get()
    assert "cha" not in dossier.form_data
    assert dossier.form_data["nguoi_yeu_cau"]["dien_thoai"] == "0912345678"
    assert dossier.form_data["me"]["ho_ten"] == data["me"]["ho_ten"]


def test_a_half_filled_fathers_section_is_refused_on_the_phone(
    live_server,
    birth_registration,
    world,
    sign_in,
    axe_check,
):
    page = sign_in(world.citizen, f"/nop-ho-so/{BIRTH}/", viewport=PHONE_390)
    schema = birth_registration.form_schema
    fill(page, schema, schema["examples"][1])
    page.locator('[name="cha.ho_ten"]').fill("Nguyễn Văn Nam")
    page.get_by_role("button", name="Kiểm tra lại").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Thông tin người cha › Ngày, tháng, năm sinh")
    expect(page.locator("#f-cha-ngay_sinh-error")).to_contain_text(
        "Đã khai về người cha thì cần nhập cả mục này"
    )
    expect(page.locator('[name="cha.ngay_sinh"]')).to_have_attribute("aria-invalid", "true")
    assert axe_check(page) == []
    assert not Dossier.objects.exists()


@pytest.fixture
def places(world):
    """Hải Phòng and two of its communes (current two-level units); agency B is Hải Dương's."""
    from chinhquyen.units.models import AdministrativeUnit, Generation, UnitLevel
    from chinhquyen.units.services import agency_update

    def unit(level, code, name, parent=None):
        return AdministrativeUnit.objects.create(
            generation=Generation.CURRENT,
            level=level,
            code=code,
            name=name,
            codename=code,
            division_type="",
            parent=parent,
            valid_from=dt.date(2025, 7, 1),
            source="test",
        )

    hai_phong = unit(UnitLevel.PROVINCE, "31", "Thành phố Hải Phòng")
    unit(UnitLevel.PROVINCE, "01", "Thành phố Hà Nội")
    hai_duong = unit(UnitLevel.COMMUNE, "10525", "Phường Hải Dương", hai_phong)
    unit(UnitLevel.COMMUNE, "10510", "Phường Thành Đông", hai_phong)
    agency_update(agency=world.agency_b, unit=hai_duong)
    return hai_duong


def test_a_feedback_is_located_by_choosing_the_commune_and_the_phones_position(
    live_server, world, places, new_context, axe_check, screenshot_dir
):
    context = new_context(viewport=PHONE_390)
    context.grant_permissions(["geolocation"])
    context.set_geolocation(POSITION)
    page = context.new_page()
    page.goto(f"{live_server.url}/phan-anh/gui/")
    assert axe_check(page) == []
    no_sideways_scroll(page)
    assert page.locator("main").get_by_text("Vĩ độ").count() == 0

    page.get_by_label("Phản ánh, kiến nghị về thủ tục hành chính").check()
    page.get_by_label("Tên thủ tục").fill("khai sinh")
    expect(page.locator("#procedure-status")).to_have_text(
        "Có 1 thủ tục phù hợp, hãy chọn bên dưới."
    )
    page.get_by_label("Thủ tục thử nghiệm đăng ký khai sinh").check()
    page.get_by_label("Nội dung phản ánh, kiến nghị").fill(
        "Vỉa hè trước cổng chợ bị sụt, người đi bộ phải xuống lòng đường."
    )
    # The commune list comes with the province, without leaving the page.
    page.get_by_label("Tỉnh, thành phố").select_option(label="Thành phố Hải Phòng")
    communes = page.get_by_label("Xã, phường, đặc khu")
    expect(communes.locator("option")).to_have_count(3)
    communes.select_option(label="Phường Hải Dương")
    page.get_by_label("Số nhà, đường phố, thôn, tổ dân phố hoặc địa điểm").fill("Cổng chợ Hải Tân")
    page.get_by_role("button", name="Dùng vị trí của tôi").click()
    expect(page.locator("#location-status")).to_contain_text("Đã ghi vị trí của bạn")
    expect(page.get_by_role("button", name="Bỏ vị trí")).to_be_visible()
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    assert axe_check(page) == []
    no_sideways_scroll(page)
    page.screenshot(path=str(screenshot_dir / "forms-feedback-place-phone.png"), full_page=True)
    page.get_by_role("button", name="Gửi phản ánh").click()

    code = page.get_by_test_id("feedback-code").inner_text()
    feedback = Feedback.objects.get(code=code)
    assert feedback.unit == places
    assert feedback.address_string == "Cổng chợ Hải Tân, Phường Hải Dương, Thành phố Hải Phòng"
    assert (str(feedback.lat), str(feedback.long)) == ("20.940312", "106.330101")
    assert feedback.procedure == world.procedure
    assert feedback.agency == world.agency_b  # the commune's agency receives the procedure
    assert feedback.sender_phone == "0912345678"


def test_a_refused_position_is_said_in_vietnamese_and_the_commune_still_works(
    live_server, world, places, new_context, axe_check
):
    page = new_context(viewport=PHONE_390).new_page()  # no permission: the browser refuses
    page.goto(f"{live_server.url}/phan-anh/gui/")
    page.get_by_role("button", name="Dùng vị trí của tôi").click()
    expect(page.locator("#location-status")).to_contain_text(
        "Bạn chưa cho phép trình duyệt chia sẻ vị trí"
    )
    assert page.locator('input[name="lat"]').input_value() == ""
    page.get_by_label("Tỉnh, thành phố").select_option(label="Thành phố Hải Phòng")
    page.get_by_label("Xã, phường, đặc khu").select_option(label="Phường Thành Đông")
    assert axe_check(page) == []


def test_without_javascript_the_commune_is_chosen_through_the_server(
    live_server, world, places, browser, axe_check
):
    context = browser.new_context(viewport=PHONE_390, locale="vi-VN", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/phan-anh/gui/")
        expect(page.get_by_role("button", name="Dùng vị trí của tôi")).to_be_hidden()
        page.get_by_label("Phản ánh về cơ quan, cán bộ").check()
        page.get_by_label("Cơ quan", exact=True).select_option(label=world.agency_a.name)
        page.get_by_label("Nội dung phản ánh, kiến nghị").fill("Đèn đường hỏng đã hai tuần.")
        page.get_by_label("Tỉnh, thành phố").select_option(label="Thành phố Hải Phòng")
        page.get_by_role("button", name="Chọn tỉnh").click()
        expect(page.get_by_label("Nội dung phản ánh, kiến nghị")).to_have_value(
            "Đèn đường hỏng đã hai tuần."
        )
        page.get_by_label("Xã, phường, đặc khu").select_option(label="Phường Thành Đông")
        page.get_by_role("button", name="Gửi phản ánh").click()
        expect(page.get_by_test_id("feedback-code")).to_be_visible()
        assert Feedback.objects.get().unit.name == "Phường Thành Đông"
    finally:
        context.close()
