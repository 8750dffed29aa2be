"""Find the signature box of a document from its text: between the position title and the name.

Used for our own forms (01–06 of ``printforms``) and for any PDF whose signature block carries
the usual hint line "(Ký, ghi rõ họ tên …)" or "(Ký và ghi rõ họ tên)". The text positions
come from poppler's ``pdftotext -bbox-layout`` (installed with poppler-utils). Callers that know
the position pass the page and box explicitly instead.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from xml.etree import ElementTree

from chinhquyen.core.errors import ValidationFailed

from .signing import Box

HINT = re.compile(r"\(\s*k[ýy]\b", re.IGNORECASE)
HALF_WIDTH = 80.0  # points each side of the hint's centre


@dataclass(frozen=True)
class _Line:
    text: str
    x1: float
    y1: float  # top, from the top of the page
    x2: float
    y2: float


def _pages(data: bytes) -> list[tuple[float, float, list[_Line]]]:
    exe = shutil.which("pdftotext")
    if exe is None:
        raise RuntimeError("pdftotext (poppler-utils) is required to locate the signature box")
    out = subprocess.run(  # noqa: S603 - fixed arguments, the PDF on stdin
        [exe, "-bbox-layout", "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        timeout=30,
        check=False,
    ).stdout
    xml = re.sub(rb"<!DOCTYPE[^>]*>", b"", out)
    try:
        root = ElementTree.fromstring(xml)  # noqa: S314 - poppler's own output
    except ElementTree.ParseError:
        return []
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    pages = []
    for page in root.iter("{http://www.w3.org/1999/xhtml}page"):
        lines = []
        for line in page.iterfind(".//h:line", ns):
            words = [w.text or "" for w in line.iterfind("h:word", ns)]
            lines.append(
                _Line(
                    unicodedata.normalize("NFC", " ".join(words)),
                    float(line.get("xMin")),
                    float(line.get("yMin")),
                    float(line.get("xMax")),
                    float(line.get("yMax")),
                )
            )
        pages.append((float(page.get("width")), float(page.get("height")), lines))
    return pages


def signature_box_find(data: bytes) -> tuple[int, Box]:
    """(page index, box) of the right-most signature hint on the last page that has one."""
    pages = _pages(data)
    for page_ix in range(len(pages) - 1, -1, -1):
        width, height, lines = pages[page_ix]
        hints = [line for line in lines if HINT.search(line.text)]
        if not hints:
            continue
        hint = max(hints, key=lambda line: (line.x1 + line.x2) / 2)
        cx = (hint.x1 + hint.x2) / 2
        below = [
            line
            for line in lines
            if line.y1 > hint.y2 and line.x1 < cx + HALF_WIDTH and line.x2 > cx - HALF_WIDTH
        ]
        name = min(below, key=lambda line: line.y1, default=None)
        bottom = name.y1 if name else min(hint.y2 + 60, height)
        x1, x2 = max(cx - HALF_WIDTH, 0), min(cx + HALF_WIDTH, width)
        # pdftotext measures from the top; PDF user space from the bottom.
        return page_ix, Box(x1, height - bottom + 1, x2, height - hint.y2 - 1)
    raise ValidationFailed(
        "Không tìm thấy vị trí ký trên tài liệu.",
        code="signature_box_not_found",
        fields={"box": ["Hãy chỉ rõ trang và vùng ký (giữa chức vụ và họ tên người ký)."]},
    )
