"""Folding Vietnamese text for diacritic- and case-insensitive search.

``fold("Đăng ký KHAI SINH")`` gives ``"dang ky khai sinh"``. The same function folds what is
stored (``ProcedureVersion.search_text``) and what is searched for, so a plain ``LIKE`` matches on
SQLite and PostgreSQL alike without the ``unaccent`` extension.
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


def fold_words(text: str) -> list[str]:
    """The distinct folded words of a search query, in order."""
    return list(dict.fromkeys(fold(text).split()))
