import pytest

from chinhquyen.catalogue.text import fold, fold_words


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đăng ký KHAI SINH", "dang ky khai sinh"),
        ("Giấy phép xây dựng", "giay phep xay dung"),
        ("ƯỚC ƠN Ẫ ặ ỹ", "uoc on a a y"),
        ("  nhiều   khoảng\ntrắng ", "nhieu khoang trang"),
        ("1.001193", "1.001193"),
    ],
)
def test_fold_strips_vietnamese_diacritics_and_case(text, folded):
    assert fold(text) == folded


def test_fold_handles_decomposed_unicode_the_same_as_composed():
    decomposed = "khai sinh".replace("a", "a\u0301")  # "khái sinh" typed with combining accents
    assert fold(decomposed) == "khai sinh"


def test_fold_words_gives_each_word_once():
    assert fold_words("Khai  SINH khái") == ["khai", "sinh"]
