"""A translation catalogue made for a test, ahead of the project's: plural entries are written
into ``locale/`` after a change is merged, but the code must already ask for them."""

from __future__ import annotations

import subprocess
from pathlib import Path

HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

"""


def install_catalogue(settings, folder: Path, entries: str, language: str = "en") -> None:
    """Compile ``entries`` (.po text) with msgfmt and put it first in ``LOCALE_PATHS`` (Django
    drops its loaded catalogues when the setting changes)."""
    messages = folder / language / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "django.po").write_text(HEADER + entries, encoding="utf-8")
    subprocess.run(  # noqa: S603 - gettext's compiler on a file we wrote
        ["/usr/bin/msgfmt", "-o", str(messages / "django.mo"), str(messages / "django.po")],
        check=True,
    )
    settings.LOCALE_PATHS = [folder, *settings.LOCALE_PATHS]
