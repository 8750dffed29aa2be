"""The `chinhquyen` command: a thin front to Django management commands.

chinhquyen audit verify          -> manage.py audit_verify
chinhquyen catalogue export ...  -> manage.py catalogue_export ...
chinhquyen <anything else>       -> manage.py <anything else>

The installed command runs the production profile unless ``DJANGO_SETTINGS_MODULE`` says
otherwise (``manage.py``, a developer's tool, defaults to the local one).
"""

from __future__ import annotations

import os
import sys

# "<group> <verb>" pairs that map to one management command named "<group>_<verb>".
GROUPED = {
    ("audit", "verify"),
    ("audit", "checkpoint"),
    ("catalogue", "import"),
    ("catalogue", "export"),
    ("units", "load"),
    ("demo", "load"),
}


def translate(argv: list[str]) -> list[str]:
    if len(argv) >= 2 and (argv[0], argv[1]) in GROUPED:
        return [f"{argv[0]}_{argv[1]}", *argv[2:]]
    return argv


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["chinhquyen", *translate(sys.argv[1:])])


if __name__ == "__main__":
    main()
