"""edXML (QCVN 102:2016): parse, build, sign and verify document-exchange messages.

``parse(data)`` turns bytes into an :class:`Edoc` (an e-document, business types 0-3) or a
:class:`Status` (a processing-status message); ``build(model)`` turns either back into bytes;
``parse(build(m)) == m`` for every model ``parse`` produced. Real traffic has quirks that are
tolerated on purpose (stray bytes before the XML declaration, CRLF, ``Bussiness``, dates as
``yyyy/MM/dd[ HH:mm:ss]``, a Signature in the edXML namespace, an undeclared ``xlink`` prefix);
each tolerated quirk is recorded in ``model.warnings``. Anything else that is wrong raises
:class:`EdxmlError` with the element path and line, never an unhandled exception.

Parsing is hardened: no DTD, no entity expansion, no network, a size limit
(``EXCHANGE_EDXML_MAX_BYTES``).

Attachments keep the base64 they arrived with (re-serialising is byte-identical);
``Attachment.content()`` is the file a user gets: the government's EdXML102 library zips every
file but pdf/doc/docx/zip and labels it ``application/zip`` under the file's own name, so such an
attachment is unwrapped (first entry, bounded by ``EXCHANGE_ATTACHMENT_MAX_BYTES``), and a
wrapper that cannot be taken off is kept with a warning. ``label_for`` never labels a non-zip
``application/zip``.

``sign(data, key_pem=, cert_pem=)`` adds an enveloped XML-DSig signature (RSA-SHA256, inside
``edXMLHeader`` as the standard places it) with signxml; ``verify(data, cert_pem=)`` answers a
:class:`SignatureReport` and never raises for a bad signature: the published samples use RSA-SHA1
with test certificates, which is reported as such.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import mimetypes
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from lxml import etree

from chinhquyen.core.errors import ValidationFailed
from chinhquyen.core.proccache import ProcessCache

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
Q = "{%s}" % NS  # noqa: UP031
DS = "{%s}" % DSIG  # noqa: UP031
NSMAP = {"edXML": NS}

# The largest message, in bytes: the default of the setting EXCHANGE_EDXML_MAX_BYTES too (the
# settings import no app code; tests/test_architecture.py checks the two agree).
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

# Business document types (TraceHeaderList/Bussiness/BussinessDocType).
BUSINESS_NEW, BUSINESS_REVOKE, BUSINESS_UPDATE, BUSINESS_REPLACE = 0, 1, 2, 3
BUSINESS_TYPES = {
    0: "Văn bản mới",
    1: "Thu hồi văn bản",
    2: "Cập nhật văn bản",
    3: "Thay thế văn bản",
}
# Status codes of processing-status messages.
STATUS_CODES = {
    "01": "Đã đến",
    "02": "Từ chối tiếp nhận",
    "03": "Đã tiếp nhận, vào sổ",
    "04": "Đã phân công xử lý",
    "05": "Đang xử lý",
    "06": "Hoàn thành xử lý",
    "13": "Yêu cầu lấy lại văn bản",
    "15": "Đồng ý yêu cầu cập nhật/lấy lại",
    "16": "Từ chối yêu cầu cập nhật/lấy lại",
}


class EdxmlError(ValidationFailed):
    """The message is not acceptable edXML. ``path`` and ``line`` say where."""

    code = "edxml_invalid"

    def __init__(self, message: str, *, path: str = "", line: int | None = None) -> None:
        where = []
        if path:
            where.append(path)
        if line:
            where.append(f"dòng {line}")
        full = f"edXML không hợp lệ: {message}" + (f" ({', '.join(where)})" if where else "")
        super().__init__(full, extra={"path": path, "line": line})
        self.path = path
        self.line = line


# --- the model ----------------------------------------------------------------------------------


@dataclass
class Organization:
    organ_id: str | None = None
    organization_in_charge: str | None = None
    organ_name: str | None = None
    organ_add: str | None = None
    email: str | None = None
    telephone: str | None = None
    fax: str | None = None
    website: str | None = None


@dataclass
class Code:
    number: str | None = None
    notation: str | None = None


@dataclass
class PromulgationInfo:
    place: str | None = None
    date: dt.date | None = None


@dataclass
class DocumentType:
    type: str | None = None
    type_detail: str | None = None
    type_name: str | None = None


@dataclass
class SignerInfo:
    competence: str | None = None
    position: str | None = None
    full_name: str | None = None


@dataclass
class OtherInfo:
    priority: str | None = None
    sphere_of_promulgation: str | None = None
    typer_notation: str | None = None
    promulgation_amount: str | None = None
    page_amount: str | None = None
    reply_fors: str | None = None  # kept for forwarding; not used yet
    direction: str | None = None
    reference_codes: str | None = None  # kept for forwarding; not used yet
    appendixes: list[str] | None = None


@dataclass
class ResponseFor:
    organ_id: str | None = None
    code: str | None = None
    promulgation_date: dt.date | None = None
    document_id: str | None = None


@dataclass
class StaffInfo:
    department: str | None = None
    department_id: str | None = None  # kept for forwarding; not used yet
    staff: str | None = None
    staff_id: str | None = None  # kept for forwarding; not used yet
    email: str | None = None
    mobile: str | None = None


@dataclass
class TraceHeader:
    organ_id: str | None = None
    timestamp: dt.datetime | None = None


@dataclass
class ReplacementInfo:
    document_id: str | None = None
    organ_ids: list[str] = field(default_factory=list)


@dataclass
class Receiver:
    organ_id: str | None = None
    receiver_type: str | None = None


@dataclass
class BusinessDocumentInfo:
    document_info: str | None = None
    document_receiver: str | None = None
    receivers: list[Receiver] = field(default_factory=list)


@dataclass
class Business:
    doc_type: int = BUSINESS_NEW
    document_id: str | None = None
    reason: str | None = None
    paper: str | None = None
    document_info: BusinessDocumentInfo | None = None
    replacements: list[ReplacementInfo] | None = None
    staff_info: StaffInfo | None = None


@dataclass
class ManifestReference:
    content_id: str | None = None
    content_type: str | None = None
    description: str | None = None
    attachment_name: str | None = None


@dataclass
class Attachment:
    """An attachment as it travels: ``encoded`` is the base64 text received (whitespace removed)
    and is written back unchanged, so forwarding or re-serialising a message keeps every
    attachment byte-identical. What a user downloads is :meth:`content` (the government library's
    zip wrapper taken off)."""

    content_id: str | None = None
    name: str | None = None
    description: str | None = None
    field_name: str | None = None  # kept for forwarding; not used yet
    mime_type: str | None = None  # the EdXML102 library's "real" type of a zipped file
    content_type: str | None = None
    encoded: str = ""  # the base64 text, whitespace removed

    @classmethod
    def from_bytes(cls, data: bytes, **kw: Any) -> Attachment:
        return cls(encoded=base64.b64encode(data).decode("ascii"), **kw)

    @property
    def data(self) -> bytes:
        try:
            return base64.b64decode(self.encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise EdxmlError(
                f"tệp đính kèm {self.name or self.content_id!r} không phải base64 hợp lệ ({exc})",
                path="edXML/AttachmentEncoded/Attachment/ContentTransferEncoded",
            ) from exc

    @property
    def wrapped(self) -> bool:
        """Labelled ``application/zip`` under a name that is not a .zip: the government's
        EdXML102 library zipped the file (anything but pdf/doc/docx/zip) and expects the
        receiver to take its first entry."""
        return (self.content_type or "").strip().lower() == ZIP_TYPE and not (
            (self.name or "").strip().lower().endswith(".zip")
        )

    def content(self, *, max_bytes: int | None = None) -> Content:
        """The file for users and for the signature assessment: a wrapped attachment's first
        zip entry (at most ``max_bytes``, ``EXCHANGE_ATTACHMENT_MAX_BYTES`` by default), any
        other attachment as it is. A wrapper that cannot be taken off keeps its bytes and says
        why in ``warning``. Raises :class:`EdxmlError` when the base64 itself is broken."""
        data = self.data
        name = _safe_name(self.name or self.description or self.content_id or "")
        if not self.wrapped:
            return Content(name, data, _type_of(name, data, self.content_type))
        limit = _unwrap_limit() if max_bytes is None else max_bytes
        inner, problem = _first_entry(data, limit)
        if inner is not None:
            return Content(name, inner, _type_of(name, inner, self.mime_type), unwrapped=True)
        if problem == _NOT_A_ZIP:
            warning = (
                f"Tệp «{name}» được ghi là application/zip nhưng không phải tệp nén ZIP; "
                "giữ nguyên nội dung nhận được."
            )
            return Content(name, data, _type_of(name, data, None), warning=warning)
        warning = (
            f"Không giải nén được tệp «{name}» ({problem}); "
            "tải về là tệp nén ZIP nguyên như khi nhận."
        )
        return Content(name + ".zip", data, ZIP_TYPE, warning=warning)


def attachment_contents(
    attachments: list[Attachment], *, max_bytes: int | None = None, total_bytes: int | None = None
) -> Iterator[Content | None]:
    """:meth:`Attachment.content` of each attachment in turn (None where the base64 is broken),
    with a budget for the whole message: what all unwrapped files of one message may add up to
    (``EXCHANGE_ATTACHMENT_TOTAL_BYTES``), so a message of many small zip bombs is bounded too.
    A generator: a caller that drops each file holds one in memory at a time."""
    limit = _unwrap_limit() if max_bytes is None else max_bytes
    left = _unwrap_limit("EXCHANGE_ATTACHMENT_TOTAL_BYTES") if total_bytes is None else total_bytes
    for attachment in attachments:
        try:
            content = attachment.content(max_bytes=max(0, min(limit, left)))
        except EdxmlError:
            yield None
            continue
        if content.unwrapped:
            left -= len(content.data)
        yield content


ZIP_TYPE = "application/zip"
OCTET_TYPE = "application/octet-stream"
PDF_TYPE = "application/pdf"
DEFAULT_UNWRAP_MAX_BYTES = 50 * 1024 * 1024

# Office and other types peers exchange, whatever the platform's mime.types knows.
KNOWN_TYPES = {
    ".pdf": PDF_TYPE,
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".rtf": "application/rtf",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".xml": "application/xml",
    ".zip": ZIP_TYPE,
    ".rar": "application/vnd.rar",
    ".7z": "application/x-7z-compressed",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}


@dataclass
class Content:
    """A file as a user receives it (see :meth:`Attachment.content`)."""

    name: str
    data: bytes
    content_type: str
    unwrapped: bool = False  # taken out of the EdXML102 library's zip wrapper
    warning: str | None = None  # why the wrapper could not be taken off (bytes kept)

    @property
    def is_pdf(self) -> bool:
        return (
            self.content_type == PDF_TYPE
            or self.name.lower().endswith(".pdf")
            or b"%PDF-" in self.data[:1024]
        )


def content_type_for(name: str) -> str:
    """The MIME type a file name implies (the known office types first, then ``mimetypes``);
    ``application/octet-stream`` when nothing is known."""
    ext = os.path.splitext((name or "").strip().lower())[1]
    if ext in KNOWN_TYPES:
        return KNOWN_TYPES[ext]
    guessed, _ = mimetypes.guess_type((name or "").strip(), strict=False)
    return guessed or OCTET_TYPE


def is_zip(data: bytes) -> bool:
    return zipfile.is_zipfile(io.BytesIO(data))


def label_for(name: str, data: bytes, content_type: str = "") -> str:
    """The ContentType to write for a file we send. Never ``application/zip`` unless the name ends
    in .zip and the bytes are a zip: the EdXML102 library (and we) unwrap any other attachment
    labelled so, which would hand the receiver the first part of, say, an .xlsx."""
    label = (content_type or "").strip() or content_type_for(name)
    if label.lower() in (ZIP_TYPE, "application/x-zip-compressed"):
        if (name or "").strip().lower().endswith(".zip") and is_zip(data):
            return ZIP_TYPE
        label = content_type_for(name)
        if label == ZIP_TYPE:
            label = OCTET_TYPE
    return label


# What EdXML102 writes for the files it does not zip: not registered MIME types.
_LIBRARY_LABELS = {"application/doc", "application/docx", "application/xsl", "application/xslx"}
_MIME_RE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")
_UNSAFE_RE = re.compile(r"[\x00-\x1f\x7f]")


def _safe_name(name: str) -> str:
    """A peer's file name as a download name: no control characters, no folders."""
    name = _UNSAFE_RE.sub("", name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name or "tep-dinh-kem"


def _type_of(name: str, data: bytes, declared: str | None) -> str:
    declared = (declared or "").strip()
    if (
        _MIME_RE.fullmatch(declared)
        and declared.lower() not in (ZIP_TYPE, OCTET_TYPE)
        and declared.lower() not in _LIBRARY_LABELS
    ):
        return declared
    guessed = content_type_for(name)
    if guessed in (OCTET_TYPE, ZIP_TYPE) and data[:5] == b"%PDF-":
        return PDF_TYPE  # e.g. a PDF the library stored as .tmp
    if guessed == ZIP_TYPE and not is_zip(data):
        return OCTET_TYPE
    return guessed


def _unwrap_limit(name: str = "EXCHANGE_ATTACHMENT_MAX_BYTES") -> int:
    default = DEFAULT_UNWRAP_MAX_BYTES * (4 if name.endswith("TOTAL_BYTES") else 1)
    try:
        from . import conf

        return int(conf.get(name))
    except Exception:  # noqa: BLE001  (usable without Django settings)
        return int(os.environ.get(name, default))


_NOT_A_ZIP = "not a zip"


def _first_entry(data: bytes, limit: int) -> tuple[bytes | None, str]:
    """The first file in a zip, read in pieces and never beyond ``limit`` bytes whatever the
    headers claim (a zip bomb is refused, not inflated). (None, reason) when it cannot be had."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None, _NOT_A_ZIP
    with archive:
        entries = [i for i in archive.infolist() if not i.is_dir()]
        if not entries:
            return None, "tệp nén không có tệp nào"
        first = entries[0]
        too_big = f"tệp bên trong lớn hơn giới hạn {limit} byte"
        if first.file_size > limit:
            return None, too_big
        out = bytearray()
        try:
            with archive.open(first) as fh:
                while chunk := fh.read(min(1 << 20, limit + 1 - len(out))):
                    out += chunk
                    if len(out) > limit:
                        return None, too_big
        except RuntimeError:  # an encrypted entry
            return None, "tệp nén có mật khẩu"
        except (zipfile.BadZipFile, NotImplementedError, zlib.error, EOFError, OSError, ValueError):
            return None, "tệp nén bị hỏng"
    return bytes(out), ""


@dataclass
class SignatureInfo:
    """What the message's XML-DSig signature says about itself (verification is separate)."""

    namespace: str = DSIG
    signature_method: str | None = None
    digest_method: str | None = None
    certificate: str | None = None  # base64 DER of the first X509Certificate
    subject_name: str | None = None
    raw: bytes = field(default=b"", repr=False, compare=False)


@dataclass
class Edoc:
    """An e-document message (business types 0 new, 1 revoke, 2 update, 3 replace)."""

    from_: Organization = field(default_factory=Organization)
    to: list[Organization] = field(default_factory=list)
    document_id: str | None = None
    code: Code | None = None
    promulgation_info: PromulgationInfo | None = None
    document_type: DocumentType | None = None
    subject: str | None = None
    content: str | None = None
    signer_info: SignerInfo | None = None
    due_date: dt.date | None = None
    to_places: list[str] | None = None
    other_info: OtherInfo | None = None
    response_for: list[ResponseFor] = field(default_factory=list)
    steering_type: str | None = None
    # Written by the government's EdXML102 library, not used here yet; kept so that a message
    # we forward or re-serialise loses nothing. None = the element was absent.
    response_for_task: list[str] | None = None  # ResponseForTask/TaskCode
    application_type: str | None = None
    traces: list[TraceHeader] = field(default_factory=list)
    business: Business | None = None
    signature: SignatureInfo | None = None
    manifest: list[ManifestReference] | None = None
    attachments: list[Attachment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list, compare=False)

    kind = "edoc"

    @property
    def business_type(self) -> int:
        return self.business.doc_type if self.business else BUSINESS_NEW


@dataclass
class Status:
    """A processing-status message (01-06, 13, 15, 16) about a document sent earlier."""

    from_: Organization = field(default_factory=Organization)
    response_for: ResponseFor = field(default_factory=ResponseFor)
    staff_info: StaffInfo | None = None
    status_code: str = "01"
    description: str | None = None
    timestamp: dt.datetime | None = None
    traces: list[TraceHeader] = field(default_factory=list)
    signature: SignatureInfo | None = None
    warnings: list[str] = field(default_factory=list, compare=False)

    kind = "status"


# --- field tables (XML tag <-> attribute), shared by parse and build -----------------------------

ORG_FIELDS = [
    ("OrganId", "organ_id"),
    ("OrganizationInCharge", "organization_in_charge"),
    ("OrganName", "organ_name"),
    ("OrganAdd", "organ_add"),
    ("Email", "email"),
    ("Telephone", "telephone"),
    ("Fax", "fax"),
    ("Website", "website"),
]
STAFF_FIELDS = [
    ("Department", "department"),
    ("DepartmentId", "department_id"),
    ("Staff", "staff"),
    ("StaffId", "staff_id"),
    ("Email", "email"),
    ("Mobile", "mobile"),
]
SIGNER_FIELDS = [("Competence", "competence"), ("Position", "position"), ("FullName", "full_name")]
DOCTYPE_FIELDS = [("Type", "type"), ("TypeDetail", "type_detail"), ("TypeName", "type_name")]
OTHER_FIELDS = [
    ("Priority", "priority"),
    ("SphereOfPromulgation", "sphere_of_promulgation"),
    ("TyperNotation", "typer_notation"),
    ("PromulgationAmount", "promulgation_amount"),
    ("PageAmount", "page_amount"),
    ("ReplyFors", "reply_fors"),
    ("Direction", "direction"),
    ("ReferenceCodes", "reference_codes"),
]
MANIFEST_FIELDS = [
    ("ContentId", "content_id"),
    ("ContentType", "content_type"),
    ("Description", "description"),
    ("AttachmentName", "attachment_name"),
]


# --- parsing ------------------------------------------------------------------------------------


def _max_bytes() -> int:
    try:
        from django.conf import settings

        return int(getattr(settings, "EXCHANGE_EDXML_MAX_BYTES", DEFAULT_MAX_BYTES))
    except Exception:  # noqa: BLE001  (usable without Django settings, e.g. in a script)
        return int(os.environ.get("EXCHANGE_EDXML_MAX_BYTES", DEFAULT_MAX_BYTES))


def _parser(*, recover: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=True,  # base64 attachments are large text nodes; size is capped above
        remove_comments=True,
        remove_pis=True,
        recover=recover,
    )


def _local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    if tag.startswith("{"):
        return tag.split("}", 1)[1]
    return tag.rsplit(":", 1)[-1]  # an unresolved "prefix:name" after a recovered parse


def _ns(el: etree._Element) -> str:
    tag = el.tag
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _path(el: etree._Element) -> str:
    parts = []
    node: Any = el
    while node is not None:
        parts.append(_local(node))
        node = node.getparent()
    return "/".join(reversed(parts))


class _Ctx:
    def __init__(self) -> None:
        self.warnings: list[str] = []


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    """Children named ``name`` in the edXML namespace (or, tolerated, in no namespace)."""
    # "edXML:" + name: a prefix used outside the scope of its declaration (recovered parse).
    return [c for c in el if isinstance(c.tag, str) and c.tag in (Q + name, name, "edXML:" + name)]


def _child(el: etree._Element, name: str, *, required: bool = False) -> etree._Element | None:
    found = _children(el, name)
    if not found:
        if required:
            raise EdxmlError(
                f"thiếu phần tử bắt buộc {name}", path=_path(el) + "/" + name, line=el.sourceline
            )
        return None
    return found[0]


def _text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    if len(el):
        raise EdxmlError(
            "phần tử phải chứa văn bản, không chứa phần tử con", path=_path(el), line=el.sourceline
        )
    return el.text or ""


def _ctext(el: etree._Element, name: str, *, required: bool = False) -> str | None:
    value = _text(_child(el, name, required=required))
    if required and not (value or "").strip():
        child = _child(el, name)
        raise EdxmlError(
            f"phần tử bắt buộc {name} đang trống",
            path=_path(child if child is not None else el),
            line=(child if child is not None else el).sourceline,
        )
    return value


_DATE_RE = re.compile(
    r"^\s*(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$"
)


def _parse_when(el: etree._Element | None, *, with_time: bool) -> Any:
    text = _text(el)
    if text is None or not text.strip():
        return None
    m = _DATE_RE.match(text)
    try:
        if not m:
            raise ValueError(text)
        y, mo, d, h, mi, s = m.groups()
        if with_time:
            return dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))  # noqa: DTZ001  (edXML times carry no zone; the sender's local time)
        return dt.date(int(y), int(mo), int(d))
    except ValueError as exc:
        assert el is not None
        fmt = "yyyy/MM/dd HH:mm:ss" if with_time else "yyyy/MM/dd"
        raise EdxmlError(
            f"ngày giờ {text.strip()!r} không hợp lệ (định dạng {fmt})",
            path=_path(el),
            line=el.sourceline,
        ) from exc


def _fill(obj: Any, el: etree._Element, table: list[tuple[str, str]]) -> Any:
    for tag, attr in table:
        setattr(obj, attr, _ctext(el, tag))
    return obj


def _org(el: etree._Element) -> Organization:
    org = _fill(Organization(), el, ORG_FIELDS)
    if not (org.organ_id or "").strip():
        raise EdxmlError(
            "thiếu mã định danh cơ quan OrganId", path=_path(el) + "/OrganId", line=el.sourceline
        )
    org.organ_id = org.organ_id.strip()
    return org


def _staff(el: etree._Element | None) -> StaffInfo | None:
    return None if el is None else _fill(StaffInfo(), el, STAFF_FIELDS)


def _response_for(el: etree._Element) -> ResponseFor:
    return ResponseFor(
        organ_id=_ctext(el, "OrganId"),
        code=_ctext(el, "Code"),
        promulgation_date=_parse_when(_child(el, "PromulgationDate"), with_time=False),
        document_id=_ctext(el, "DocumentId"),
    )


def _traces(header: etree._Element) -> tuple[list[TraceHeader], Business | None]:
    tlist = _child(header, "TraceHeaderList")
    traces: list[TraceHeader] = []
    business = None
    if tlist is None:
        return traces, business
    for th in _children(tlist, "TraceHeader"):
        traces.append(
            TraceHeader(
                organ_id=_ctext(th, "OrganId"),
                timestamp=_parse_when(_child(th, "Timestamp"), with_time=True),
            )
        )
    bel = _child(tlist, "Bussiness")
    if bel is None:
        bel = _child(tlist, "Business")
    if bel is not None:
        raw_type = _ctext(bel, "BussinessDocType")
        if raw_type is None:
            raw_type = _ctext(bel, "BusinessDocType")
        try:
            doc_type = int((raw_type or "0").strip())
        except ValueError as exc:
            raise EdxmlError(
                f"BussinessDocType {raw_type!r} không phải số",
                path=_path(bel) + "/BussinessDocType",
                line=bel.sourceline,
            ) from exc
        if doc_type not in BUSINESS_TYPES:
            raise EdxmlError(
                f"BussinessDocType {doc_type} không được hỗ trợ (0 mới, 1 thu hồi, 2 cập nhật, 3 thay thế)",
                path=_path(bel) + "/BussinessDocType",
                line=bel.sourceline,
            )
        info = None
        iel = _child(bel, "BussinessDocumentInfo")
        if iel is not None:
            info = BusinessDocumentInfo(
                document_info=_ctext(iel, "DocumentInfo"),
                document_receiver=_ctext(iel, "DocumentReceiver"),
            )
            rl = _child(iel, "ReceiverList")
            if rl is not None:
                info.receivers = [
                    Receiver(organ_id=_ctext(r, "OrganId"), receiver_type=_ctext(r, "ReceiverType"))
                    for r in _children(rl, "Receiver")
                ]
        repl = None
        rel = _child(bel, "ReplacementInfoList")
        if rel is not None:
            repl = []
            for ri in _children(rel, "ReplacementInfo"):
                ol = _child(ri, "OrganIdList")
                repl.append(
                    ReplacementInfo(
                        document_id=_ctext(ri, "DocumentId"),
                        organ_ids=[_text(o) or "" for o in _children(ol, "OrganId")]
                        if ol is not None
                        else [],
                    )
                )
        business = Business(
            doc_type=doc_type,
            document_id=_ctext(bel, "DocumentId"),
            reason=_ctext(bel, "BussinessDocReason"),
            paper=_ctext(bel, "Paper"),
            document_info=info,
            replacements=repl,
            staff_info=_staff(_child(bel, "StaffInfo")),
        )
    return traces, business


def _signature(header: etree._Element, ctx: _Ctx) -> SignatureInfo | None:
    sig = None
    for child in header:
        if isinstance(child.tag, str) and _local(child) == "Signature":
            sig = child
            break
    if sig is None:
        return None
    ns = _ns(sig)
    if ns != DSIG:
        ctx.warnings.append(
            f"Signature nằm trong namespace {ns or '(không có)'} thay vì XML-DSig (dòng {sig.sourceline})"
        )

    def find(local: str) -> etree._Element | None:
        for node in sig.iter():
            if isinstance(node.tag, str) and _local(node) == local:
                return node
        return None

    sm, dm, cert, subj = (
        find("SignatureMethod"),
        find("DigestMethod"),
        find("X509Certificate"),
        find("X509SubjectName"),
    )
    return SignatureInfo(
        namespace=ns,
        signature_method=sm.get("Algorithm") if sm is not None else None,
        digest_method=dm.get("Algorithm") if dm is not None else None,
        certificate="".join((cert.text or "").split()) if cert is not None else None,
        subject_name=(subj.text or "") if subj is not None else None,
        raw=etree.tostring(sig),
    )


def _document(data: bytes, ctx: _Ctx) -> etree._Element:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EdxmlError("dữ liệu phải là bytes")
    data = bytes(data)
    limit = _max_bytes()
    if len(data) > limit:
        raise EdxmlError(f"thông điệp {len(data)} byte vượt giới hạn {limit} byte")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    start = data.find(b"<")
    if start < 0:
        raise EdxmlError("không có nội dung XML")
    if start > 0:
        if data[:start].strip():
            ctx.warnings.append(f"bỏ qua {start} byte thừa trước khai báo XML")
        data = data[start:]
    head = data[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise EdxmlError("không chấp nhận DOCTYPE/ENTITY trong edXML", line=1)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        # Tolerated: an undeclared namespace prefix on an attribute (real traffic has xlink:href
        # without the xlink declaration). Everything else is a hard error.
        if "Namespace prefix" in str(exc) and "is not defined" in str(exc):
            parser = _parser(recover=True)
            try:
                root = etree.fromstring(data, parser)
            except etree.XMLSyntaxError:
                root = None
            errors = list(parser.error_log)
            if root is not None and all(e.domain_name == "NAMESPACE" for e in errors):
                ctx.warnings.extend(f"{e.message} (dòng {e.line})" for e in errors)
                return root
        line = exc.lineno if hasattr(exc, "lineno") else None
        raise EdxmlError(f"XML sai cú pháp: {exc.msg}", line=line) from exc
    except ValueError as exc:
        raise EdxmlError(f"XML không đọc được: {exc}") from exc
    if root is None:
        raise EdxmlError("XML rỗng")
    return root


def parse(data: bytes, *, strict: bool = False) -> Edoc | Status:
    """Parse an edXML message. ``strict`` also rejects what is otherwise only a warning (bad
    base64 in an attachment): the hub and the nodes accept traffic with ``strict=True``."""
    ctx = _Ctx()
    root = _document(data, ctx)
    if root.tag != Q + "edXML":
        raise EdxmlError(
            f"phần tử gốc là {root.tag!r}, cần {{{NS}}}edXML",
            path=_local(root),
            line=root.sourceline,
        )
    envelope = _child(root, "edXMLEnvelope", required=True)
    header = _child(envelope, "edXMLHeader", required=True)
    mh = _child(header, "MessageHeader", required=True)
    traces, business = _traces(header)
    signature = _signature(header, ctx)
    from_el = _child(mh, "From", required=True)
    if _child(mh, "StatusCode") is not None:
        return _status(mh, from_el, traces=traces, signature=signature, ctx=ctx)
    doc = _edoc(mh, from_el, traces=traces, business=business, signature=signature, ctx=ctx)
    _edoc_optional_fields(doc, mh)
    body = _child(envelope, "edXMLBody")
    if body is not None and (man := _child(body, "edXMLManifest")) is not None:
        doc.manifest = [
            _fill(ManifestReference(), r, MANIFEST_FIELDS) for r in _children(man, "Reference")
        ]
    doc.attachments.extend(_attachments(root, ctx, strict=strict))
    return doc


def _status(
    mh: etree._Element,
    from_el: etree._Element,
    *,
    traces: list[TraceHeader],
    signature: SignatureInfo | None,
    ctx: _Ctx,
) -> Status:
    """The status message whose MessageHeader is ``mh`` (it has a StatusCode)."""
    code = (_ctext(mh, "StatusCode", required=True) or "").strip()
    if code not in STATUS_CODES:
        el = _child(mh, "StatusCode")
        raise EdxmlError(
            f"StatusCode {code!r} không hợp lệ (01-06, 13, 15, 16)",
            path=_path(el),
            line=el.sourceline,
        )
    rf_el = _child(mh, "ResponseFor", required=True)
    rf = _response_for(rf_el)
    if not (rf.document_id or "").strip():
        raise EdxmlError("thiếu ResponseFor/DocumentId", path=_path(rf_el), line=rf_el.sourceline)
    ts_el = _child(mh, "Timestamp", required=True)
    return Status(
        from_=_org(from_el),
        response_for=rf,
        staff_info=_staff(_child(mh, "StaffInfo")),
        status_code=code,
        description=_ctext(mh, "Description"),
        timestamp=_parse_when(ts_el, with_time=True),
        traces=traces,
        signature=signature,
        warnings=ctx.warnings,
    )


def _edoc(
    mh: etree._Element,
    from_el: etree._Element,
    *,
    traces: list[TraceHeader],
    business: Business | None,
    signature: SignatureInfo | None,
    ctx: _Ctx,
) -> Edoc:
    """The document whose MessageHeader is ``mh``, with the fields every document has."""
    to = [_org(t) for t in _children(mh, "To")]
    if not to:
        raise EdxmlError("thiếu nơi nhận To", path=_path(mh) + "/To", line=mh.sourceline)
    code_el = _child(mh, "Code", required=True)
    pi_el = _child(mh, "PromulgationInfo", required=True)
    return Edoc(
        from_=_org(from_el),
        to=to,
        document_id=_ctext(mh, "DocumentId"),
        code=Code(
            number=_ctext(code_el, "CodeNumber", required=True),
            notation=_ctext(code_el, "CodeNotation"),
        ),
        promulgation_info=PromulgationInfo(
            place=_ctext(pi_el, "Place"),
            date=_parse_when(_child(pi_el, "PromulgationDate", required=True), with_time=False),
        ),
        subject=_ctext(mh, "Subject", required=True),
        content=_ctext(mh, "Content"),
        due_date=_parse_when(_child(mh, "DueDate"), with_time=False),
        steering_type=_ctext(mh, "SteeringType"),
        application_type=_ctext(mh, "ApplicationType"),
        response_for=[_response_for(r) for r in _children(mh, "ResponseFor")],
        traces=traces,
        business=business,
        signature=signature,
        warnings=ctx.warnings,
    )


def _edoc_optional_fields(doc: Edoc, mh: etree._Element) -> None:
    """Fill the document's optional header blocks that ``mh`` has."""
    if (el := _child(mh, "DocumentType")) is not None:
        doc.document_type = _fill(DocumentType(), el, DOCTYPE_FIELDS)
    if (el := _child(mh, "SignerInfo")) is not None:
        doc.signer_info = _fill(SignerInfo(), el, SIGNER_FIELDS)
    if (el := _child(mh, "ResponseForTask")) is not None:
        doc.response_for_task = [_text(t) or "" for t in _children(el, "TaskCode")]
    if (el := _child(mh, "ToPlaces")) is not None:
        doc.to_places = [_text(p) or "" for p in _children(el, "Place")]
    if (el := _child(mh, "OtherInfo")) is not None:
        other = _fill(OtherInfo(), el, OTHER_FIELDS)
        if (ap := _child(el, "Appendixes")) is not None:
            other.appendixes = [_text(a) or "" for a in _children(ap, "Appendix")]
        doc.other_info = other


def _attachments(root: etree._Element, ctx: _Ctx, *, strict: bool) -> list[Attachment]:
    """The attachments under AttachmentEncoded (bad base64: an error if ``strict``, else warned)."""
    found: list[Attachment] = []
    enc = _child(root, "AttachmentEncoded")
    if enc is None:
        return found
    for a in _children(enc, "Attachment"):
        payload_el = _child(a, "ContentTransferEncoded", required=True)
        att = Attachment(
            content_id=_ctext(a, "ContentId"),
            name=_ctext(a, "AttachmentName"),
            description=_ctext(a, "Description"),
            field_name=_ctext(a, "FieldName"),
            mime_type=_ctext(a, "MimeType"),
            content_type=_ctext(a, "ContentType"),
            encoded="".join((_text(payload_el) or "").split()),
        )
        try:
            base64.b64decode(att.encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            message = f"tệp đính kèm {att.name or att.content_id!r} không phải base64 hợp lệ"
            if strict:
                raise EdxmlError(
                    message, path=_path(payload_el), line=payload_el.sourceline
                ) from exc
            ctx.warnings.append(f"{message} (dòng {payload_el.sourceline})")
        found.append(att)
    return found


# --- building -----------------------------------------------------------------------------------


def _fmt_date(value: dt.date | None) -> str:
    return value.strftime("%Y/%m/%d") if value else ""


def _fmt_time(value: dt.datetime | None) -> str:
    return value.strftime("%Y/%m/%d %H:%M:%S") if value else ""


def _el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, Q + name)
    if text is not None:
        node.text = text
    return node


def _opt(parent: etree._Element, name: str, text: str | None) -> None:
    if text is not None:
        _el(parent, name, text)


def _emit(
    parent: etree._Element, name: str, obj: Any, table: list[tuple[str, str]]
) -> etree._Element:
    node = _el(parent, name)
    for tag, attr in table:
        _opt(node, tag, getattr(obj, attr))
    return node


def _emit_staff(parent: etree._Element, staff: StaffInfo | None) -> None:
    if staff is not None:
        _emit(parent, "StaffInfo", staff, STAFF_FIELDS)


def _emit_response_for(parent: etree._Element, rf: ResponseFor) -> None:
    node = _el(parent, "ResponseFor")
    _opt(node, "OrganId", rf.organ_id)
    _opt(node, "Code", rf.code)
    if rf.promulgation_date:
        _el(node, "PromulgationDate", _fmt_date(rf.promulgation_date))
    _opt(node, "DocumentId", rf.document_id)


def _emit_traces(
    header: etree._Element, traces: list[TraceHeader], business: Business | None
) -> None:
    if not traces and business is None:
        return
    tl = _el(header, "TraceHeaderList")
    for t in traces:
        th = _el(tl, "TraceHeader")
        _opt(th, "OrganId", t.organ_id)
        if t.timestamp:
            _el(th, "Timestamp", _fmt_time(t.timestamp))
    if business is not None:
        b = _el(tl, "Bussiness")
        _opt(b, "DocumentId", business.document_id)
        _el(b, "BussinessDocType", str(business.doc_type))
        _opt(b, "BussinessDocReason", business.reason)
        _opt(b, "Paper", business.paper)
        if business.document_info is not None:
            info = _el(b, "BussinessDocumentInfo")
            _opt(info, "DocumentInfo", business.document_info.document_info)
            _opt(info, "DocumentReceiver", business.document_info.document_receiver)
            if business.document_info.receivers:
                rl = _el(info, "ReceiverList")
                for r in business.document_info.receivers:
                    rel = _el(rl, "Receiver")
                    _opt(rel, "OrganId", r.organ_id)
                    _opt(rel, "ReceiverType", r.receiver_type)
        if business.replacements is not None:
            rl = _el(b, "ReplacementInfoList")
            for ri in business.replacements:
                rel = _el(rl, "ReplacementInfo")
                _opt(rel, "DocumentId", ri.document_id)
                ol = _el(rel, "OrganIdList")
                for oid in ri.organ_ids:
                    _el(ol, "OrganId", oid)
        _emit_staff(b, business.staff_info)


def _emit_signature(header: etree._Element, sig: SignatureInfo | None) -> None:
    if sig is not None and sig.raw:
        header.append(etree.fromstring(sig.raw, _parser()))


def build(model: Edoc | Status) -> bytes:
    """Serialise a model to edXML bytes (UTF-8, with the XML declaration)."""
    root = etree.Element(Q + "edXML", nsmap=NSMAP)
    envelope = _el(root, "edXMLEnvelope")
    header = _el(envelope, "edXMLHeader")
    mh = _el(header, "MessageHeader")
    _emit(mh, "From", model.from_, ORG_FIELDS)
    if isinstance(model, Status):
        _emit_response_for(mh, model.response_for)
        _emit_staff(mh, model.staff_info)
        _el(mh, "StatusCode", model.status_code)
        _opt(mh, "Description", model.description)
        _el(mh, "Timestamp", _fmt_time(model.timestamp))
        _emit_traces(header, model.traces, None)
        _emit_signature(header, model.signature)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    for org in model.to:
        _emit(mh, "To", org, ORG_FIELDS)
    _opt(mh, "DocumentId", model.document_id)
    if model.code is not None:
        code = _el(mh, "Code")
        _opt(code, "CodeNumber", model.code.number)
        _opt(code, "CodeNotation", model.code.notation)
    if model.promulgation_info is not None:
        pi = _el(mh, "PromulgationInfo")
        _opt(pi, "Place", model.promulgation_info.place)
        _el(pi, "PromulgationDate", _fmt_date(model.promulgation_info.date))
    if model.document_type is not None:
        _emit(mh, "DocumentType", model.document_type, DOCTYPE_FIELDS)
    _opt(mh, "Subject", model.subject)
    _opt(mh, "Content", model.content)
    if model.signer_info is not None:
        _emit(mh, "SignerInfo", model.signer_info, SIGNER_FIELDS)
    if model.due_date:
        _el(mh, "DueDate", _fmt_date(model.due_date))
    if model.other_info is not None:
        other = _emit(mh, "OtherInfo", model.other_info, OTHER_FIELDS)
        if model.other_info.appendixes is not None:
            ap = _el(other, "Appendixes")
            for a in model.other_info.appendixes:
                _el(ap, "Appendix", a)
    for rf in model.response_for:
        _emit_response_for(mh, rf)
    _opt(mh, "SteeringType", model.steering_type)
    if model.response_for_task is not None:
        task = _el(mh, "ResponseForTask")
        for code in model.response_for_task:
            _el(task, "TaskCode", code)
    _opt(mh, "ApplicationType", model.application_type)
    if model.to_places is not None:
        tp = _el(mh, "ToPlaces")
        for p in model.to_places:
            _el(tp, "Place", p)
    _emit_traces(header, model.traces, model.business)
    _emit_signature(header, model.signature)
    if model.manifest is not None:
        body = _el(envelope, "edXMLBody")
        man = _el(body, "edXMLManifest")
        man.set("version", "1.0")
        for ref in model.manifest:
            _emit(man, "Reference", ref, MANIFEST_FIELDS)
    if model.attachments:
        enc = _el(root, "AttachmentEncoded")
        for a in model.attachments:
            node = _el(enc, "Attachment")
            _opt(node, "ContentId", a.content_id)
            _opt(node, "AttachmentName", a.name)
            _opt(node, "Description", a.description)
            _opt(node, "FieldName", a.field_name)
            _opt(node, "MimeType", a.mime_type)
            _opt(node, "ContentType", a.content_type)
            _el(node, "ContentTransferEncoded", a.encoded)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def to_dict(model: Any) -> Any:
    """A JSON-friendly view of a model (dates as ISO text, no raw signature bytes)."""
    if is_dataclass(model):
        out = {}
        for f in fields(model):
            if f.name in ("raw", "encoded"):
                continue
            out[f.name] = to_dict(getattr(model, f.name))
        return out
    if isinstance(model, list):
        return [to_dict(x) for x in model]
    if isinstance(model, dt.date | dt.datetime):
        return model.isoformat()
    return model


# --- XML-DSig -----------------------------------------------------------------------------------


@dataclass
class SignatureReport:
    present: bool
    valid: bool
    reason: str
    signature_method: str | None = None
    signer_subject: str | None = None


def sign(data: bytes, *, key_pem: bytes, cert_pem: bytes) -> bytes:
    """Sign a message: an enveloped RSA-SHA256 XML-DSig signature inside edXMLHeader (after the
    TraceHeaderList, where the standard puts it). Any earlier signature is replaced."""
    from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner

    ctx = _Ctx()
    root = _document(data, ctx)
    header = root.find(f"{Q}edXMLEnvelope/{Q}edXMLHeader")
    if header is None:
        raise EdxmlError("thiếu edXMLHeader để đặt chữ ký", path="edXML/edXMLEnvelope/edXMLHeader")
    for child in list(header):
        if isinstance(child.tag, str) and _local(child) == "Signature":
            header.remove(child)
    placeholder = etree.SubElement(header, DS + "Signature", nsmap={None: DSIG})
    placeholder.set("Id", "placeholder")
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    key, certs = _signing_material(key_pem, cert_pem)
    signed = signer.sign(root, key=key, cert=certs)
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


_material_cache: ProcessCache[tuple[Any, list[Any]]] = ProcessCache(
    "exchange.signing_material", max_entries=32
)


def _signing_material(key_pem: bytes, cert_pem: bytes | str) -> tuple[Any, list[Any]]:
    """The loaded key and certificate, cached: loading (and checking) an RSA key costs ~50 ms,
    twenty times the signature itself."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    cert_bytes = cert_pem.encode("ascii") if isinstance(cert_pem, str) else cert_pem
    return _material_cache.get_or_set(
        (key_pem, cert_bytes),
        lambda: (
            load_pem_private_key(key_pem, password=None),
            x509.load_pem_x509_certificates(cert_bytes),
        ),
    )


def verify(data: bytes, *, cert_pem: bytes | None = None) -> SignatureReport:
    """Check the enveloped signature against ``cert_pem`` (the sender's registered certificate).
    Without a certificate to trust, a mathematically sound signature is still reported as not
    valid ("certificate not trusted"). Never raises for a bad or missing signature."""
    from signxml import SignatureConfiguration, XMLVerifier
    from signxml.exceptions import InvalidInput, InvalidSignature

    ctx = _Ctx()
    try:
        root = _document(data, ctx)
    except EdxmlError as exc:
        return SignatureReport(present=False, valid=False, reason=exc.message)
    sig = None
    for node in root.iter():
        if isinstance(node.tag, str) and _local(node) == "Signature":
            sig = node
            break
    if sig is None:
        return SignatureReport(present=False, valid=False, reason="không có chữ ký XML-DSig")
    header = sig.getparent()
    info = _signature(header, ctx) if header is not None else None
    method = info.signature_method if info else None
    subject = _cert_subject(info.certificate) if info and info.certificate else None
    if _ns(sig) != DSIG:
        return SignatureReport(
            True,
            False,
            "phần tử Signature không thuộc namespace XML-DSig nên không kiểm tra được",
            method,
            subject,
        )
    if method and method.endswith(("rsa-sha1", "dsa-sha1")):
        return SignatureReport(
            True,
            False,
            "chữ ký dùng SHA-1, không còn được chấp nhận (cần RSA-SHA256 trở lên)",
            method,
            subject,
        )
    if cert_pem is None:
        return SignatureReport(
            True,
            False,
            "chứng thư số của người ký chưa được tin cậy (không có chứng thư đã đăng ký)",
            method,
            subject,
        )
    try:
        XMLVerifier().verify(
            root,
            x509_cert=cert_pem.decode("ascii") if isinstance(cert_pem, bytes) else cert_pem,
            expect_config=SignatureConfiguration(expect_references=1),
        )
    except InvalidSignature as exc:
        return SignatureReport(True, False, f"chữ ký không khớp nội dung: {exc}", method, subject)
    except InvalidInput as exc:
        return SignatureReport(True, False, f"chữ ký không đọc được: {exc}", method, subject)
    except Exception as exc:  # noqa: BLE001  (signxml/cryptography raise many kinds; report, never crash)
        return SignatureReport(
            True, False, f"không kiểm tra được chữ ký: {type(exc).__name__}: {exc}", method, subject
        )
    return SignatureReport(True, True, "chữ ký hợp lệ", method, subject)


def _cert_subject(b64: str) -> str | None:
    try:
        from cryptography import x509

        return x509.load_der_x509_certificate(base64.b64decode(b64)).subject.rfc4514_string()
    except Exception:  # noqa: BLE001
        return None
