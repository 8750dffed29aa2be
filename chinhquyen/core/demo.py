"""The demo: units, agencies, calendar, catalogue and the documented accounts. Idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction

DEMO_PASSWORD = "chinhquyen-demo"  # noqa: S105 - documented in the README, demo only
CATALOGUE_FILE = (
    Path(__file__).resolve().parent.parent / "catalogue" / "fixtures" / "demo_catalogue.json"
)

# username, full name, roles, agency key (from agencies_seed_demo), extra profile fields
DEMO_USERS = [
    (
        "congdan",
        "Nguyễn Văn An",
        ["citizen"],
        None,
        {"id_number": "031090001234", "phone": "0912345678", "email": "congdan@example.vn"},
    ),
    ("motcua", "Trần Thị Bình", ["counter"], "commune_a", {"email": "motcua@example.vn"}),
    ("chuyenvien", "Lê Văn Cường", ["handler"], "commune_a", {"email": "chuyenvien@example.vn"}),
    ("lanhdao", "Phạm Thị Dung", ["leader"], "commune_a", {"email": "lanhdao@example.vn"}),
    ("quantri", "Hoàng Văn Em", ["agency_admin"], "commune_a", {"email": "quantri@example.vn"}),
    ("motcua2", "Vũ Thị Giang", ["counter"], "commune_b", {"email": "motcua2@example.vn"}),
    ("admin", "Quản trị hệ thống", ["system_admin"], None, {"email": "admin@example.vn"}),
]


def demo_load(stdout: TextIO | None = None) -> dict[str, object]:
    from chinhquyen.accounts.services import user_create
    from chinhquyen.catalogue.services import catalogue_import
    from chinhquyen.units.services import agencies_seed_demo, units_load
    from chinhquyen.workdays.services import calendar_seed_demo

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    units = units_load(stdout=stdout)
    say(f"units: {units}")
    with transaction.atomic():
        agencies = agencies_seed_demo()
        calendar_seed_demo()
    say(f"agencies: {len(agencies)} demo agencies")
    report = catalogue_import(file_name=CATALOGUE_FILE.name, content=CATALOGUE_FILE.read_bytes())
    report.raise_if_failed()
    say(f"catalogue: {report}")
    User = get_user_model()
    created = []
    for username, full_name, roles, agency_key, extra in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        user_create(
            username=username,
            password=DEMO_PASSWORD,
            full_name=full_name,
            roles=roles,
            agency=agencies[agency_key] if agency_key else None,
            email=extra.get("email", ""),
            id_number=extra.get("id_number", ""),
            phone=extra.get("phone", ""),
            is_staff=username == "admin",
            is_superuser=username == "admin",
        )
        created.append(username)
    say(
        f"accounts created: {', '.join(created) or 'none (already there)'}; password {DEMO_PASSWORD}"
    )
    return {"agencies": agencies, "users_created": created}
