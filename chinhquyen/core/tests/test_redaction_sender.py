from chinhquyen.core.redaction import redact


def test_emails_phones_and_identity_numbers_are_removed():
    text = (
        "Liên hệ be.nguyen+pa@mail.example.vn hoặc 0912 345 678, +84 912.345.678, "
        "CCCD 031090001234, CMND 123456789."
    )
    out = redact(text)
    for secret in ("be.nguyen", "0912", "345", "031090001234", "123456789"):
        assert secret not in out
    assert "[email]" in out
    assert out.count("[số điện thoại]") == 2
    assert out.count("[số định danh]") == 2


def test_the_senders_name_and_address_go_even_without_diacritics():
    out = redact(
        "Tôi là Nguyễn Văn Bé, nhà ở Số 5 ngõ 3 Kim Mã. Gọi NGUYEN VAN BE nhé.",
        names=["Nguyễn Văn Bé"],
        addresses=["số 5 ngõ 3 Kim Mã"],
    )
    assert "Bé" not in out and "BE" not in out and "Kim Mã" not in out
    assert out == "Tôi là [họ tên], nhà ở [địa chỉ]. Gọi [họ tên] nhé."


def test_ordinary_numbers_codes_and_dates_stay():
    text = "Hồ sơ 000.01.31.H26-260302-0001 nộp ngày 12/03/2026, lệ phí 50000 đồng, 15 ngày."
    assert redact(text) == text


def test_short_or_empty_names_do_not_eat_the_text():
    assert redact("Anh An đến", names=["", "An"]) == "Anh An đến"
    assert redact("") == ""
