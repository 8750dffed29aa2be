"""Personal data removed from text before it is published (feedback, consultation comments,
their answers). The officer reviews the result before publication; this is the safety net.

What goes, each replaced by a bracketed label so that a reader sees that something was removed:
e-mail addresses; Vietnamese phone numbers (0 or +84/84, then a mobile 3/5/7/8/9 or landline 2
prefix, with spaces, dots or dashes between groups); identity numbers (12-digit CCCD, 9-digit
CMND) and 10- or 13-digit tax codes; and the names, addresses and any other value the author gave
about themselves, matched case- and diacritics-insensitively ("nguyen van a" hides "Nguyễn Văn A").
Values shorter than 3 letters are not matched: they would eat ordinary words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

EMAIL = "[email]"
PHONE = "[số điện thoại]"
ID_NUMBER = "[số định danh]"
NAME = "[họ tên]"
ADDRESS = "[địa chỉ]"
PERSONAL = "[thông tin cá nhân]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A 10-digit tax code starts 01…, which no phone number does.
_PHONE = re.compile(r"(?<![\w+])(?:\+84[ .\-]?|84[ .\-]?|0)[235789](?:[ .\-]?\d){7,9}(?![\w])")
_ID = re.compile(r"(?<![\w])(?:\d{13}|\d{12}|\d{10}|\d{9})(?![\w])")


def _fold(ch: str) -> str:
    base = unicodedata.normalize("NFD", ch.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in base if unicodedata.category(c) != "Mn").lower()


def _fold_with_map(text: str) -> tuple[str, list[int]]:
    """``text`` folded, and for each folded character its index in ``text``."""
    folded: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for c in _fold(ch):
            folded.append(c)
            index.append(i)
    return "".join(folded), index


def _hide(text: str, values: Iterable[str], label: str) -> str:
    phrases = {
        " ".join(re.findall(r"\w+", "".join(_fold(c) for c in value or ""))) for value in values
    }
    wanted = sorted((p for p in phrases if len(p.replace(" ", "")) >= 3), key=len, reverse=True)
    for phrase in wanted:
        pattern = re.compile(
            r"(?<!\w)" + r"[\W_]+".join(re.escape(w) for w in phrase.split()) + r"(?!\w)"
        )
        while True:
            folded, index = _fold_with_map(text)
            match = pattern.search(folded)
            if not match:
                break
            start, end = index[match.start()], index[match.end() - 1] + 1
            text = text[:start] + label + text[end:]
    return text


def redact(
    text: str,
    *,
    names: Iterable[str] = (),
    addresses: Iterable[str] = (),
    known: Iterable[str] = (),
) -> str:
    """``text`` with personal data replaced by labels (see the module's docstring)."""
    if not text:
        return ""
    out = _EMAIL.sub(EMAIL, text)
    out = _PHONE.sub(PHONE, out)
    out = _ID.sub(ID_NUMBER, out)
    out = _hide(out, addresses, ADDRESS)
    out = _hide(out, names, NAME)
    return _hide(out, known, PERSONAL)
