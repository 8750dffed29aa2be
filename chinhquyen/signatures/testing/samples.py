"""Sample images and documents for tests, the benchmark and the development PKI.

``blue_signature_png()``: a blue scribble on a transparent background; ``red_seal_png()``: a red
ring with a star, 300 dpi so that it measures 38 mm; ``decision_pdf()``: a one-page A4 document
with a signature block, and the box between its title and name lines.
"""

from __future__ import annotations

import io
import math
from functools import cache

from PIL import Image, ImageDraw

from ..signing import FONT_FILE, Box


@cache
def blue_signature_png(colour=(20, 40, 200)) -> bytes:
    img = Image.new("RGBA", (400, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    points = [(20 + x, 80 + 45 * math.sin(x / 28) * math.cos(x / 90)) for x in range(0, 360, 4)]
    draw.line(points, fill=(*colour, 255), width=7)
    draw.line([(60, 130), (340, 110)], fill=(*colour, 255), width=5)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


@cache
def red_seal_png(colour=(210, 20, 30), dpi: int = 300) -> bytes:
    size = round(38 / 25.4 * dpi)  # 38 mm at the given resolution
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    w = max(4, size // 30)
    draw.ellipse([w, w, size - w, size - w], outline=(*colour, 255), width=w)
    draw.ellipse(
        [size // 6, size // 6, size - size // 6, size - size // 6],
        outline=(*colour, 255),
        width=w // 2,
    )
    c, r = size / 2, size / 7
    star = [
        (
            c + r * math.sin(i * math.pi / 5) * (1 if i % 2 == 0 else 0.4),
            c - r * math.cos(i * math.pi / 5) * (1 if i % 2 == 0 else 0.4),
        )
        for i in range(10)
    ]
    draw.polygon(star, fill=(*colour, 255))
    out = io.BytesIO()
    img.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


@cache
def white_background_png() -> bytes:
    img = Image.new("RGB", (200, 80), (255, 255, 255))
    ImageDraw.Draw(img).line([(10, 40), (190, 40)], fill=(20, 40, 200), width=6)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


SIGNATURE_TITLE_Y = 300.0  # baseline of the position title
SIGNATURE_NAME_Y = 200.0  # baseline of the signer's name


@cache
def decision_pdf(title: str = "CHỦ TỊCH", name: str = "Lãnh Đạo A", pages: int = 1) -> bytes:
    """A one-page A4 decision with the Decree 30 signature block on the right."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "CQSerifSample" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("CQSerifSample", str(FONT_FILE)))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for page in range(pages):
        c.setFont("CQSerifSample", 13)
        c.drawCentredString(150, 770, "ỦY BAN NHÂN DÂN")
        c.drawCentredString(420, 770, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        c.drawCentredString(297, 700, "QUYẾT ĐỊNH")
        c.drawString(70, 650, f"Về việc thử nghiệm chữ ký số (trang {page + 1}).")
        c.drawCentredString(420, SIGNATURE_TITLE_Y, title)
        c.drawCentredString(420, SIGNATURE_NAME_Y, name)
        c.showPage()
    c.save()
    return buf.getvalue()


def decision_box() -> Box:
    """Between the title line and the name line of ``decision_pdf``'s signature block."""
    return Box(340.0, SIGNATURE_NAME_Y + 16, 500.0, SIGNATURE_TITLE_Y - 6)
