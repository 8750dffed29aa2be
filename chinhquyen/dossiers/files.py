"""Upload checks: by content (magic bytes), not by the name or the declared type."""

from __future__ import annotations

from django.conf import settings

from chinhquyen.core.errors import ValidationFailed

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff(content: bytes) -> str | None:
    for magic, content_type in SIGNATURES:
        if content.startswith(magic):
            return content_type
    return None


def check_upload(*, name: str, content: bytes) -> str:
    """Return the content type, or raise with a message naming what is wrong."""
    if not content:
        raise ValidationFailed(
            "Tệp rỗng.", code="file_empty", fields={"file": ["Tệp không có nội dung."]}
        )
    if len(content) > settings.UPLOAD_MAX_BYTES:
        limit_mb = settings.UPLOAD_MAX_BYTES / (1024 * 1024)
        raise ValidationFailed(
            "Tệp quá lớn.", code="file_too_large", fields={"file": [f"Tối đa {limit_mb:g} MB."]}
        )
    content_type = sniff(content)
    if content_type is None:
        raise ValidationFailed(
            "Định dạng tệp không được chấp nhận.",
            code="file_type_not_allowed",
            fields={"file": ["Chỉ nhận PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp)."]},
        )
    if content_type == "application/pdf" and b"%%EOF" not in content[-2048:]:
        raise ValidationFailed(
            "Tệp PDF không hoàn chỉnh.",
            code="file_corrupt",
            fields={"file": ["Tệp PDF bị cắt hoặc hỏng."]},
        )
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValidationFailed("Tên tệp không hợp lệ.", fields={"file": ["Tên tệp không hợp lệ."]})
    return content_type
