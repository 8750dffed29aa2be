"""Folding Vietnamese text: lower case, no diacritics, "đ" as "d".

Shared by the catalogue's search (``chinhquyen/catalogue/text.py``) and the password validators,
so that every comparison of Vietnamese words folds them the same way.
"""

from __future__ import annotations

import re
import unicodedata

# "đ" is a letter of its own, not "d" plus a combining mark, so NFD leaves it alone.
_LETTERS = str.maketrans({"đ": "d", "Đ": "d"})
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case, no diacritics, "đ" as "d", runs of white space as one space."""
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", unicodedata.normalize("NFC", bare).casefold()).strip()
