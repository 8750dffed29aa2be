"""Signature API: validate any PDF (public), sign a PDF, sign a dossier's result or form."""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from chinhquyen.accounts.auth import bearer_or_session
from chinhquyen.core.api import binary, errors
from chinhquyen.core.errors import ValidationFailed

from . import services
from .validation import DocumentReport, validate_pdf

router = Router(tags=["signatures"])


def max_upload_bytes() -> int:
    return int(getattr(settings, "SIGNATURES_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def read_upload(file: UploadedFile | None) -> bytes:
    """The uploaded PDF's bytes, refused with a 422 on ``file`` when missing or too large."""
    if file is None:
        raise ValidationFailed("Chưa chọn tệp.", fields={"file": ["Hãy chọn một tệp PDF."]})
    limit = max_upload_bytes()
    if file.size is not None and file.size > limit:
        raise ValidationFailed(
            "Tệp quá lớn.",
            code="file_too_large",
            fields={"file": [f"Tối đa {limit // (1024 * 1024)} MB."]},
        )
    data = file.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed(
            "Tệp quá lớn.",
            code="file_too_large",
            fields={"file": [f"Tối đa {limit // (1024 * 1024)} MB."]},
        )
    return data


def parse_box(value: str) -> tuple[float, float, float, float] | None:
    """ "x1,y1,x2,y2" in PDF points (origin bottom left) → a tuple; empty → None."""
    if not value.strip():
        return None
    try:
        parts = tuple(float(v) for v in value.replace(";", ",").split(","))
    except ValueError:
        parts = ()
    if len(parts) != 4 or parts[0] == parts[2] or parts[1] == parts[3]:
        raise ValidationFailed(
            "Vùng ký không hợp lệ.", fields={"box": ["Dạng x1,y1,x2,y2 (điểm PDF)."]}
        )
    return parts  # type: ignore[return-value]


@router.post(
    "/validate",
    auth=None,
    response={200: DocumentReport, **errors(422)},
    summary="Kiểm tra chữ ký số của một tệp PDF (công khai)",
    description=(
        "Báo cáo cho từng chữ ký: chỉ dẫn ETSI EN 319 102-1 (TOTAL_PASSED, TOTAL_FAILED, "
        "INDETERMINATE) và chỉ dẫn phụ, người ký, chuỗi chứng thư, thời điểm ký, dấu thời gian, "
        "phạm vi ký, loại chữ ký (cá nhân/cơ quan) và kết luận thể thức Nghị định 30/2020."
    ),
)
def validate(request: HttpRequest, file: UploadedFile | None = File(None)):  # noqa: B008
    return validate_pdf(read_upload(file)).as_dict()


@router.post(
    "/sign",
    auth=bearer_or_session,
    response={200: None, **errors(401, 403, 409, 422)},
    openapi_extra=binary("application/pdf", description="Tệp PDF đã ký"),
    summary="Ký số một tệp PDF (cá nhân, cơ quan, bản sao)",
)
def sign(
    request: HttpRequest,
    file: UploadedFile | None = File(None),  # noqa: B008
    mode: Form[Literal["personal", "agency", "copy"]] = "personal",
    level: Form[str] = "",
    page: Form[int] = 1,
    box: Form[str] = "",
    first_line: Form[str] = "",
    position: Form[str] = "",
    pin: Form[str] = "",
):
    """Without ``box``, the signature box is the document's own, or, given ``position``
    (e.g. "CHỦ TỊCH"), a signature block added by the system. ``pin`` unlocks a token."""
    data = read_upload(file)
    signed = services.document_sign(
        user=request.auth,
        data=data,
        mode=mode,
        level=level or None,
        page=page,
        box=parse_box(box),
        first_line=first_line,
        position=position,
        pin=pin or None,
    )
    name = (file.name or "tai-lieu.pdf").rsplit(".", 1)[0]
    response = HttpResponse(signed.content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}-da-ky.pdf"'
    response["X-Signature-Field"] = str(signed.field_name)
    response["Cache-Control"] = "private, no-store"
    return response


class DossierSignIn(Schema):
    mode: Literal["personal", "agency", "copy"]
    file_id: int | None = None
    form_no: str | None = None
    level: str | None = None
    page: int | None = None
    box: tuple[float, float, float, float] | None = None
    first_line: str = ""
    position: str = ""  # a signature block is placed when the result has no box of its own
    pin: str | None = None  # unlocks a PKCS#11 token


class DossierFileOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    is_result: bool


@router.post(
    "/dossiers/{code}/sign",
    auth=bearer_or_session,
    response={201: DossierFileOut, **errors(401, 403, 404, 409, 422)},
    summary="Ký số kết quả hoặc mẫu in của hồ sơ; tệp đã ký được đính kèm vào hồ sơ",
)
def dossier_sign(request: HttpRequest, code: str, payload: DossierSignIn):
    record = services.dossier_document_sign(
        user=request.auth,
        code=code,
        mode=payload.mode,
        file_id=payload.file_id,
        form_no=payload.form_no,
        level=payload.level,
        page=payload.page,
        box=payload.box,
        first_line=payload.first_line,
        position=payload.position,
        pin=payload.pin,
    )
    return Status(201, record)
