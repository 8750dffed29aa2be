"""Signature images of Decree 30/2020: the signer's blue transparent PNG and the agency's red seal.

Checked when an identity is saved (``image_check``) so that signing never meets a wrong image.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from chinhquyen.core.errors import ValidationFailed

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 4000 * 4000
DEFAULT_SEAL_MM = 38.0  # a common seal diameter (Decree 99/2016 seals are 35–42 mm)
MM_PER_INCH = 25.4
PT_PER_MM = 72 / MM_PER_INCH

BLUE = "blue"
RED = "red"


@dataclass(frozen=True)
class ImageInfo:
    width_px: int
    height_px: int
    dpi: float | None

    @property
    def aspect(self) -> float:
        return self.width_px / self.height_px


def _open(data: bytes, field: str) -> Image.Image:
    if not data:
        raise ValidationFailed("Chưa có ảnh.", fields={field: ["Hãy tải lên tệp PNG."]})
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationFailed("Ảnh quá lớn.", fields={field: ["Ảnh chữ ký/con dấu tối đa 2 MB."]})
    try:
        img = Image.open(io.BytesIO(data))
        if img.format != "PNG":
            raise ValidationFailed(
                "Ảnh phải là tệp PNG.", fields={field: ["Chỉ nhận ảnh PNG có nền trong suốt."]}
            )
        if img.width * img.height > MAX_PIXELS:
            raise ValidationFailed("Ảnh quá lớn.", fields={field: ["Ảnh tối đa 4000×4000 điểm."]})
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationFailed(
            "Không đọc được ảnh.", fields={field: ["Tệp không phải ảnh PNG hợp lệ."]}
        ) from exc
    return img


def _colour_shares(img: Image.Image) -> tuple[float, float, float]:
    """(share of transparent pixels, share of blue ink, share of red ink) in the image."""
    rgba = img.convert("RGBA")
    rgba.thumbnail((200, 200))  # enough to judge the colour, and fast
    raw = rgba.tobytes()
    pixels = [tuple(raw[i : i + 4]) for i in range(0, len(raw), 4)]
    total = len(pixels) or 1
    opaque = [(r, g, b) for r, g, b, a in pixels if a >= 128]
    transparent = (total - len(opaque)) / total
    if not opaque:
        return transparent, 0.0, 0.0
    blue = sum(1 for r, g, b in opaque if b - max(r, g) >= 40) / len(opaque)
    red = sum(1 for r, g, b in opaque if r - max(g, b) >= 40) / len(opaque)
    return transparent, blue, red


def image_check(data: bytes, *, colour: str, field: str = "image") -> ImageInfo:
    """Refuse an image that is not a transparent PNG of the required ink colour.

    ``colour`` is ``blue`` for a person's signature and ``red`` for an agency's seal.
    """
    img = _open(data, field)
    has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
    transparent, blue, red = _colour_shares(img)
    if not has_alpha or transparent < 0.05:
        raise ValidationFailed(
            "Ảnh phải có nền trong suốt.",
            code="image_not_transparent",
            fields={field: ["Ảnh PNG cần nền trong suốt (kênh alpha), không phải nền trắng."]},
        )
    if colour == BLUE and blue < 0.6:
        raise ValidationFailed(
            "Ảnh chữ ký phải màu xanh.",
            code="image_not_blue",
            fields={field: ["Theo Nghị định 30/2020, ảnh chữ ký của người ký là màu xanh."]},
        )
    if colour == RED and red < 0.6:
        raise ValidationFailed(
            "Ảnh con dấu phải màu đỏ.",
            code="image_not_red",
            fields={field: ["Theo Nghị định 30/2020, ảnh con dấu của cơ quan là màu đỏ."]},
        )
    dpi = img.info.get("dpi")
    dpi_value = float(dpi[0]) if dpi and dpi[0] and float(dpi[0]) >= 72 else None
    return ImageInfo(width_px=img.width, height_px=img.height, dpi=dpi_value)


def image_info(data: bytes) -> ImageInfo:
    img = Image.open(io.BytesIO(data))
    dpi = img.info.get("dpi")
    dpi_value = float(dpi[0]) if dpi and dpi[0] and float(dpi[0]) >= 72 else None
    return ImageInfo(width_px=img.width, height_px=img.height, dpi=dpi_value)


def seal_size_pt(info: ImageInfo) -> tuple[float, float]:
    """The seal at real size in points: from the PNG's DPI, else 38 mm wide."""
    if info.dpi:
        width_mm = info.width_px / info.dpi * MM_PER_INCH
        if 20 <= width_mm <= 60:  # a plausible seal; otherwise the DPI tag is noise
            return width_mm * PT_PER_MM, info.height_px / info.dpi * MM_PER_INCH * PT_PER_MM
    width = DEFAULT_SEAL_MM * PT_PER_MM
    return width, width / info.aspect
