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
    # The other agency's handler and leader: a step forwarded to it can be answered in the demo.
    ("chuyenvien2", "Đỗ Văn Hải", ["handler"], "commune_b", {"email": "chuyenvien2@example.vn"}),
    ("lanhdao2", "Ngô Thị Hoa", ["leader"], "commune_b", {"email": "lanhdao2@example.vn"}),
    ("admin", "Quản trị hệ thống", ["system_admin"], None, {"email": "admin@example.vn"}),
]


def demo_load(stdout: TextIO | None = None) -> dict[str, object]:
    from chinhquyen.accounts.services import user_create
    from chinhquyen.catalogue.services import catalogue_import
    from chinhquyen.reporting.scenario2019 import scenario2019_load
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
    say(f"demo signing: {demo_signing(agencies['commune_a'])}")
    say(f"demo signing policy: {demo_signing_policy()}")
    dossiers = demo_dossiers(agencies["commune_a"])
    say(f"demo dossiers: {len(dossiers)} created")
    consultation = demo_consultation()
    say(f"demo consultation: {consultation}")
    say(f"2019 inspection scenario: {scenario2019_load(stdout=stdout)}")
    return {"agencies": agencies, "users_created": created, "dossiers": dossiers}


def demo_consultation() -> str:
    """An open consultation on putting marriage registration fully online (it is partly online
    in the demo catalogue), opened by the demo leader; once."""
    from datetime import timedelta

    from django.utils import timezone

    from chinhquyen.consultations.models import Consultation
    from chinhquyen.consultations.services import consultation_open

    if Consultation.objects.exists():
        return "already there"
    c = consultation_open(
        actor=get_user_model().objects.get(username="lanhdao"),
        procedure_code="1.000894",
        title="Đăng ký kết hôn trực tuyến toàn trình",
        purpose=(
            "UBND phường dự kiến cho phép nộp hồ sơ, nộp lệ phí và nhận thông báo kết quả đăng ký "
            "kết hôn hoàn toàn trực tuyến; hai bên chỉ đến ký sổ và nhận Giấy chứng nhận. "
            "Xin ý kiến người dân trước khi triển khai."
        ),
        planned_mode="full",
        draft_steps=(
            "Bước 1: Hai bên nộp tờ khai và giấy tờ trên Cổng dịch vụ công, xác thực bằng "
            "tài khoản định danh điện tử.\nBước 2: Nộp lệ phí trực tuyến.\nBước 3: Nhận thông báo "
            "lịch hẹn, đến ký Sổ đăng ký kết hôn và nhận Giấy chứng nhận kết hôn."
        ),
        closes_at=timezone.now() + timedelta(days=30),
        threshold_percent=60,
        min_votes=30,
    )
    return f"/y-kien/{c.pk}/"


# Results the demo agencies issue on paper: a building permit comes with stamped drawings, a
# driving licence is a PET card. Every other demo procedure's result is an electronic document,
# signed by the leader and sealed before it is issued.
PAPER_RESULTS = frozenset({"1.013225", "1.013221", "3.000347"})
# The position printed above the demo leaders' signatures (Decree 30/2020, Annex I).
DEMO_POSITIONS = {"lanhdao": "CHỦ TỊCH", "lanhdao2": "PHÓ CHỦ TỊCH"}


def demo_signing_policy() -> str:
    """How the demo agencies issue results (an operating choice of each agency, so not in the
    catalogue file): electronic and signed, except PAPER_RESULTS; the leaders' positions."""
    from chinhquyen.accounts.models import Profile
    from chinhquyen.catalogue.models import Procedure

    electronic = Procedure.objects.exclude(code__in=PAPER_RESULTS).update(electronic_result=True)
    for username, position in DEMO_POSITIONS.items():
        Profile.objects.filter(user__username=username, position="").update(position=position)
    return f"{electronic} procedures with an electronic, signed result"


def demo_result_pdf(*, title: str, lines: list[str]) -> bytes:
    """A draft result as a handler would upload it: an A4 page in Liberation Serif with the
    heading and the content, and no signature block (the system places it when signing)."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from chinhquyen.printforms.render import FONT, FONT_BOLD, fonts_register

    fonts_register()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    c.setFont(FONT_BOLD, 12)
    c.drawCentredString(150, height - 70, "ỦY BAN NHÂN DÂN")
    c.drawCentredString(150, height - 86, "PHƯỜNG HẢI DƯƠNG")
    c.drawCentredString(width - 170, height - 70, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    c.drawCentredString(width - 170, height - 86, "Độc lập - Tự do - Hạnh phúc")
    c.setFont(FONT_BOLD, 14)
    c.drawCentredString(width / 2, height - 150, title.upper())
    c.setFont(FONT, 13)
    y = height - 190
    for line in lines:
        c.drawString(70, y, line)
        y -= 22
    c.showPage()
    c.save()
    return buf.getvalue()


def _draft(username: str, title: str):
    """A demo step: the handler uploads the draft result and submits it to the leader."""
    return (username, "_draft", {"title": title})


# (procedure code, the actions to take after submission: (username, action, params))
DEMO_DOSSIERS = [
    ("1.001193", []),
    ("1.001193", [("motcua", "accept", {})]),
    ("1.000894", [("motcua", "accept", {}), ("lanhdao", "assign", {"assignee": "chuyenvien"})]),
    (
        "2.000635",
        [
            ("motcua", "accept", {}),
            ("lanhdao", "assign", {"assignee": "chuyenvien"}),
            (
                "chuyenvien",
                "request_supplement",
                {"comment": "Bổ sung bản sao CCCD của người yêu cầu."},
            ),
        ],
    ),
    (
        "1.001612",
        [
            ("motcua", "accept", {}),
            ("lanhdao", "assign", {"assignee": "chuyenvien"}),
            _draft("chuyenvien", "Giấy chứng nhận đăng ký hộ kinh doanh"),
            ("lanhdao", "_sign", {"purpose": "approve"}),
            ("motcua", "_sign", {"purpose": "seal"}),
        ],
    ),
    # Three results waiting for the leader's signature: sign them together from the inbox.
    *(
        (
            code,
            [
                ("motcua", "accept", {}),
                ("lanhdao", "assign", {"assignee": "chuyenvien"}),
                _draft("chuyenvien", title),
            ],
        )
        for code, title in (
            ("1.001193", "Giấy khai sinh"),
            ("1.004873", "Giấy xác nhận tình trạng hôn nhân"),
            ("1.000656", "Trích lục khai tử"),
        )
    ),
]


def demo_dossiers(agency) -> list[str]:
    """A few dossiers of the demo citizen in different states, so that the inboxes are not empty.
    Only on a database without dossiers: the demo never adds to real work."""
    from chinhquyen.catalogue.models import Procedure
    from chinhquyen.dossiers.models import Dossier
    from chinhquyen.dossiers.services import dossier_act, dossier_submit

    if Dossier.objects.exists():
        return []
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in DEMO_USERS])}
    codes = []
    for procedure_code, steps in DEMO_DOSSIERS:
        procedure = Procedure.objects.select_related("current").get(code=procedure_code)
        with transaction.atomic():
            dossier = dossier_submit(
                user=users["congdan"],
                procedure_code=procedure_code,
                agency_id=agency.agency_id,
                form_data=procedure.current.form_schema["examples"][0],
            )
            for username, action, params in steps:
                params = dict(params)
                comment = params.pop("comment", "")
                if action == "_draft":
                    _demo_draft(users[username], dossier, params["title"])
                elif action == "_sign":
                    if not _demo_sign(users[username], dossier, params["purpose"]):
                        break
                else:
                    dossier_act(
                        user=users[username],
                        code=dossier.code,
                        action=action,
                        comment=comment,
                        params=params,
                    )
        codes.append(dossier.code)
    return codes


def _demo_draft(user, dossier, title: str) -> None:
    from chinhquyen.dossiers.services import dossier_act, dossier_file_add

    dossier_file_add(
        user=user,
        code=dossier.code,
        document_code="result",
        name=f"du-thao-{dossier.code}.pdf",
        content=demo_result_pdf(
            title=title,
            lines=[
                f"Cấp cho: {dossier.applicant_name}",
                f"Theo hồ sơ số: {dossier.code}",
                f"Thủ tục: {dossier.procedure_version.name[:80]}",
            ],
        ),
    )
    dossier_act(user=user, code=dossier.code, action="submit_for_approval")


def _demo_sign(user, dossier, purpose: str) -> bool:
    """Sign with the demo's key files (False, and the dossier left waiting, without them)."""
    from chinhquyen.core.errors import DomainError
    from chinhquyen.signatures.batches import signing_batch_start

    try:
        batch = signing_batch_start(user=user, codes=[dossier.code], purpose=purpose)
    except DomainError:
        return False
    return batch.items.filter(state="done").exists()


def demo_signing(agency) -> str:
    """A development CA, the demo leader's personal certificate (with a blue signature image) and
    the agency's certificate (with a red seal), so that results can be signed in the Decree 30
    format in the demo. Only where a key passphrase is configured (the developer profile); once."""
    from django.conf import settings

    from chinhquyen.signatures.models import CertificateAuthority
    from chinhquyen.signatures.services import ca_init, identity_issue
    from chinhquyen.signatures.testing.samples import blue_signature_png, red_seal_png

    if not getattr(settings, "SIGNATURES_KEY_PASSPHRASE", ""):
        return "skipped (no SIGNATURES_KEY_PASSPHRASE)"
    if CertificateAuthority.objects.exists():
        return "already there"
    ca = ca_init(name="CA thử nghiệm chinhquyen", organisation="chinhquyen (demo)")
    leader = get_user_model().objects.get(username="lanhdao")
    identity_issue(
        ca=ca,
        label="demo-lanhdao",
        kind="personal",
        agency=agency,
        user=leader,
        common_name=leader.profile.full_name,
        identifier="031080001111",
        title="Chủ tịch",
        image_png=blue_signature_png(),
    )
    identity_issue(
        ca=ca,
        label="demo-seal",
        kind="agency",
        agency=agency,
        common_name=agency.name,
        image_png=red_seal_png(),
    )
    return "development CA, the leader's signature and the agency's seal"
