"""Vietnamese telephone numbers: written the way people write them, stored one way.

Every form that asks for a phone number (the e-forms of the catalogue, the applicant at the
counter, feedback) reads it through :func:`phone_normalise`, so "0912 345 678",
"0912.345.678", "(091) 234-5678", "+84 912 345 678", "84912345678" and "+84 (0) 912 345 678"
are all stored as ``0912345678``.

What is accepted, and why:

* **mobile numbers**: 10 digits starting 03, 05, 07, 08 or 09 — the whole mobile numbering plan
  since the 11-digit numbers (01x…) were converted in 2018;
* **landlines**: 11 digits starting 02 — the area code (02x or 02xx since the 2017 change) and
  the subscriber's number; a household or a business often has only a landline;
* either written with the country code (``+84``, ``0084`` or ``84``, with or without the
  trunk ``0`` in brackets after it) instead of the leading ``0``;
* spaces, dots, dashes, slashes and brackets anywhere between the digits, and full-width digits
  (NFKC), as phones' keyboards and copied text produce them.

What is refused: letters and extensions, the retired 11-digit mobile numbers, short and service
numbers (113, 1800…, 1900…: nobody's contact), and foreign numbers (a form that needs them should
ask for them separately). The stored form is the national one, digits only, because that is how
the numbers are printed on the forms (receipt, supplement request) and searched by officers.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

# The stored form; also the ``pattern`` of a phone field in an e-form's JSON Schema, so that a
# client reading the schema knows what the server keeps.
PHONE_PATTERN = r"^0(?:[35789]\d{8}|2\d{9})$"
PHONE_MESSAGE = _(
    "Số điện thoại gồm 10 chữ số, bắt đầu bằng 0, ví dụ 0912 345 678 "
    "(số cố định gồm 11 chữ số, bắt đầu bằng 02, ví dụ 0225 3842 123)."
)
PHONE_HINT = _("Ví dụ 0912 345 678. Có thể ghi cách nhau bằng dấu cách hoặc dấu chấm.")

_NATIONAL = re.compile(PHONE_PATTERN)
_SEPARATORS = re.compile(r"[\s.\-/()\u2010-\u2015\u00b7]")
# "+84 (0) 912…": the trunk 0 in brackets after the country code.
_TRUNK_IN_BRACKETS = re.compile(r"^(\+|00)?84\s*\(\s*0\s*\)")


class InvalidPhone(ValueError):
    """The text is not a Vietnamese telephone number; ``str()`` is the message for people."""

    def __init__(self) -> None:
        super().__init__(str(PHONE_MESSAGE))


def phone_normalise(text: str) -> str:
    """The number in national form, digits only ("0912345678"); ``""`` for blank text.

    Raises :class:`InvalidPhone` when the text is not a Vietnamese mobile or landline number.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return ""
    text = _TRUNK_IN_BRACKETS.sub("84", text)
    compact = _SEPARATORS.sub("", text)
    if compact.startswith("+84"):
        digits = "0" + compact[3:]
    elif compact.startswith("0084"):
        digits = "0" + compact[4:]
    elif compact.startswith("84") and len(compact) in (11, 12):
        # A national number never starts with 8: "84…" is the country code without the "+".
        digits = "0" + compact[2:]
    else:
        digits = compact
    if digits.startswith("00"):  # "+84 0912…": the trunk 0 kept after the country code
        digits = digits[1:]
    if not digits.isascii() or not _NATIONAL.fullmatch(digits):
        raise InvalidPhone
    return digits


def phone_normalise_or_keep(text: str) -> str:
    """The national form when ``text`` is a number, else ``text`` unchanged: for checks that
    report the problem themselves (an e-form's pattern with its own message)."""
    try:
        return phone_normalise(text)
    except InvalidPhone:
        return text


def phone_clean(value: str) -> str:
    """For a Django form's ``clean_<field>``: the national form, or the form's error."""
    try:
        return phone_normalise(value)
    except InvalidPhone:
        raise forms.ValidationError(PHONE_MESSAGE, code="invalid_phone") from None


class PhoneField(forms.CharField):
    """A phone number input (``type="tel"``) whose cleaned value is the national form."""

    default_error_messages = {"invalid_phone": PHONE_MESSAGE}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)  # room for "+84 (0) 912 345 678"
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel"}))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("autocomplete", "tel")
        self.widget.attrs.setdefault("inputmode", "tel")

    def clean(self, value):
        return phone_clean(super().clean(value))
