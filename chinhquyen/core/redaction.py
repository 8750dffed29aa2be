"""Personal data removed from text before it is published (comments, feedback, answers).

What is removed: e-mail addresses; Vietnamese phone numbers (10–11 digits, with +84/84/0, spaces,
dots or dashes between groups); 9- or 12-digit identity numbers (CMND, CCCD) and 10/13-digit tax
codes; and any name, phone, address or identity number the author gave us about themselves
(``known``), matched case- and diacritics-insensitively. Each is replaced by a bracketed label
so that a reader sees that something was removed, and what kind of thing it was.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

EMAIL = "[email đã ẩn]"
PHONE = "[số điện thoại đã ẩn]"
ID_NUMBER = "[số giấy tờ đã ẩn]"
PERSONAL = "[thông tin cá nhân đã ẩn]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# +84 912 345 678, 0912.345.678, 024 3823 4567, 84-912-345-678 …
# (mobile 03/05/07/08/09, landline 02x; a 10-digit tax code starts 01…: not a phone)
_PHONE = re.compile(r"(?<![\w])(?:\+?84[\s.\-]?|0)[235789](?:[\s.\-]?\d){7,9}(?![\w])")
_ID = re.compile(r"(?<![\w])(?:\d{13}|\d{12}|\d{10}|\d{9})(?![\w])")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _known_pattern(value: str) -> re.Pattern[str] | None:
    """A pattern for one known value over the folded text: its words, in order, with any run of
    spaces or punctuation between them."""
    words = re.findall(r"\w+", _fold(value))
    if not words or sum(len(w) for w in words) < 3:
        return None
    return re.compile(r"(?<!\w)" + r"[\W_]+".join(map(re.escape, words)) + r"(?!\w)")


def redact(text: str, *, known: Iterable[str] = ()) -> str:
    """``text`` with personal data replaced by labels (see the module's docstring)."""
    if not text:
        return text
    out = _EMAIL.sub(EMAIL, text)
    out = _PHONE.sub(PHONE, out)
    out = _ID.sub(ID_NUMBER, out)
    for value in known:
        pattern = _known_pattern(value or "")
        if pattern is None:
            continue
        # Folding keeps the length of NFC text, so positions in the folded copy are positions in
        # the original; apply from the end so earlier positions stay valid.
        out = unicodedata.normalize("NFC", out)
        folded = _fold(out)
        if len(folded) != len(out):  # pragma: no cover - text with unusual combining marks
            continue
        for match in reversed(list(pattern.finditer(folded))):
            out = out[: match.start()] + PERSONAL + out[match.end() :]
    return out
