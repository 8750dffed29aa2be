"""Folding Vietnamese text for diacritic- and case-insensitive search.

``fold("Đăng ký KHAI SINH")`` gives ``"dang ky khai sinh"``. The same function folds what is
stored (``ProcedureVersion.search_text``) and what is searched for, so a plain ``LIKE`` matches on
SQLite and PostgreSQL alike without the ``unaccent`` extension.
"""

from __future__ import annotations

from chinhquyen.core.text import fold

__all__ = ["fold", "fold_words"]


def fold_words(text: str) -> list[str]:
    """The distinct folded words of a search query, in order."""
    return list(dict.fromkeys(fold(text).split()))
