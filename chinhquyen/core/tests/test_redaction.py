import pytest

from chinhquyen.core.redaction import ADDRESS, EMAIL, ID_NUMBER, NAME, PERSONAL, PHONE, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Liên hệ tôi: an.nguyen+pakn@gmail.com nhé", f"Liên hệ tôi: {EMAIL} nhé"),
        ("Gọi 0912 345 678 hoặc +84 912.345.678", f"Gọi {PHONE} hoặc {PHONE}"),
        ("Số máy bàn 024-3823-4567.", f"Số máy bàn {PHONE}."),
        ("CCCD 031090001234, CMND 123456789", f"CCCD {ID_NUMBER}, CMND {ID_NUMBER}"),
        ("Mã số thuế 0101234567-001", f"Mã số thuế {ID_NUMBER}-001"),
        (
            "Thủ tục 1.001193 mất 3 ngày, phí 50000 đồng",
            "Thủ tục 1.001193 mất 3 ngày, phí 50000 đồng",
        ),
        (
            "Hồ sơ 000.01.31.H26-261125-0001 ngày 12/03/2026",
            "Hồ sơ 000.01.31.H26-261125-0001 ngày 12/03/2026",
        ),
    ],
)
def test_patterns(text, expected):
    assert redact(text) == expected


def test_what_the_author_told_us_goes_whatever_the_accents_and_case():
    out = redact(
        "Tôi là NGUYEN VAN AN, ở số 12 Trần Hưng Đạo. Nguyễn Văn An, mã KH-778 xin cảm ơn.",
        names=["Nguyễn Văn An"],
        addresses=["số 12 Trần Hưng Đạo"],
        known=["kh 778", ""],
    )
    assert out == f"Tôi là {NAME}, ở {ADDRESS}. {NAME}, mã {PERSONAL} xin cảm ơn."


def test_short_values_and_words_inside_other_words_are_left_alone():
    assert redact("Anh An đến", names=["", "An"]) == "Anh An đến"
    assert redact("Anh Annam đến", names=["Ann"]) == "Anh Annam đến"
    assert redact("") == ""
