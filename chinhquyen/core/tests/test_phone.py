import re

import pytest
from django import forms

from chinhquyen.core.phone import (
    PHONE_PATTERN,
    InvalidPhone,
    PhoneField,
    phone_clean,
    phone_normalise,
    phone_normalise_or_keep,
)

VALID = [
    # mobile, as typed
    ("0912345678", "0912345678"),
    ("0912 345 678", "0912345678"),
    ("0912.345.678", "0912345678"),
    ("0912-345-678", "0912345678"),
    ("(091) 234-5678", "0912345678"),
    ("  0912 345 678  ", "0912345678"),
    ("0912\u00a0345\u00a0678", "0912345678"),  # no-break spaces from copied text
    ("０９１２３４５６７８", "0912345678"),  # full-width digits
    # every mobile prefix of the 2018 plan
    ("0321 234 567", "0321234567"),
    ("0561234567", "0561234567"),
    ("0771234567", "0771234567"),
    ("0861234567", "0861234567"),
    # with the country code
    ("+84912345678", "0912345678"),
    ("+84 912 345 678", "0912345678"),
    ("+84-912-345-678", "0912345678"),
    ("(+84) 912 345 678", "0912345678"),
    ("+84 (0) 912 345 678", "0912345678"),
    ("+84 0912 345 678", "0912345678"),
    ("0084 912 345 678", "0912345678"),
    ("84912345678", "0912345678"),
    ("84 912 345 678", "0912345678"),
    # landlines: 02 + area code + subscriber, 11 digits
    ("024 3825 1234", "02438251234"),
    ("(024) 3825.1234", "02438251234"),
    ("0225 3842 123", "02253842123"),
    ("+84 24 3825 1234", "02438251234"),
    ("+84 225 3842 123", "02253842123"),
]

INVALID = [
    "091234567",  # 9 digits
    "09123456789",  # 11 digits, mobile prefix
    "01234567890",  # a retired 11-digit mobile number
    "0112345678",  # no such prefix
    "0412345678",
    "0612345678",
    "0243825123",  # a landline one digit short
    "024382512345",  # one digit long
    "1900 1234",  # service number
    "113",
    "+1 415 555 0100",  # foreign
    "+8491234567",  # country code, then one digit short
    "0912 345 67a",
    "0912345678 ext 12",
    "không có",
    "0912345678/0987654321",  # two numbers
    "٠٩١٢٣٤٥٦٧٨",  # Arabic-Indic digits are digits, but not ours
    "+",
]


@pytest.mark.parametrize(("typed", "stored"), VALID)
def test_a_vietnamese_number_written_any_usual_way_is_stored_in_national_form(typed, stored):
    assert phone_normalise(typed) == stored
    assert re.fullmatch(PHONE_PATTERN, stored)


@pytest.mark.parametrize("typed", INVALID)
def test_anything_else_is_refused_with_a_message_that_shows_an_example(typed):
    with pytest.raises(InvalidPhone) as caught:
        phone_normalise(typed)
    assert "0912 345 678" in str(caught.value)
    assert phone_normalise_or_keep(typed) == typed


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_a_blank_number_stays_blank(blank):
    assert phone_normalise(blank) == ""


def test_the_stored_pattern_accepts_exactly_the_normalised_numbers():
    for _typed, stored in VALID:
        assert re.fullmatch(PHONE_PATTERN, stored)
    for typed in INVALID:
        assert not re.fullmatch(PHONE_PATTERN, typed)


def test_the_form_helpers_give_the_national_form_or_a_form_error():
    assert phone_clean("+84 912 345 678") == "0912345678"
    with pytest.raises(forms.ValidationError) as caught:
        phone_clean("12345")
    assert caught.value.code == "invalid_phone"

    class Form(forms.Form):
        phone = PhoneField(required=False)

    form = Form({"phone": "0912.345.678"})
    assert form.is_valid() and form.cleaned_data["phone"] == "0912345678"
    bad = Form({"phone": "0912"})
    assert not bad.is_valid()
    assert "ví dụ 0912 345 678" in bad.errors["phone"][0]
    assert Form({"phone": ""}).is_valid()
    html = str(Form()["phone"])
    assert 'type="tel"' in html and 'autocomplete="tel"' in html
