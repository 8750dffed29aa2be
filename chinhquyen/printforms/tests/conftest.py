"""Dossiers at each stage (built through the real services) and PDF inspection with poppler."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chinhquyen.dossiers.services import Applicant, dossier_act, dossier_file_add, dossier_submit
from conftest import VALID_FORM

VN = ZoneInfo("Asia/Ho_Chi_Minh")
APPLICANT = "Trần Thị Ánh Tuyết"
ADDRESS = "Số 12 đường Lê Lợi, phường Thử Nghiệm A"
SUPPLEMENT_REASONS = "Bổ sung bản sao Giấy chứng nhận kết hôn của cha, mẹ; tờ khai thiếu chữ ký."
REFUSAL_REASON = "Hồ sơ không thuộc thẩm quyền giải quyết của Ủy ban nhân dân phường."
EXTENSION_REASON = "Phải xác minh thông tin nơi cư trú với cơ quan công an, chưa có kết quả."
STOP_REASON = "Người nộp đề nghị dừng để điều chỉnh nội dung yêu cầu; đã lập biên bản."


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def submit(world, when=None):
    """An online dossier of the citizen, filed in another person's name with diacritics, with
    the declaration uploaded."""
    d = dossier_submit(
        user=world.citizen,
        procedure_code="1.000001",
        agency_id=world.agency_a.agency_id,
        form_data=VALID_FORM,
        applicant=Applicant(
            name=APPLICANT, address=ADDRESS, phone="0912345678", email="tuyet@example.vn"
        ),
        at=when or at(2026, 3, 2),
    )
    dossier_file_add(
        user=world.citizen,
        code=d.code,
        document_code="to-khai",
        name="tờ-khai-khai-sinh.pdf",
        content=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        at=at(2026, 3, 2, 9, 5),
    )
    return d


def act(world_user, d, action, comment="", when=None, **params):
    return dossier_act(
        user=world_user,
        code=d.code,
        action=action,
        comment=comment,
        params=params,
        at=when,
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def submitted(world, media):
    return submit(world)


@pytest.fixture
def accepted(world, submitted):
    return act(world.counter_a, submitted, "accept", "Hồ sơ đầy đủ.", at(2026, 3, 2, 9, 30))


@pytest.fixture
def supplement_requested(world, accepted):
    return act(
        world.handler_a, accepted, "request_supplement", SUPPLEMENT_REASONS, at(2026, 3, 3, 10)
    )


@pytest.fixture
def refused(world, submitted):
    return act(world.counter_a, submitted, "refuse", REFUSAL_REASON, at(2026, 3, 2, 10))


@pytest.fixture
def extended(world, accepted):
    return act(world.leader_a, accepted, "extend", EXTENSION_REASON, at(2026, 3, 4, 14), days=3)


@pytest.fixture
def stopped(world, accepted):
    return act(world.leader_a, accepted, "stop", STOP_REASON, at(2026, 3, 3, 15))


@pytest.fixture
def processed(world, accepted):
    """Accepted, assigned, consulted another agency, approved, finished and returned."""
    d = act(
        world.leader_a, accepted, "assign", "Giao xử lý", at(2026, 3, 2, 14), assignee="chuyenvien"
    )
    d = act(
        world.handler_a,
        d,
        "forward",
        "Xin ý kiến xác minh",
        at(2026, 3, 3, 9),
        agency=world.agency_b.agency_id,
        kind="consult",
        days=1,
    )
    d = act(world.handler_b, d, "complete_step", "Thông tin chính xác", at(2026, 3, 3, 16))
    d = act(world.leader_a, d, "approve", "Đồng ý", at(2026, 3, 4, 10))
    d = act(world.handler_a, d, "finish", "Đã cấp Giấy khai sinh", at(2026, 3, 5, 10))
    return act(world.counter_a, d, "return_result", "", at(2026, 3, 5, 15))


# --- PDF inspection ------------------------------------------------------------------------------

POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm") and shutil.which("pdffonts")
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils not installed (scripts/bootstrap.sh installs it)"
)


def _run(args: list[str], pdf: bytes, tmp: Path) -> str:
    path = tmp / "form.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(  # noqa: S603 - a tool found on PATH, a file we wrote
        [shutil.which(args[0]), *args[1:], str(path), *(["-"] if args[0] == "pdftotext" else [])],
        capture_output=True,
        check=True,
        cwd=tmp,
    )
    return out.stdout.decode("utf-8")


@dataclass
class Pdf:
    """One rendered PDF as poppler sees it."""

    content: bytes
    tmp: Path

    @property
    def text(self) -> str:
        """The text in drawing order (-raw: table cells do not interleave), white space folded
        (lines wrap anywhere)."""
        return " ".join(
            _run(["pdftotext", "-raw", "-enc", "UTF-8"], self.content, self.tmp).split()
        )

    @property
    def info(self) -> dict[str, str]:
        lines = _run(["pdfinfo"], self.content, self.tmp).splitlines()
        return {k.strip(): v.strip() for k, _, v in (ln.partition(":") for ln in lines)}

    @property
    def page_size(self) -> tuple[float, float]:
        # "Page size:      419.53 x 595.28 pts (A5)"
        parts = self.info["Page size"].split()
        return float(parts[0]), float(parts[2])

    @property
    def fonts(self) -> list[dict[str, str]]:
        """pdffonts rows: name, type, emb, sub, uni."""
        rows = _run(["pdffonts"], self.content, self.tmp).splitlines()[2:]
        out = []
        for row in rows:
            cols = row.split()
            # name, type (one or two words), encoding, emb, sub, uni, object ID (two columns)
            emb, sub, uni = cols[-5], cols[-4], cols[-3]
            out.append(
                {"name": cols[0], "type": " ".join(cols[1:-6]), "emb": emb, "sub": sub, "uni": uni}
            )
        return out

    def image(self, dpi: int = 50, page: int = 1):
        from PIL import Image

        path = self.tmp / "form.pdf"
        path.write_bytes(self.content)
        args = ["-r", str(dpi), "-png", "-f", str(page), "-l", str(page), "-singlefile"]
        subprocess.run(  # noqa: S603 - a tool found on PATH, a file we wrote
            [shutil.which("pdftoppm"), *args, str(path), str(self.tmp / "page")],
            check=True,
        )
        return Image.open(BytesIO((self.tmp / "page.png").read_bytes())).convert("L")


@pytest.fixture
def pdf(tmp_path):
    def make(content: bytes) -> Pdf:
        assert content.startswith(b"%PDF-")
        return Pdf(content=content, tmp=tmp_path)

    return make
