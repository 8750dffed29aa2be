"""The verification page: drop a signed PDF, read the verdict in Vietnamese. Public, like the
API: whoever holds a signed document may check it, and nothing is stored.

The page speaks to the person holding the document: "Chữ ký hợp lệ", who signed, which
authority issued the certificate, when it was signed, whether the document was changed after,
and whether the Decree 30/2020 format is met and what that format is. The ETSI EN 319 102-1
terms (TOTAL_PASSED, sub-indications, field names, PAdES level, coverage) are kept for the
specialist in a "Thông tin kỹ thuật" section. The report itself (``validation.validate_pdf``)
is the API's; only its presentation is made here (:func:`report_view`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from chinhquyen.core.errors import ValidationFailed

from . import pki
from .api import read_upload
from .forms import VerifyForm
from .validation import (
    INDETERMINATE,
    SUB_INDICATION_VI,
    TOTAL_FAILED,
    TOTAL_PASSED,
    DocumentReport,
    SignatureReport,
    validate_pdf,
)

# "Common Name: CA …, Organization: …, Country: VN" (asn1crypto's human-friendly name): the
# labels are English; the page shows the values.
_NAME_PART = re.compile(r"(?:^|, )([A-Z][A-Za-z ]+): ")
# Sub-indications that mean the signed content itself changed.
_CONTENT_CHANGED = {"HASH_FAILURE", "SIG_CONSTRAINTS_FAILURE"}


def _verdicts() -> dict[str, tuple[str, str]]:
    return {
        TOTAL_PASSED: (_("Chữ ký hợp lệ"), "ok"),
        TOTAL_FAILED: (_("Chữ ký không hợp lệ"), "bad"),
        INDETERMINATE: (_("Chưa xác định được"), "unknown"),
    }


@dataclass
class SignatureView:
    """One signature, as the page shows it."""

    number: int
    kind: str
    verdict: str
    tone: str  # ok / bad / unknown
    reason: str
    signer: str
    signer_organisation: str
    issuer: str
    valid_from: datetime | None
    valid_to: datetime | None
    signed_at: datetime | None
    timestamp_at: datetime | None
    timestamp_valid: bool | None
    unchanged: bool
    unchanged_text: str
    image: str
    technical: list[tuple[str, str]] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # what changed after signing


@dataclass
class ReportView:
    """The whole document, as the page shows it."""

    verdict: str
    tone: str
    summary: str
    count: str
    decree30_ok: bool
    decree30_verdict: str
    decree30_rule: str
    decree30_checks: list[dict[str, Any]]
    signatures: list[SignatureView]
    technical: list[tuple[str, str]]
    warnings: list[str] = field(default_factory=list)


def _when(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _name_parts(name: str) -> dict[str, str]:
    """The attributes of a human-friendly X.500 name by their (English) label."""
    marks = list(_NAME_PART.finditer(name or ""))
    return {
        m.group(1): name[m.end() : marks[i + 1].start() if i + 1 < len(marks) else len(name)]
        for i, m in enumerate(marks)
    }


def _issuer(name: str) -> str:
    parts = _name_parts(name)
    common, organisation = parts.get("Common Name", ""), parts.get("Organization", "")
    if common and organisation and organisation not in common:
        return f"{common} — {organisation}"
    return common or organisation or name


def _kind(sig: SignatureReport) -> str:
    return {
        pki.PERSONAL: _("Chữ ký cá nhân (người có thẩm quyền)"),
        pki.AGENCY: _("Chữ ký của cơ quan, tổ chức (con dấu)"),
    }.get(sig.kind, _("Chữ ký không rõ loại"))


def _reason(sig: SignatureReport) -> str:
    if sig.indication == TOTAL_PASSED:
        return _(
            "Chứng thư số do tổ chức cung cấp dịch vụ chứng thực tin cậy cấp, còn hiệu lực khi "
            "ký, và nội dung được ký còn nguyên vẹn."
        )
    # every problem: a change after signing and a certificate problem are both told
    problems = sig.problems or [sig.sub_indication or ""]
    text = " ".join(SUB_INDICATION_VI.get(p, "") for p in problems if p)
    if sig.error:
        text = f"{text} ({sig.error})"
    if sig.indication == INDETERMINATE:
        return " ".join(
            t for t in (text, _("Chưa đủ căn cứ để kết luận chữ ký hợp lệ hay không.")) if t
        )
    return text


def _unchanged(sig: SignatureReport) -> tuple[bool, str]:
    if sig.sub_indication in _CONTENT_CHANGED or sig.modified_after_signing:
        return False, _("Tài liệu đã bị thêm hoặc sửa nội dung sau khi ký.")
    if sig.covers_whole_file:
        return True, _("Tài liệu không bị sửa đổi sau khi ký (chữ ký bao trùm toàn bộ tệp).")
    return True, _("Tài liệu không bị sửa đổi sau khi ký: nội dung được ký còn nguyên vẹn.")


def _image(sig: SignatureReport) -> str:
    if not sig.has_image:
        return _("Không có hình ảnh")
    what = _("Có hình ảnh con dấu") if sig.kind == pki.AGENCY else _("Có hình ảnh chữ ký")
    if sig.page:
        return _("%(what)s, ở trang %(page)s") % {"what": what, "page": sig.page}
    return str(what)


def _signature_technical(sig: SignatureReport) -> list[tuple[str, str]]:
    rows = [
        (_("Trường chữ ký (signature field)"), sig.field),
        (_("Chỉ dẫn (indication)"), sig.indication),
        (_("Chỉ dẫn phụ (sub-indication)"), sig.sub_indication or "—"),
        (_("Mức PAdES (level)"), sig.level or "—"),
        (_("Phạm vi ký (coverage)"), sig.coverage),
        (_("Mức sửa đổi cho phép (modification level)"), sig.modification_level or "—"),
        (_("Phiên bản được ký (revision)"), str(sig.revision)),
        (_("Chủ thể chứng thư (subject)"), sig.signer.subject),
        (_("Tổ chức cấp (issuer)"), sig.signer.issuer),
        (_("Số hiệu chứng thư (serial)"), sig.signer.serial),
        (_("Chuỗi chứng thư (chain)"), " → ".join(sig.chain) or "—"),
    ]
    if sig.rect:
        rect = ", ".join(f"{v:g}" for v in sig.rect)
        rows.append((_("Vị trí hình ảnh (trang; x1, y1, x2, y2)"), f"{sig.page}; {rect}"))
    return rows


def _signature_view(number: int, sig: SignatureReport) -> SignatureView:
    verdict, tone = _verdicts()[sig.indication]
    unchanged, unchanged_text = _unchanged(sig)
    return SignatureView(
        number=number,
        kind=_kind(sig),
        verdict=verdict,
        tone=tone,
        reason=_reason(sig),
        signer=sig.signer.common_name
        or _name_parts(sig.signer.subject).get("Common Name", "")
        or sig.signer.subject
        or _("Không đọc được tên người ký"),
        signer_organisation=sig.signer.organisation,
        issuer=_issuer(sig.signer.issuer),
        valid_from=_when(sig.signer.not_before),
        valid_to=_when(sig.signer.not_after),
        signed_at=_when(sig.signing_time),
        timestamp_at=_when(sig.timestamp),
        timestamp_valid=sig.timestamp_valid,
        unchanged=unchanged,
        unchanged_text=unchanged_text,
        image=_image(sig),
        technical=_signature_technical(sig),
        changes=sig.changes,
    )


def _decree30_rule(report: DocumentReport) -> str:
    if report.decree30.form == "copy":
        return _(
            "Bản sao điện tử, phụ lục: chữ ký số của cơ quan, tổ chức, không có hình ảnh, đặt ở "
            "góc trên bên phải trang đầu."
        )
    return _(
        "Văn bản điện tử: chữ ký số của người có thẩm quyền, có hình ảnh chữ ký; sau đó chữ ký "
        "số của cơ quan, tổ chức, có hình ảnh con dấu trùm lên khoảng 1/3 hình ảnh chữ ký về "
        "phía bên trái."
    )


def report_view(report: DocumentReport) -> ReportView:
    """The validation report in the words of the person who holds the document."""
    signatures = [_signature_view(i, s) for i, s in enumerate(report.signatures, 1)]
    if not signatures:
        verdict, tone = _("Tài liệu không có chữ ký số"), "unknown"
    else:
        verdict, tone = _verdicts()[report.indication]
    summary = {
        TOTAL_PASSED: ngettext(
            "Chữ ký số của tài liệu hợp lệ.",
            "Tất cả %(n)d chữ ký số của tài liệu hợp lệ.",
            len(signatures),
        ),
        TOTAL_FAILED: _("Có chữ ký số không hợp lệ: không nên tin vào tài liệu này."),
        INDETERMINATE: _(
            "Có chữ ký số chưa xác định được tính hợp lệ: xem lý do ở từng chữ ký bên dưới."
        ),
    }[report.indication] % {"n": len(signatures)}
    if not signatures:
        summary = _("Tệp PDF này không có chữ ký số nào để kiểm tra.")
    return ReportView(
        verdict=verdict,
        tone=tone,
        summary=summary,
        count=ngettext(
            "Tài liệu có %(n)d chữ ký số.", "Tài liệu có %(n)d chữ ký số.", len(signatures)
        )
        % {"n": len(signatures)},
        decree30_ok=report.decree30_ok,
        decree30_verdict=report.decree30.message,
        decree30_rule=_decree30_rule(report),
        decree30_checks=report.decree30.checks,
        signatures=signatures,
        warnings=report.warnings,
        technical=[
            (_("Chỉ dẫn tổng hợp (indication)"), report.indication),
            (_("Thể thức Nghị định 30 (form)"), report.decree30.form or "—"),
            (
                _("Các điều kiện (code: ok)"),
                ", ".join(f"{c['code']}: {c['ok']}" for c in report.decree30.checks) or "—",
            ),
            (_("Kích thước tệp (byte)"), str(report.size)),
            (_("Số trang"), str(report.pages)),
        ],
    )


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    report = None
    status = 200
    form = VerifyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = report_view(validate_pdf(read_upload(form.cleaned_data["file"])))
        except ValidationFailed as exc:
            for message in exc.fields.get("file", [exc.message]):
                form.add_error("file", message)
            status = 422
    elif request.method == "POST":
        status = 422
    return render(
        request, "signatures/verify.html", {"form": form, "report": report}, status=status
    )


@require_safe
def verify_result(request: HttpRequest, sha256: str) -> HttpResponse:
    """The validation link printed with an official result (the citizen's page and e-mail):
    the report of the stored result with that SHA-256, nothing of its content."""
    from chinhquyen.dossiers.results import result_official_by_digest

    record = result_official_by_digest(sha256=sha256)
    if record is None:
        raise Http404(sha256)
    with record.file.open("rb") as fh:
        report = report_view(validate_pdf(fh.read()))
    return render(
        request,
        "signatures/verify.html",
        {
            "form": VerifyForm(),
            "report": report,
            "checked": {"code": record.dossier.code, "sha256": record.sha256},
        },
    )
