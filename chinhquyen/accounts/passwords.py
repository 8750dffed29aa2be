"""Password validators (``AUTH_PASSWORD_VALIDATORS``), with Vietnamese messages everywhere.

They run wherever a password is set: the account page's change form, the admin's forms, and
Django's ``changepassword``/``createsuperuser`` commands (which deactivate translations, so the
messages are written in Vietnamese, not translated into it). Accounts created by the demo loader
and the services (``user_create``) are not validated: validators apply when a person chooses.

* ``MinimumLengthValidator``: ``PASSWORD_MIN_LENGTH`` characters (14 by default: the draft
  national standard asks for 14 without a second factor, 8 with one; DOMAIN.md §8).
* ``CommonPasswordValidator``: Django's list of 20,000 and ours (``data/common-passwords-vi.txt``),
  compared folded (no diacritics, lower case, no spaces), also after digits and symbols are taken
  off both ends (``matkhau@2026`` is ``matkhau``); and guessable shapes that no list holds:
  a Vietnamese personal name (``nguyenvanan``, ``Trần Thị Hoa 1990``) and a date (``01/01/1990``).
* ``PersonalInfoSimilarityValidator``: not close to the person's own name, user name, e-mail,
  identity number or phone, compared folded (``ngoc1995`` for "Trần Thị Bích Ngọc").
* ``ApiTokensRevokedOnPasswordChange``: checks nothing; revokes the person's API tokens when
  their password changes (Django's ``password_changed`` hook).
"""

from __future__ import annotations

import re
from datetime import date
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chinhquyen.core.text import fold

from .selectors import profile_of
from .services import tokens_revoke

DATA = Path(__file__).resolve().parent / "data"
VIETNAMESE_LIST = DATA / "common-passwords-vi.txt"


@cache
def _names() -> tuple[frozenset[str], frozenset[str]]:
    family: set[str] = set()
    given: set[str] = set()
    for line in (DATA / "names-vi.txt").read_text(encoding="utf-8").splitlines():
        kind, _sep, words = line.partition(" ")
        if kind == "family":
            family.update(words.split())
        elif kind == "given":
            given.update(words.split())
    return frozenset(family), frozenset(given)


_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_NOT_LETTER = re.compile(r"[\W\d_]+")
_DATE = re.compile(r"^(\d{1,4})[\W_]?(\d{1,2})[\W_]?(\d{1,4})$")


def _fold_compact(text: str) -> str:
    return re.sub(r"\s+", "", fold(text))


@cache
def _vietnamese_list() -> frozenset[str]:
    lines = VIETNAMESE_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(
        _fold_compact(line) for line in lines if line.strip() and not line.startswith("#")
    )


@cache
def _django_list() -> frozenset[str]:
    return frozenset(password_validation.CommonPasswordValidator().passwords)


def is_vietnamese_name(letters: str) -> bool:
    """``letters`` (folded, letters only) splits into 2–4 name syllables, the first of which may
    be a family name: "nguyenvanan", "thuhuong", "tranthibichngoc"."""
    n = len(letters)
    family, given = _names()

    @cache
    def parts(start: int) -> int | None:
        """The fewest syllables that cover letters[start:], or None."""
        if start == n:
            return 0
        best = None
        for end in range(start + 1, min(n, start + 6) + 1):
            piece = letters[start:end]
            if piece in given or (start == 0 and piece in family):
                rest = parts(end)
                if rest is not None and (best is None or rest + 1 < best):
                    best = rest + 1
        return best

    count = parts(0)
    return count is not None and 2 <= count <= 4


def _is_date(compact: str) -> bool:
    match = _DATE.match(compact)
    if not match:
        return False
    a, b, c = (int(x) for x in match.groups())
    for year, month, day in ((c, b, a), (a, b, c), (c, a, b)):  # d/m/y, y/m/d, m/d/y
        if year < 100:
            year += 1900 if year > 30 else 2000
        try:
            date(year, month, day)
        except ValueError:
            continue
        return True
    return False


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with ``PASSWORD_MIN_LENGTH`` read when a password is checked (unless the
    validator's OPTIONS give ``min_length``)."""

    def __init__(self, min_length: int | None = None):
        self.fixed_length = min_length

    @property
    def min_length(self) -> int:
        return self.fixed_length or settings.PASSWORD_MIN_LENGTH

    def get_error_message(self) -> str:
        return ngettext(
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.",
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "Mật khẩu có ít nhất %(min_length)d ký tự; một câu dài dễ nhớ là tốt nhất.",
            "Mật khẩu có ít nhất %(min_length)d ký tự; một câu dài dễ nhớ là tốt nhất.",
            self.min_length,
        ) % {"min_length": self.min_length}


class CommonPasswordValidator:
    def validate(self, password: str, user=None) -> None:
        compact = _fold_compact(password)
        core = _EDGES.sub("", compact)
        common = _vietnamese_list() | _django_list()
        if (
            compact in common
            or password.lower().strip() in common
            or (len(core) >= 3 and core in common)
        ):
            raise ValidationError(
                _("Mật khẩu này quá phổ biến, dễ bị đoán ra. Hãy chọn mật khẩu khác."),
                code="password_too_common",
            )
        if is_vietnamese_name(_NOT_LETTER.sub("", compact)):
            raise ValidationError(
                _("Mật khẩu không được là một tên người (kể cả kèm số). Hãy chọn mật khẩu khác."),
                code="password_is_a_name",
            )
        if _is_date(compact):
            raise ValidationError(
                _("Mật khẩu không được là một ngày tháng. Hãy chọn mật khẩu khác."),
                code="password_is_a_date",
            )

    def get_help_text(self) -> str:
        return _("Không dùng mật khẩu phổ biến, tên người hay ngày tháng.")


class PersonalInfoSimilarityValidator:
    """Django's ``UserAttributeSimilarityValidator`` rule (a similarity ratio, each value and its
    words) on folded values, with the profile's full name, identity number and phone beside the
    user's own attributes."""

    def __init__(self, max_similarity: float = 0.7):
        self.max_similarity = max_similarity

    @staticmethod
    def _values(user) -> dict[str, str]:
        values = {
            "username": getattr(user, "username", "") or "",
            "email": getattr(user, "email", "") or "",
            "first_name": getattr(user, "first_name", "") or "",
            "last_name": getattr(user, "last_name", "") or "",
        }
        profile = profile_of(user) if getattr(user, "pk", None) else None
        if profile is not None:
            values["full_name"] = profile.full_name
            values["id_number"] = profile.id_number
            values["phone"] = profile.phone
        return {k: fold(v) for k, v in values.items() if v}

    def _similar(self, password: str, value: str) -> bool:
        for part in [*re.split(r"\W+", value), value, value.replace(" ", "")]:
            if len(part) < 3 or password_validation.exceeds_maximum_length_ratio(
                password, self.max_similarity, part
            ):
                continue
            if SequenceMatcher(a=password, b=part).quick_ratio() >= self.max_similarity:
                return True
        return False

    def _too_close(self, password: str, values: dict[str, str]) -> bool:
        compact = _fold_compact(password)
        letters = _NOT_LETTER.sub("", compact)
        digits = re.sub(r"\D", "", password)
        name = values.get("full_name", "")
        if name:
            joined = name.replace(" ", "")
            words = name.split()
            # The whole name; its last two syllables ("bichngoc"); or the password's letters
            # inside the name.
            if joined in letters or (len(letters) >= 4 and letters in joined):
                return True
            if len(words) >= 2 and "".join(words[-2:]) in letters:
                return True
        for key in ("id_number", "phone"):
            number = re.sub(r"\D", "", values.get(key, ""))
            if len(number) >= 6 and (
                number[-6:] in digits or (len(digits) >= 6 and digits in number)
            ):
                return True
        texts = {k: v for k, v in values.items() if k not in ("id_number", "phone")}
        return any(
            self._similar(candidate, value)
            for value in texts.values()
            for candidate in (fold(password), compact)
        )

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        if self._too_close(password, self._values(user)):
            raise ValidationError(
                _(
                    "Mật khẩu quá giống thông tin cá nhân của bạn (họ tên, tên đăng nhập, "
                    "thư điện tử, số định danh, số điện thoại)."
                ),
                code="password_too_similar",
            )

    def get_help_text(self) -> str:
        return _("Mật khẩu không được giống họ tên hay thông tin cá nhân của bạn.")


class ApiTokensRevokedOnPasswordChange:
    """Not a check: Django calls every validator's ``password_changed`` after a user's new
    password is saved, whatever set it (our account page, the admin's forms, ``changepassword``)
    and not when a hash is merely upgraded. A token issued under the old password is revoked."""

    def validate(self, password: str, user=None) -> None:
        return None

    def password_changed(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        tokens_revoke(user=user, reason="password_changed")

    def get_help_text(self) -> str:
        return _("Đổi mật khẩu sẽ thu hồi mọi khoá API đã cấp cho bạn.")
