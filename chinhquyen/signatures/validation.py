"""Validate the signatures of any PDF and judge the Decree 30/2020 format.

The public entry point is :func:`validate_pdf`::

    report = validate_pdf(data)            # bytes of any file
    report.personal_valid                  # a valid personal signature is present
    report.agency_valid                    # a valid agency signature is present
    report.decree30_ok                     # the document has the Decree 30 format (see below)
    report.signatures[i].indication        # TOTAL_PASSED / TOTAL_FAILED / INDETERMINATE
    report.as_dict()                       # the JSON report of the API and ``verify --json``

It raises ``ValidationFailed`` (field ``file``) for a file that is not a readable PDF, never
anything else for bad input.

Indications follow ETSI EN 319 102-1: pyHanko's AdES status and sub-indication are used as they
are, with these additions of ours:

* the signed bytes do not match (``intact`` false) → TOTAL_FAILED / HASH_FAILURE;
* the CMS signature does not verify → TOTAL_FAILED / SIG_CRYPTO_FAILURE;
* the document was changed after signing in a way signatures do not allow (anything beyond
  adding signatures, form filling, and validation data) → TOTAL_FAILED /
  SIG_CONSTRAINTS_FAILURE, ``modified_after_signing`` true;
* an expired signing certificate is reported as EXPIRED: TOTAL_FAILED when a trusted timestamp
  proves the signature was made after expiry, INDETERMINATE otherwise (claimed time only).

Decree 30 verdict: an *original* needs a valid personal signature with an image and, signed later,
a valid agency signature whose seal image overlaps the left part (10–60 % of the width) of the
person's image and their vertical span; an *electronic copy / attachment* needs a valid agency
signature without image at the top right of page 1. ``decree30_ok`` is true when either holds.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.ades.report import AdESFailure, AdESPassed
from pyhanko.sign.diff_analysis import (
    CatalogModificationRule,
    DiffResult,
    DocInfoRule,
    DSSCompareRule,
    FormUpdatingRule,
    GenericFieldModificationRule,
    MetadataUpdateRule,
    ModificationLevel,
    ObjectStreamRule,
    SigFieldCreationRule,
    SigFieldModificationRule,
    StandardDiffPolicy,
    SuspiciousModification,
    XrefStreamRule,
)
from pyhanko.sign.fields import SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.validation import EmbeddedPdfSignature, async_validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from chinhquyen.core.aio import run_sync
from chinhquyen.core.errors import ValidationFailed

from . import pdfbounds, pki, signing
from .levels import signature_level

TOTAL_PASSED = "TOTAL_PASSED"
TOTAL_FAILED = "TOTAL_FAILED"
INDETERMINATE = "INDETERMINATE"

SUBFILTERS = {sf.value for sf in SigSeedSubFilter if sf != SigSeedSubFilter.ETSI_RFC3161}

# pyHanko's default difference analysis (DEFAULT_DIFF_POLICY), except that a new *visible*
# signature field is allowed after a certification signature, as Acrobat allows it: Decree 30
# puts the agency's seal, a visible signature, after the person's (certifying) one. What the
# policy lets pass as form filling is then judged stricter than pyHanko does (``_changes``):
# only signatures may be added after a signature; a changed form value is a modification.
DIFF_POLICY = StandardDiffPolicy(
    global_rules=[
        CatalogModificationRule(),
        DocInfoRule().as_qualified(ModificationLevel.LTA_UPDATES),
        XrefStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        ObjectStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        DSSCompareRule().as_qualified(ModificationLevel.LTA_UPDATES),
        MetadataUpdateRule().as_qualified(ModificationLevel.LTA_UPDATES),
    ],
    form_rule=FormUpdatingRule(
        field_rules=[
            SigFieldCreationRule(allow_new_visible_after_certify=True),
            SigFieldModificationRule(),
            GenericFieldModificationRule(),
        ],
    ),
)

# Vietnamese signing certificates carry non-repudiation, digital signature or both.
KEY_USAGE = KeyUsageConstraints(
    key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False
)

INDICATION_VI = {
    TOTAL_PASSED: "Hợp lệ",
    TOTAL_FAILED: "Không hợp lệ",
    INDETERMINATE: "Chưa xác định được",
}
SUB_INDICATION_VI = {
    "HASH_FAILURE": "Nội dung tài liệu đã bị thay đổi sau khi ký.",
    "SIG_CRYPTO_FAILURE": "Giá trị chữ ký số không đúng.",
    "REVOKED": "Chứng thư số của người ký đã bị thu hồi.",
    "REVOKED_NO_POE": "Chứng thư số đã bị thu hồi; không chứng minh được đã ký trước thời điểm đó.",
    "REVOKED_CA_NO_POE": "Chứng thư số của tổ chức cấp đã bị thu hồi.",
    "EXPIRED": "Chứng thư số của người ký đã hết hạn khi ký.",
    "OUT_OF_BOUNDS_NO_POE": "Chứng thư số ngoài thời hạn hiệu lực.",
    "NOT_YET_VALID": "Chứng thư số chưa có hiệu lực khi ký.",
    "NO_CERTIFICATE_CHAIN_FOUND": "Chứng thư số không thuộc tổ chức cung cấp dịch vụ tin cậy nào.",
    "CHAIN_CONSTRAINTS_FAILURE": "Chuỗi chứng thư số không đáp ứng ràng buộc.",
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": "Không kiểm tra được chuỗi chứng thư số.",
    "SIG_CONSTRAINTS_FAILURE": "Tài liệu đã bị thêm hoặc sửa nội dung sau khi ký.",
    "TRY_LATER": "Chưa lấy được thông tin thu hồi chứng thư; hãy thử lại sau.",
    "FORMAT_FAILURE": "Chữ ký không đúng định dạng.",
}
KIND_VI = {pki.PERSONAL: "Chữ ký cá nhân", pki.AGENCY: "Chữ ký cơ quan", pki.UNKNOWN: "Không rõ"}


@dataclass
class CertInfo:
    subject: str
    common_name: str
    organisation: str
    identifier: str
    issuer: str
    serial: str
    not_before: str
    not_after: str


@dataclass
class SignatureReport:
    field: str
    indication: str
    sub_indication: str | None
    kind: str  # personal / agency / unknown (pki.classify_*)
    signer: CertInfo
    chain: list[str]  # subjects from the signer to the root; empty when no trusted path
    signing_time: str | None  # claimed by the signer (ISO 8601, +07:00)
    timestamp: str | None  # time of a valid RFC 3161 signature timestamp
    timestamp_valid: bool | None
    level: str  # B-B / B-T / B-LT / B-LTA
    coverage: str  # ENTIRE_FILE / ENTIRE_REVISION / …
    covers_whole_file: bool
    modification_level: str | None
    modified_after_signing: bool
    revision: int
    page: int | None  # 1-based
    rect: list[float] | None
    has_image: bool
    message: str
    error: str = ""  # why this signature could not be validated (FORMAT_FAILURE)
    # every problem found, integrity first (the sub-indication is the first): a change after
    # signing and a certificate problem are both listed
    problems: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # what changed after signing (Vietnamese)
    certified: bool = False  # a certification signature (DocMDP)

    @property
    def passed(self) -> bool:
        return self.indication == TOTAL_PASSED


@dataclass
class Decree30Verdict:
    ok: bool
    form: str | None  # "original" / "copy" / None
    checks: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""


@dataclass
class DocumentReport:
    signatures: list[SignatureReport]
    personal_valid: bool
    agency_valid: bool
    decree30_ok: bool
    decree30: Decree30Verdict
    indication: str  # the worst of the signatures; INDETERMINATE when there are none
    message: str
    size: int
    pages: int
    warnings: list[str] = field(default_factory=list)  # e.g. JavaScript in the file

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- helpers -------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return signing.iso_vn(value) if value else None


def _attr(name, key: str) -> str:
    try:
        values = [
            str(atv["value"].native)
            for rdn in name.chosen
            for atv in rdn
            if atv["type"].native == key
        ]
    except Exception:  # noqa: BLE001 - exotic encodings in foreign certificates
        return ""
    return values[0] if values else ""


def _cert_info(cert) -> CertInfo:
    return CertInfo(
        subject=cert.subject.human_friendly,
        common_name=_attr(cert.subject, "common_name"),
        organisation=_attr(cert.subject, "organization_name"),
        identifier=_attr(cert.subject, "user_id"),
        issuer=cert.issuer.human_friendly,
        serial=format(cert.serial_number, "x"),
        not_before=_iso(cert.not_valid_before) or "",
        not_after=_iso(cert.not_valid_after) or "",
    )


def _integrity(status, modified: bool) -> str | None:
    """The integrity problem of a signature (all TOTAL_FAILED), None when intact."""
    if not status.intact:
        return "HASH_FAILURE"
    if not status.valid:
        return "SIG_CRYPTO_FAILURE"
    if modified:
        return "SIG_CONSTRAINTS_FAILURE"
    return None


def _trust(status, cert) -> tuple[str, str | None]:
    """The indication from the signer's certificate, its chain, revocation and the signature
    timestamp, whatever the integrity (checked apart: ``_integrity``)."""
    sub = status.trust_problem_indic
    if sub is not None and sub != AdESPassed.OK:
        name = sub.name
        ts = status.timestamp_validity
        ts_ok = ts is not None and ts.intact and ts.valid and ts.trusted
        if name in ("OUT_OF_BOUNDS_NO_POE", "EXPIRED"):
            when = ts.timestamp if ts_ok else status.signer_reported_dt
            if when is not None and when > cert.not_valid_after:
                return (TOTAL_FAILED if ts_ok else INDETERMINATE), "EXPIRED"
        if status.revoked and name.startswith("REVOKED"):
            revoked_at = status.revocation_details.revocation_date
            if isinstance(sub, AdESFailure) or (ts_ok and revoked_at and ts.timestamp > revoked_at):
                # a trusted timestamp proves the signature was made after the revocation
                return TOTAL_FAILED, "REVOKED"
            return INDETERMINATE, name
        if isinstance(sub, AdESFailure):
            return TOTAL_FAILED, name
        return INDETERMINATE, name
    if not status.trusted:
        return INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND"
    if status.seed_value_constraint_error is not None:
        return INDETERMINATE, "SIG_CONSTRAINTS_FAILURE"
    ts = status.timestamp_validity
    if ts is not None and not (ts.intact and ts.valid and ts.trusted):
        return INDETERMINATE, "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    return TOTAL_PASSED, None


def _indication(status, cert, modified: bool) -> tuple[str, str | None, list[str]]:
    """(indication, sub-indication, every problem found). Integrity and trust are checked
    apart and both reported: a changed document signed by an untrusted, revoked or expired
    certificate shows the change *and* the certificate's problem. The change decides the
    indication (TOTAL_FAILED)."""
    broken = _integrity(status, modified)
    trust, trust_sub = _trust(status, cert)
    problems = [p for p in (broken, trust_sub) if p]
    if broken:
        return TOTAL_FAILED, broken, problems
    return trust, trust_sub, problems


def _level(embedded, status, reader) -> str:
    """From what the file holds for this signature (``levels.py``), not the mere ``/DSS``."""
    return signature_level(embedded, status, reader)


def default_validation_context() -> ValidationContext:
    """Trust roots from settings and the database, revocation data cached (``trust.py``)."""
    from .trust import validation_context

    return validation_context()


# --- the validator -------------------------------------------------------------------------------


def validate_pdf(
    data: bytes, *, validation_context: ValidationContext | None = None
) -> DocumentReport:
    """The validation report of every signature in ``data`` and the Decree 30 verdict.

    The file is parsed and validated within the bounds of ``pdfbounds`` (depth, objects, pages,
    time): beyond them, ``PdfTooComplex`` (a ValidationFailed on ``file``)."""
    reader = signing.open_reader(data)
    vc = validation_context or default_validation_context()
    with pdfbounds.limits():
        return _validate(reader, vc, data)


@dataclass
class _Found:
    """A filled signature field: pyHanko's embedded signature, or why it could not be read."""

    name: str
    sig: Any = None
    error: str = ""


def _signature_fields(reader) -> list[_Found]:
    """Every filled ``/Sig`` field on its own: one that pyHanko cannot read (a broken CMS blob,
    a missing ``/ByteRange``) or whose ``/SubFilter`` it does not know — which pyHanko's own
    list leaves out, making the file look unsigned — is kept with its error instead of failing
    the whole file. Readable ones first, in signing order."""
    found: list[_Found] = []
    for name, value, field_ref in enumerate_sig_fields(reader, filled_status=True):
        name = str(name)
        try:
            value = value.get_object()
            if value.get("/Type", "/Sig") != "/Sig":
                continue  # document timestamps are reported with the signature they cover
            subfilter = value.get("/SubFilter")
            if subfilter is not None and str(subfilter) not in SUBFILTERS:
                found.append(_Found(name, error=f"/SubFilter {subfilter} không được hỗ trợ"))
                continue
            found.append(_Found(name, sig=EmbeddedPdfSignature(reader, field_ref, name)))
        except Exception as exc:  # noqa: BLE001 - one unreadable signature, reported on its own
            found.append(_Found(name, error=str(exc) or type(exc).__name__))
    readable = sorted((f for f in found if f.sig is not None), key=_revision)
    return readable + [f for f in found if f.sig is None]


def _revision(found: _Found) -> int:
    try:
        return found.sig.signed_revision
    except Exception:  # noqa: BLE001 - an odd /ByteRange: last
        return 1 << 30


def _validate(reader, vc, data: bytes) -> DocumentReport:
    try:
        found = _signature_fields(reader)
        widgets = signing.signature_widgets(reader)
        pages = signing.page_count(reader)
    except (PdfError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValidationFailed(
            "Tệp PDF bị hỏng, không đọc được chữ ký.",
            code="pdf_unreadable",
            fields={"file": ["Không đọc được cấu trúc chữ ký của tệp PDF."]},
        ) from exc
    reports = []
    for item in found:
        if item.sig is None:
            reports.append(_broken_report(item.name, None, widgets, item.error))
        else:
            reports.append(_validate_one(item.sig, reader, vc, widgets, data))
    verdict = decree30_verdict(reports, reader)
    personal_valid = any(r.passed and r.kind == pki.PERSONAL for r in reports)
    agency_valid = any(r.passed and r.kind == pki.AGENCY for r in reports)
    if not reports:
        overall, message = INDETERMINATE, "Tài liệu không có chữ ký số."
    elif any(r.indication == TOTAL_FAILED for r in reports):
        overall, message = TOTAL_FAILED, "Có chữ ký số không hợp lệ."
    elif any(r.indication == INDETERMINATE for r in reports):
        overall, message = INDETERMINATE, "Có chữ ký số chưa xác định được tính hợp lệ."
    else:
        overall, message = TOTAL_PASSED, "Tất cả chữ ký số hợp lệ."
    return DocumentReport(
        warnings=javascript_warnings(reader),
        signatures=reports,
        personal_valid=personal_valid,
        agency_valid=agency_valid,
        decree30_ok=verdict.ok,
        decree30=verdict,
        indication=overall,
        message=message,
        size=len(data),
        pages=pages,
    )


def _unsigned_tail(sig, reader, data: bytes) -> bool:
    """Bytes after the last signed revision that are not a revision of their own (something
    glued to the end of the file): pyHanko sees no later revision, so no difference to analyse."""
    try:
        if sig.signed_revision != reader.xrefs.total_revisions - 1:
            return False
        _, _, start2, len2 = (int(v) for v in sig.byte_range)
    except (TypeError, ValueError, AttributeError):
        return False
    tail = data[start2 + len2 :].strip(b" \t\r\n\x00")
    return bool(tail) and tail != b"%%EOF"


SHOWN_KEYS = ("/V", "/AP", "/AS", "/Rect", "/F", "/Ff", "/MK", "/DA", "/Opt")


def _shown(value, depth: int = 0):
    """What a field shows, as plain comparable values (streams by their decoded bytes),
    bounded in depth; parents and pages are left out."""
    value = value.get_object() if hasattr(value, "get_object") else value
    if depth > 6:
        return None
    if isinstance(value, generic.StreamObject):
        return ("stream", value.data, _shown(value.get("/Resources"), depth + 1))
    if isinstance(value, generic.DictionaryObject):
        return tuple(
            sorted(
                (str(k), _shown(value.raw_get(k), depth + 1))
                for k in value
                if k not in ("/Parent", "/P", "/Kids")
            )
        )
    if isinstance(value, generic.ArrayObject):
        return tuple(_shown(value.raw_get(i), depth + 1) for i in range(len(value)))
    return repr(value)


def _fields_changed(reader, revision: int, candidates) -> list[str]:
    """The fields among ``candidates`` (pyHanko's ``changed_form_fields``: those its policy
    allowed to change) that really show something else than when signed, or are new — except
    signature fields signed since. Signatures themselves are not form filling here."""
    if not candidates:
        return []
    now = signing.form_fields(reader)
    then = signing.form_fields(reader.get_historical_resolver(revision))
    changed = []
    for name in sorted(candidates):
        ftype, node = now.get(name, (None, None))
        if name not in then:
            if not (ftype == "/Sig" and node is not None and "/V" in node):
                changed.append(name)  # a new field that is not a new signature
            continue
        if ftype == "/Sig" and "/V" not in then[name][1] and node is not None:
            continue  # an empty signature field, signed since
        old = then[name][1]
        if node is None or any(
            _shown(old.raw_get(k) if k in old else None)
            != _shown(node.raw_get(k) if k in node else None)
            for k in SHOWN_KEYS
        ):
            changed.append(name)
    return changed


def _changes(status, reader, tail: bool, revision: int) -> list[str]:
    """What changed after this signature, in Vietnamese; empty when nothing but signatures,
    validation data and timestamps were added. Stricter than pyHanko's verdict: form filling it
    accepts (and DocMDP level 2 allows) is reported when it touches anything but a signature."""
    changes = []
    if tail:
        changes.append("Có dữ liệu ghi nối vào cuối tệp sau khi ký.")
    if status.coverage not in (
        SignatureCoverageLevel.ENTIRE_FILE,
        SignatureCoverageLevel.ENTIRE_REVISION,
    ):
        changes.append("Chữ ký không bao trùm toàn bộ phiên bản tài liệu đã ký.")
    diff = status.diff_result
    if isinstance(diff, SuspiciousModification):
        changes.append(f"Tài liệu bị sửa sau khi ký theo cách chữ ký không cho phép ({diff}).")
    elif isinstance(diff, DiffResult):
        if diff.modification_level == ModificationLevel.OTHER:
            changes.append("Nội dung trang hoặc đối tượng khác bị thay đổi sau khi ký.")
        elif diff.modification_level == ModificationLevel.ANNOTATIONS:
            changes.append("Chú thích (annotation) được thêm hoặc sửa trên trang sau khi ký.")
        try:
            changed = _fields_changed(reader, revision, diff.changed_form_fields)
        except (PdfError, KeyError, TypeError, ValueError, AttributeError):
            changed = sorted(diff.changed_form_fields)  # cannot compare: assume the worst
        for name in changed:
            changes.append(f"Trường biểu mẫu “{name}” được thêm, điền hoặc sửa sau khi ký.")
    if status.docmdp_ok is False and not changes:
        changes.append("Thay đổi sau khi ký vượt quá quyền mà chữ ký chứng thực cho phép.")
    return changes


def _validate_one(sig, reader, vc, widgets, data: bytes) -> SignatureReport:
    try:
        # pyHanko's validate_pdf_signature is asyncio.run around this coroutine, refused where
        # this thread already runs a loop (an ASGI server, Playwright's sync API in a test).
        status = run_sync(
            async_validate_pdf_signature(
                sig,
                signer_validation_context=vc,
                ts_validation_context=vc,
                key_usage_settings=KEY_USAGE,
                diff_policy=DIFF_POLICY,
            ),
            vc,
        )
    except Exception as exc:  # noqa: BLE001 - this signature only: the others are still reported
        return _broken_report(sig.field_name, sig, widgets, str(exc) or type(exc).__name__)
    cert = status.signing_cert
    tail = _unsigned_tail(sig, reader, data)
    chain = []
    if status.validation_path is not None:
        chain = [c.subject.human_friendly for c in reversed(list(status.validation_path))]
    ts = status.timestamp_validity
    ts_ok = ts is not None and ts.intact and ts.valid and ts.trusted
    coverage = status.coverage.name if status.coverage else "UNCLEAR"
    mod = status.modification_level
    changes = _changes(status, reader, tail, sig.signed_revision)
    modified = bool(changes)
    indication, sub, problems = _indication(status, cert, modified)
    widget = widgets.get(sig.field_name)
    kind = pki.classify_asn1_cert(cert)
    message = INDICATION_VI[indication]
    if problems:
        message += ": " + " ".join(SUB_INDICATION_VI.get(p, p) for p in problems)
    return SignatureReport(
        field=str(sig.field_name),  # a plain str: pyHanko's string deep-copies its reader
        indication=indication,
        sub_indication=sub,
        kind=kind,
        signer=_cert_info(cert),
        chain=chain,
        signing_time=_iso(status.signer_reported_dt),
        timestamp=_iso(ts.timestamp) if ts is not None else None,
        timestamp_valid=ts_ok if ts is not None else None,
        level=_level(sig, status, reader),
        coverage=coverage,
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        modification_level=mod.name if mod is not None else None,
        modified_after_signing=modified,
        revision=sig.signed_revision,
        page=widget.page_ix + 1 if widget else None,
        rect=_rect(widget),
        has_image=bool(widget and widget.has_image),
        message=message,
        problems=problems,
        changes=changes,
        certified=sig.docmdp_level is not None,
    )


def _broken_report(name: str, sig, widgets, detail: str) -> SignatureReport:
    """A signature that cannot be validated (INDETERMINATE / FORMAT_FAILURE, as ETSI EN 319
    102-1 puts it), with its own error, where it is and, when readable, who signed."""
    widget = widgets.get(name)
    info = CertInfo("", "", "", "", "", "", "", "")
    kind = pki.UNKNOWN
    if sig is not None:
        try:
            cert = sig.signer_cert
            info = _cert_info(cert)
            kind = pki.classify_asn1_cert(cert)
        except Exception:  # noqa: BLE001, S110 - a signature too broken to name its signer
            pass
    return SignatureReport(
        field=str(name),  # a plain str: pyHanko's string deep-copies its reader
        indication=INDETERMINATE,
        sub_indication="FORMAT_FAILURE",
        kind=kind,
        signer=info,
        chain=[],
        signing_time=None,
        timestamp=None,
        timestamp_valid=None,
        level="",
        coverage="UNCLEAR",
        covers_whole_file=False,
        modification_level=None,
        modified_after_signing=False,
        revision=-1,
        page=widget.page_ix + 1 if widget else None,
        rect=_rect(widget),
        has_image=bool(widget and widget.has_image),
        message=f"{INDICATION_VI[INDETERMINATE]}: {SUB_INDICATION_VI['FORMAT_FAILURE']} ({detail})",
        error=detail,
        problems=["FORMAT_FAILURE"],
    )


def _rect(widget) -> list[float] | None:
    if widget is None:
        return None
    return [round(v, 1) for v in (widget.rect.x1, widget.rect.y1, widget.rect.x2, widget.rect.y2)]


# --- active content ------------------------------------------------------------------------------

MAX_ACTION_CHAIN = 16


def _runs_javascript(action) -> bool:
    """Whether an action (or one chained after it with ``/Next``) runs JavaScript."""
    todo = [action]
    for _ in range(MAX_ACTION_CHAIN):
        if not todo:
            return False
        item = todo.pop().get_object()
        if isinstance(item, generic.ArrayObject):
            todo.extend(item.raw_get(i) for i in range(min(len(item), MAX_ACTION_CHAIN)))
            continue
        if not isinstance(item, generic.DictionaryObject):
            continue
        if item.get("/S") == "/JavaScript" or "/JS" in item:
            return True
        if "/Next" in item:
            todo.append(item.raw_get("/Next"))
    return False


def _triggers_javascript(aa) -> bool:
    """Whether an additional-actions dictionary (``/AA``) runs JavaScript on any trigger."""
    aa = aa.get_object()
    return isinstance(aa, generic.DictionaryObject) and any(
        _runs_javascript(aa.raw_get(k)) for k in aa
    )


def javascript_warnings(reader) -> list[str]:
    """Warnings (Vietnamese) for JavaScript in the file: a signed document should not run
    code — what it shows may then depend on the viewer. Checked: the document's /OpenAction
    and /AA, the /Names /JavaScript tree, each page's /AA and each annotation's /A and /AA."""
    found = []
    try:
        root = reader.root
        if "/OpenAction" in root and _runs_javascript(root.raw_get("/OpenAction")):
            found.append("Tài liệu chạy JavaScript khi mở (/OpenAction).")
        if "/AA" in root and _triggers_javascript(root.raw_get("/AA")):
            found.append("Tài liệu có JavaScript gắn với sự kiện của tài liệu (/AA).")
        names = root.get("/Names")
        if names is not None and "/JavaScript" in names.get_object():
            found.append("Tài liệu có JavaScript cấp tài liệu (/Names /JavaScript).")
        for number, page in enumerate(pdfbounds.pages(reader), 1):
            if "/AA" in page and _triggers_javascript(page.raw_get("/AA")):
                found.append(f"Trang {number} chạy JavaScript khi mở hoặc đóng trang (/AA).")
            annots = page.get("/Annots")
            for annot_ref in annots.get_object() if annots is not None else ():
                annot = annot_ref.get_object()
                if not isinstance(annot, generic.DictionaryObject):
                    continue
                if ("/A" in annot and _runs_javascript(annot.raw_get("/A"))) or (
                    "/AA" in annot and _triggers_javascript(annot.raw_get("/AA"))
                ):
                    found.append(f"Chú thích trên trang {number} có hành động JavaScript.")
    except (PdfError, KeyError, TypeError, ValueError, AttributeError):
        found.append("Không kiểm tra hết được nội dung chủ động (JavaScript) của tệp.")
    return list(dict.fromkeys(found))


# --- Decree 30 -----------------------------------------------------------------------------------


def _check(checks: list, code: str, ok: bool, message: str) -> bool:
    checks.append({"code": code, "ok": ok, "message": message})
    return ok


def _seal_overlap_ok(seal: SignatureReport, person: SignatureReport) -> bool:
    if seal.page != person.page or not seal.rect or not person.rect:
        return False
    sx1, sy1, sx2, sy2 = seal.rect
    px1, py1, px2, py2 = person.rect
    pw = px2 - px1
    if pw <= 0:
        return False
    overlap = min(sx2, px2) - max(sx1, px1)
    share = overlap / pw
    vertical = min(sy2, py2) - max(sy1, py1)
    return sx1 < px1 and 0.10 <= share <= 0.60 and vertical > 0


def _top_right_of_first_page(report: SignatureReport, reader) -> bool:
    if report.page != 1 or not report.rect:
        return False
    page = signing.page_box(reader, 0)
    x1, y1, x2, y2 = report.rect
    return x1 >= page.x1 + page.width / 2 and y1 >= page.y1 + page.height * 2 / 3


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _same_agency(person: SignatureReport, seal: SignatureReport) -> tuple[bool, str]:
    """Whether the person who signed belongs to the agency whose seal follows: the
    organisation (O) of their certificate is the seal's (its O, or its name when it has none).
    A person's certificate without an organisation cannot show it: not met."""
    agency = seal.signer.organisation or seal.signer.common_name
    own = person.signer.organisation
    if own and _norm(own) == _norm(agency):
        return True, "Người ký thuộc cơ quan đóng dấu."
    if not own:
        return False, (
            f"Chứng thư số của người ký không ghi cơ quan, không xác định được người ký thuộc "
            f"cơ quan đóng dấu ({agency})."
        )
    return False, f"Người ký thuộc “{own}”, không thuộc cơ quan đóng dấu “{agency}”."


def decree30_verdict(reports: list[SignatureReport], reader) -> Decree30Verdict:
    personal = [r for r in reports if r.kind == pki.PERSONAL and r.passed]
    agency = [r for r in reports if r.kind == pki.AGENCY and r.passed]
    copies = [r for r in agency if not r.has_image]
    if copies and not personal:
        checks: list[dict[str, Any]] = []
        stamp = copies[-1]
        ok = _check(checks, "agency_signature", True, "Có chữ ký số hợp lệ của cơ quan.")
        ok &= _check(
            checks,
            "copy_stamp_position",
            _top_right_of_first_page(stamp, reader),
            "Chữ ký cơ quan (không hình ảnh) ở góc trên bên phải trang đầu.",
        )
        message = (
            "Đúng thể thức bản sao điện tử/phụ lục theo Nghị định 30/2020."
            if ok
            else "Chưa đúng thể thức bản sao điện tử/phụ lục theo Nghị định 30/2020."
        )
        return Decree30Verdict(ok=ok, form="copy", checks=checks, message=message)

    checks = []
    ok = _check(
        checks,
        "personal_signature",
        bool(personal),
        "Có chữ ký số hợp lệ của người có thẩm quyền.",
    )
    ok &= _check(checks, "agency_signature", bool(agency), "Có chữ ký số hợp lệ của cơ quan.")
    if personal and agency:
        person, seal = personal[0], agency[-1]
        ok &= _check(
            checks,
            "order",
            seal.revision > person.revision,
            "Cơ quan ký sau người có thẩm quyền.",
        )
        ok &= _check(
            checks, "personal_image", person.has_image, "Chữ ký cá nhân có hình ảnh chữ ký."
        )
        ok &= _check(checks, "seal_image", seal.has_image, "Chữ ký cơ quan có hình ảnh con dấu.")
        same, reason = _same_agency(person, seal)
        ok &= _check(checks, "same_agency", same, reason)
        ok &= _check(
            checks,
            "seal_placement",
            _seal_overlap_ok(seal, person),
            "Hình con dấu trùm khoảng 1/3 hình chữ ký về phía bên trái.",
        )
    message = (
        "Đúng thể thức chữ ký số theo Nghị định 30/2020."
        if ok
        else "Chưa đúng thể thức chữ ký số theo Nghị định 30/2020."
    )
    return Decree30Verdict(ok=ok, form="original" if ok else None, checks=checks, message=message)


def report_text(report: DocumentReport) -> str:
    """The report as plain Vietnamese text (the ``verify`` command)."""
    out = io.StringIO()
    out.write(f"Kết luận: {INDICATION_VI[report.indication]} ({report.indication}). ")
    out.write(report.message + "\n")
    out.write(f"Thể thức Nghị định 30: {'ĐẠT' if report.decree30_ok else 'KHÔNG ĐẠT'}. ")
    out.write(report.decree30.message + "\n")
    for check in report.decree30.checks:
        out.write(f"  [{'x' if check['ok'] else ' '}] {check['message']}\n")
    for warning in report.warnings:
        out.write(f"Cảnh báo: {warning}\n")
    for i, sig in enumerate(report.signatures, 1):
        out.write(f"\nChữ ký {i} ({sig.field}) – {KIND_VI.get(sig.kind, sig.kind)}\n")
        out.write(f"  Kết quả: {sig.indication}")
        out.write(f" / {sig.sub_indication}\n" if sig.sub_indication else "\n")
        out.write(f"  {sig.message}\n")
        out.write(f"  Người ký: {sig.signer.subject}\n")
        out.write(f"  Tổ chức cấp: {sig.signer.issuer}\n")
        if sig.chain:
            out.write("  Chuỗi chứng thư: " + " → ".join(sig.chain) + "\n")
        out.write(f"  Thời điểm ký (khai báo): {sig.signing_time or '-'}\n")
        out.write(f"  Dấu thời gian: {sig.timestamp or '-'}")
        if sig.timestamp_valid is not None:
            out.write(" (hợp lệ)" if sig.timestamp_valid else " (không hợp lệ)")
        out.write(f"\n  Mức: PAdES {sig.level}; phạm vi: {sig.coverage}")
        out.write("; có nội dung thêm sau khi ký\n" if sig.modified_after_signing else "\n")
        for change in sig.changes:
            out.write(f"  Thay đổi sau khi ký: {change}\n")
    return out.getvalue()
