"""Each form rendered from a dossier built through the real services, then read back with poppler:
the Vietnamese text is there exactly, the paper size is right, the font is embedded and covers
every character drawn, and the page rasterises to real ink."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest
from reportlab.pdfbase.ttfonts import TTFont

from chinhquyen.core.errors import Conflict, ValidationFailed
from chinhquyen.dossiers.services import dossier_file_add
from chinhquyen.printforms.render import (
    FONT_DIR,
    MOTTO,
    SLOGAN,
    lookup_url,
    render_form,
    render_register,
)

from .conftest import (
    ADDRESS,
    APPLICANT,
    EXTENSION_REASON,
    REFUSAL_REASON,
    STOP_REASON,
    SUPPLEMENT_REASONS,
    act,
    at,
    needs_poppler,
    submit,
)

pytestmark = [pytest.mark.django_db, needs_poppler]

A5 = (419.53, 595.28)
A4_LANDSCAPE = (841.89, 595.28)


def font_charsets() -> list[set[int]]:
    """What each shipped face can draw, read straight from the TTF files."""
    return [
        set(TTFont(f"check-{name}", str(FONT_DIR / f"LiberationSerif-{name}.ttf")).face.charToGlyph)
        for name in ("Regular", "Bold", "Italic")
    ]


def assert_well_printed(doc, *, size=A5):
    """Paper size, embedded TrueType Liberation Serif only, every glyph in the font, real ink."""
    width, height = doc.page_size
    assert (round(width, 2), round(height, 2)) == size
    fonts = doc.fonts
    assert fonts, "a page with text names its fonts"
    for font in fonts:
        assert font["type"] == "TrueType", font  # never Type 3 bitmaps or a base-14 fallback
        assert font["emb"] == "yes", font
        assert font["uni"] == "yes", font  # a ToUnicode map: the text is searchable
        assert "LiberationSerif" in font["name"], font
    charset = set.intersection(*font_charsets())
    missing = {ch for ch in doc.text if not ch.isspace() and ord(ch) not in charset}
    assert not missing, f"characters the font cannot draw (tofu): {missing}"
    page = doc.image(dpi=50)
    dark = sum(page.histogram()[:128]) / (page.width * page.height)
    assert 0.01 < dark < 0.5, f"{dark:.1%} of the page is ink"


def assert_header(text: str, agency_name: str):
    assert MOTTO in text
    assert SLOGAN in text
    assert agency_name.upper() in text


def test_the_receipt_lists_the_applicant_documents_dates_and_lookup_address(world, accepted, pdf):
    doc = pdf(render_form("01", dossier=accepted))
    text = doc.text
    assert_header(text, "UBND phường Thử Nghiệm A")
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert f"Mã hồ sơ: {accepted.code}" in text
    assert f"Tiếp nhận hồ sơ của: {APPLICANT}" in text
    assert ADDRESS in text
    assert "Thủ tục thử nghiệm đăng ký khai sinh" in text
    # Online, only what came as a file is listed, with its real count; never-sent papers are not.
    assert "(1) Tờ khai (tệp điện tử: 01) — tờ-khai-khai-sinh.pdf" in text
    assert "Căn cước" not in text
    assert "bản chính" not in text
    assert "4. Thời gian nhận hồ sơ: 09 giờ 30 phút, ngày 02 tháng 03 năm 2026" in text
    assert (
        "5. Thời gian trả kết quả giải quyết hồ sơ: 09 giờ 30 phút, thứ Hai, ngày 09 tháng 03 năm 2026"
        in text
    )
    assert "6. Hình thức nộp hồ sơ: Trực tuyến" in text
    assert lookup_url(accepted.code) in text
    assert "Đánh giá sự hài lòng" in text
    assert "ngày 02 tháng 03 năm 2026" in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text
    assert_well_printed(doc)


def test_the_receipt_of_a_counter_intake_lists_the_papers_checked_as_received(
    world, submitted, pdf
):
    d = act(
        world.counter_a,
        submitted,
        "accept",
        "",
        at(2026, 3, 2, 9, 30),
        documents_received=["to-khai", "cccd"],
    )
    text = pdf(render_form("01", dossier=d)).text
    assert "(1) Tờ khai (bản chính: 01, tệp điện tử: 01) — tờ-khai-khai-sinh.pdf" in text
    assert "(2) Căn cước (bản sao: 01)" in text


def test_a_papers_list_naming_a_document_of_another_procedure_is_refused(world, submitted):
    with pytest.raises(ValidationFailed) as exc:
        act(world.counter_a, submitted, "accept", "", documents_received=["giay-phep-lai-xe"])
    assert exc.value.fields == {"documents_received": ["giay-phep-lai-xe"]}


def test_the_signed_copy_of_the_receipt_is_not_listed_in_the_receipt(world, accepted, pdf):
    from chinhquyen.dossiers.models import SignedAs

    first = render_form("01", dossier=accepted)
    dossier_file_add(
        user=world.counter_a,
        code=accepted.code,
        document_code="",
        name=f"mau-01-{accepted.code}-ky-co-quan.pdf",
        content=first,
        signed_as=SignedAs.AGENCY,
    )
    text = pdf(render_form("01", dossier=accepted)).text
    assert "mau-01" not in text
    assert "Tệp kèm theo" not in text


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools not installed")
def test_the_receipt_qr_code_decodes_to_the_public_lookup_address(accepted, pdf, settings):
    settings.PUBLIC_BASE_URL = "https://dichvucong.example.gov.vn/"
    doc = pdf(render_form("01", dossier=accepted))
    doc.image(dpi=200).save(doc.tmp / "qr.png")
    out = subprocess.run(  # noqa: S603
        [shutil.which("zbarimg"), "--raw", "-q", str(doc.tmp / "qr.png")],
        capture_output=True,
        check=True,
    )
    assert out.stdout.decode().split() == [
        f"https://dichvucong.example.gov.vn/tra-cuu/{accepted.code}"
    ]


def test_the_supplement_request_carries_the_reasons_given(supplement_requested, pdf):
    doc = pdf(render_form("02", dossier=supplement_requested))
    text = doc.text
    assert_header(text, "UBND phường Thử Nghiệm A")
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert SUPPLEMENT_REASONS in text
    assert APPLICANT in text
    assert supplement_requested.code in text
    assert "ngày 03 tháng 03 năm 2026" in text
    assert "NGƯỜI HƯỚNG DẪN" in text
    assert_well_printed(doc)


def test_the_refusal_carries_the_reason_for_refusing(refused, pdf):
    doc = pdf(render_form("03", dossier=refused))
    text = doc.text
    assert_header(text, "UBND phường Thử Nghiệm A")
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert REFUSAL_REASON in text
    assert APPLICANT in text
    assert refused.code in text
    assert_well_printed(doc)


def test_the_apology_gives_the_reason_the_original_and_the_new_date(extended, pdf):
    doc = pdf(render_form("04", dossier=extended))
    text = doc.text
    assert_header(text, "UBND phường Thử Nghiệm A")
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert f"Lý do: {EXTENSION_REASON}" in text
    assert (
        "Thời gian hẹn trả kết quả giải quyết hồ sơ: 09 giờ 30 phút, thứ Hai, ngày 09 tháng 03 năm 2026"
        in text
    )
    assert "xin lỗi ông/bà" in text
    assert "09 giờ 30 phút, thứ Năm, ngày 12 tháng 03 năm 2026" in text  # due + 3 working days
    assert "THỦ TRƯỞNG CƠ QUAN" in text
    assert_well_printed(doc)


def test_the_stop_notice_gives_the_reason_and_the_time_processing_stopped(stopped, pdf):
    doc = pdf(render_form("05", dossier=stopped))
    text = doc.text
    assert_header(text, "UBND phường Thử Nghiệm A")
    assert "THÔNG BÁO Về việc dừng xử lý hồ sơ" in text
    assert f"Lý do: {STOP_REASON}" in text
    assert "15 giờ 00 phút, ngày 03 tháng 03 năm 2026" in text
    assert_well_printed(doc)


def test_the_tracking_sheet_has_a_row_for_every_hand_over(world, processed, pdf):
    doc = pdf(render_form("06", dossier=processed))
    text = doc.text
    assert_header(text, "UBND phường Thử Nghiệm A")
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert f"Kèm theo hồ sơ của: {APPLICANT}" in text
    for expected in (
        "Nộp hồ sơ",
        "Tiếp nhận. Hồ sơ đầy đủ.",
        "Chuyên viên chuyenvien",
        f"Cơ quan {world.agency_b.agency_id}",
        "Trả lời liên thông / ý kiến (đúng hạn). Thông tin chính xác",
        "Hoàn thành xử lý (đúng hạn). Đã cấp Giấy khai sinh",
        "Trả kết quả",
        "05/03/2026 15:00",
    ):
        assert expected in text, expected
    assert processed.events.count() == 8
    assert_well_printed(doc)


def test_the_tracking_sheet_exists_right_after_submission(submitted, pdf):
    text = pdf(render_form("06", dossier=submitted)).text
    assert "Nộp hồ sơ" in text
    assert "Hẹn trả kết quả: chưa có" in text


def test_a_form_whose_event_did_not_happen_is_refused(accepted):
    with pytest.raises(Conflict) as err:
        render_form("03", dossier=accepted)
    assert err.value.code == "form_not_available"
    with pytest.raises(Conflict):
        render_form("99", dossier=accepted)


def test_characters_the_font_lacks_print_as_a_question_mark_not_a_box(world, submitted, pdf):
    d = act(
        world.counter_a, submitted, "refuse", "Thiếu giấy tờ 📄 ✔ theo quy định", at(2026, 3, 2, 10)
    )
    doc = pdf(render_form("03", dossier=d))
    assert "Thiếu giấy tờ ? ? theo quy định" in doc.text
    assert_well_printed(doc)


def test_decomposed_vietnamese_input_prints_as_precomposed_letters(world, media, pdf):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Lê Thị Hồng Nhung")
    from chinhquyen.dossiers.services import Applicant, dossier_submit
    from conftest import VALID_FORM

    d = dossier_submit(
        user=world.counter_a,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        channel=1,
        applicant=Applicant(name=decomposed),
        at=at(2026, 3, 2),
    )
    d = act(world.counter_a, d, "accept", "", at(2026, 3, 2, 9, 10))
    doc = pdf(render_form("01", dossier=d))
    assert "Tiếp nhận hồ sơ của: Lê Thị Hồng Nhung" in doc.text
    assert "6. Hình thức nộp hồ sơ: Trực tiếp" in doc.text
    assert_well_printed(doc)


def test_the_register_lists_the_agencys_dossiers_of_the_period_on_a4_landscape(
    world, processed, refused_elsewhere, pdf, django_assert_max_num_queries
):
    late = submit(world, when=at(2026, 4, 1))
    with django_assert_max_num_queries(3):
        content = render_register(
            agency=world.agency_a, date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)
        )
    doc = pdf(content)
    text = doc.text
    assert_header(text, "UBND phường Thử Nghiệm A")
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert "Từ ngày 01 tháng 03 năm 2026 đến ngày 31 tháng 03 năm 2026" in text
    assert processed.code in text
    assert APPLICANT in text
    assert "Đã trả kết quả" in text
    assert refused_elsewhere.code not in text, "another agency's dossier"
    assert late.code not in text, "outside the period"
    assert "Tổng số: 1 hồ sơ." in text
    assert_well_printed(doc, size=A4_LANDSCAPE)


def test_a_long_register_runs_over_several_numbered_pages(world, media, pdf):
    for i in range(45):
        submit(world, when=at(2026, 3, 2, 8 + i // 12, i % 12 * 5))
    doc = pdf(
        render_register(agency=world.agency_a, date_from=date(2026, 3, 2), date_to=date(2026, 3, 2))
    )
    assert int(doc.info["Pages"]) >= 2
    assert "Trang 2" in doc.text
    assert "Tổng số: 45 hồ sơ." in doc.text


@pytest.fixture
def refused_elsewhere(world, media):
    from chinhquyen.dossiers.services import dossier_submit
    from conftest import VALID_FORM

    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_b.agency_id,
        form_data=VALID_FORM,
        at=at(2026, 3, 3),
    )
    return act(world.counter_b, d, "refuse", "Sai cơ quan", at(2026, 3, 3, 10))


def test_the_receipt_of_a_one_day_dossier_received_after_15_00_promises_the_close_of_tuesday(
    world, media, pdf
):
    from chinhquyen.catalogue.services import procedure_save
    from conftest import procedure_data

    procedure_save(data=procedure_data(processing_time=1))
    d = act(
        world.counter_a,
        submit(world, at(2026, 12, 7, 15, 1)),
        "accept",
        when=at(2026, 12, 7, 15, 1),
    )
    text = pdf(render_form("01", dossier=d)).text
    assert (
        "5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, thứ Ba, ngày 08 tháng 12 năm 2026"
        in text
    )
    sheet = pdf(render_form("06", dossier=d)).text
    assert "Hẹn trả kết quả: 17 giờ 00 phút, thứ Ba, ngày 08 tháng 12 năm 2026" in sheet
