"""PAdES signing with pyHanko in the format of Decree 30/2020 (Annex I).

Pure functions over PDF bytes and a pyHanko ``Signer``; nothing here touches the database, so
the benchmark, the services and the tests all call the same code.

* ``sign_personal``: the competent person's signature, a visible field whose appearance is the
  signer's blue transparent PNG, centred in the box between the position title and the name.
* ``sign_agency``: the agency's signature after the person's, the red seal PNG at real size,
  placed so that it covers about one third of the person's image on its left. Refused when the
  document has no valid personal signature, and when a seal already follows it
  (``already_sealed``).
* ``sign_copy``: attachments and electronic copies: the agency's signature with no image and a
  text stamp at the top right of page 1 (number/notation or copy type and agency, signing time
  in ISO 8601 with +07:00), 10 pt Liberation Serif (metric-compatible with Times New Roman), black.

Levels: ``B-B`` (CMS signature only), ``B-T`` (plus an RFC 3161 signature timestamp), ``B-LT``
(plus the certificates and OCSP/CRL answers in the document security store).

The placement of the personal signature and the seal (``personal_placement``,
``agency_placement``) is shared with two-phase signing (``twophase.py``); the fast signer for key
files is in ``fastsigner.py`` (re-exported here).
"""

from __future__ import annotations

import enum
import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko.stamp import StaticStampStyle

from chinhquyen.core.aio import run_sync
from chinhquyen.core.errors import Conflict, ValidationFailed

from . import images, pdfbounds, pki
from .fastsigner import FastSigner, signer_from  # noqa: F401 - re-exported for callers

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FONT_FILE = (
    Path(__file__).resolve().parent.parent / "printforms" / "fonts" / "LiberationSerif-Regular.ttf"
)
STAMP_FONT = "CQStampSerif"
STAMP_SIZE = 10
MM = 72 / 25.4

PERSONAL_FIELD = "ChuKyCaNhan"
AGENCY_FIELD = "ChuKyCoQuan"
COPY_FIELD = "ChuKyBanSao"


class Level(enum.StrEnum):
    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF user space (points, origin bottom left)."""

    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (round(self.x1), round(self.y1), round(self.x2), round(self.y2))

    @classmethod
    def of(cls, value) -> Box:
        if isinstance(value, Box):
            return value
        x1, y1, x2, y2 = (float(v) for v in value)
        return cls(min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))


@dataclass(frozen=True)
class SignOptions:
    level: Level = Level.B_B
    tsa_url: str = ""
    validation_context: object | None = None  # needed for B-LT
    reason: str = ""
    location: str = ""


def bytes_reserved_for(signer, level: Level) -> int | None:
    """Room for the CMS blob (in hex digits), so that pyHanko need not sign a dummy first to
    measure it. B-LT is left to pyHanko's estimate (its revocation data varies)."""
    if level == Level.B_LT or getattr(signer, "signing_cert", None) is None:
        return None
    template = getattr(signer, "_template", None)
    if level == Level.B_B and template is not None:
        # the exact size: validators parse this hex string character by character
        return 2 * len(template.blob) + 64
    certs = [signer.signing_cert, *getattr(signer, "cert_registry", [])]
    size = sum(len(c.dump()) for c in certs) + 3072
    if level == Level.B_T:
        size += 12288  # the TSA's token with its certificates
    return 2 * size


class _PdfBytesPage(PdfContent):
    """A page of an in-memory PDF as a form XObject (pyHanko's ImportedPdfPage reads a file)."""

    def __init__(self, data: bytes):
        self.data = data
        super().__init__()

    def render(self) -> bytes:
        w = self.writer  # public: set by pyHanko's set_writer() before render()
        if w is None:
            raise ValueError("PDF writer is not set")
        xobj = w.import_page_as_xobject(PdfFileReader(io.BytesIO(self.data)), page_ix=0)
        self.resources.xobject["/Stamp0"] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return b"/Stamp0 Do"


_FILL = layout.SimpleBoxLayoutRule(
    x_align=layout.AxisAlignment.ALIGN_MID,
    y_align=layout.AxisAlignment.ALIGN_MID,
    margins=layout.Margins.uniform(0),
    inner_content_scaling=layout.InnerScaling.STRETCH_FILL,
)


def _image_style(content: PdfContent) -> StaticStampStyle:
    return StaticStampStyle(
        background=content, background_layout=_FILL, border_width=0, background_opacity=1.0
    )


# --- reading an existing document ---------------------------------------------------------------


def open_reader(data: bytes) -> PdfFileReader:
    """A pyHanko reader, or a ValidationFailed on the field ``file`` for anything unreadable or
    beyond the bounds of ``pdfbounds`` (checked on the bytes before pyHanko parses them).

    The one entry point for every PDF we parse; do the work on the reader inside
    ``pdfbounds.limits()``."""
    if not data or not data.lstrip()[:5].startswith(b"%PDF"):
        raise ValidationFailed(
            "Tệp không phải PDF.", code="not_pdf", fields={"file": ["Hãy chọn một tệp PDF."]}
        )
    pdfbounds.precheck(data)
    try:
        with pdfbounds.limits():
            reader = PdfFileReader(io.BytesIO(data), strict=False)
            reader.root  # noqa: B018 - force the trailer and catalogue to be parsed
        return reader
    except (PdfError, ValueError, KeyError, TypeError, AssertionError, IndexError) as exc:
        raise ValidationFailed(
            "Tệp PDF bị hỏng, không đọc được.",
            code="pdf_unreadable",
            fields={"file": ["Không đọc được cấu trúc PDF của tệp."]},
        ) from exc


def page_count(reader: PdfFileReader) -> int:
    """The number of pages, counted in the page tree (its ``/Count`` is only a claim)."""
    return len(pdfbounds.pages(reader))


def page_box(reader: PdfFileReader, page_ix: int) -> Box:
    page_ref, _ = reader.find_page_for_modification(page_ix)
    page = page_ref.get_object()
    node = page
    while "/MediaBox" not in node and "/Parent" in node:
        node = node["/Parent"]
    return Box.of(node["/MediaBox"])


@dataclass(frozen=True)
class Widget:
    field_name: str
    page_ix: int
    rect: Box
    has_image: bool


def _has_image(xobj, depth: int = 0) -> bool:
    """Whether an appearance stream draws an image (directly or through nested forms)."""
    if depth > 4:
        return False
    try:
        resources = xobj.get_object().get("/Resources")
        if resources is None:
            return False
        xobjects = resources.get_object().get("/XObject")
        if xobjects is None:
            return False
        for ref in xobjects.get_object().values():
            obj = ref.get_object()
            subtype = obj.get("/Subtype")
            if subtype == "/Image":
                return True
            if subtype == "/Form" and _has_image(obj, depth + 1):
                return True
    except (KeyError, AttributeError, TypeError, PdfError):
        return False
    return False


MAX_FIELD_DEPTH = 32  # levels of /Parent above a widget (form fields nest a few)


def _field_of(annot) -> tuple[str | None, str]:
    """(field type, fully qualified name) of the field a widget belongs to: the partial names
    ``/T`` joined with dots up the ``/Parent`` chain (a signature in ``Parent.Kid`` is named so
    by pyHanko too); the type inherited from the nearest node that has one."""
    names: list[str] = []
    field_type = None
    node = annot
    for _ in range(MAX_FIELD_DEPTH):
        if "/T" in node:
            names.append(str(node["/T"]))
        if field_type is None and "/FT" in node:
            field_type = node["/FT"]
        parent = node.get("/Parent")
        if parent is None:
            break
        node = parent.get_object()
    return field_type, ".".join(reversed(names))


def signature_widgets(reader: PdfFileReader) -> dict[str, Widget]:
    """Signature field name (fully qualified) → its widget (page, rectangle, whether its
    appearance is an image), walking the page tree once (``pdfbounds.pages``)."""
    found: dict[str, Widget] = {}
    for page_ix, page in enumerate(pdfbounds.pages(reader)):
        annots = page.get("/Annots")
        if annots is None:
            continue
        for annot_ref in annots.get_object():
            annot = annot_ref.get_object()
            if annot.get("/Subtype") != "/Widget":
                continue
            field_type, name = _field_of(annot)
            if field_type != "/Sig" or not name or name in found:
                continue
            rect = Box.of(annot.get("/Rect", [0, 0, 0, 0]))
            ap = annot.get("/AP")
            normal = ap.get_object().get("/N") if ap is not None else None
            has_image = normal is not None and _has_image(normal)
            found[name] = Widget(name, page_ix, rect, has_image)
    return found


def _next_field_name(reader: PdfFileReader, prefix: str) -> str:
    existing = set()
    try:
        for name, _, _ in fields.enumerate_sig_fields(reader, filled_status=None):
            existing.add(name)
    except (PdfError, KeyError):
        pass
    n = 1
    while f"{prefix}{n}" in existing:
        n += 1
    return f"{prefix}{n}"


# --- signing -------------------------------------------------------------------------------------


# Locking the document (against "shadow attacks": content hidden in a signed file and revealed,
# or shown content replaced, by form filling or annotations added afterwards). The first
# signature certifies the document with DocMDP permission level 2 — after it only form filling
# and signing are allowed: level 1 (no changes at all) would forbid the agency's seal, which
# Decree 30 requires after the person's signature, and level 3 would allow annotations. Every
# later signature locks the document's form fields with FieldMDP (``lock_spec``), so the values
# it saw cannot be changed without breaking it. The validator goes further (``validation._changes``): any form value,
# annotation or new field after a signature is reported as a modification.
CERTIFY_PERMISSIONS = fields.MDPPerm.FILL_FORMS


MAX_FORM_FIELDS = 10_000


def _array(value) -> list:
    """The entries (unresolved) of an array given directly or by reference; [] otherwise."""
    value = value.get_object() if value is not None else None
    if not isinstance(value, generic.ArrayObject):
        return []
    return [value.raw_get(i) for i in range(len(value))]


def form_fields(handler) -> dict[str, tuple[str | None, object]]:
    """Fully qualified name → (field type, field dictionary) of every form field of a reader or
    of one revision (``reader.get_historical_resolver``), in one bounded walk of the form
    (``/Kids`` that are only widgets add no name)."""
    out: dict[str, tuple[str | None, object]] = {}
    form = handler.root.get("/AcroForm")
    if form is None:
        return out
    todo = [(ref, "", None) for ref in _array(form.get_object().get("/Fields"))]
    seen: set = set()
    while todo and len(out) < MAX_FORM_FIELDS and len(seen) < 10 * MAX_FORM_FIELDS:
        ref, prefix, inherited = todo.pop()
        node = ref.get_object()
        if id(node) in seen:
            continue
        seen.add(id(node))
        ftype = node.get("/FT", inherited)
        name = prefix
        if "/T" in node:
            name = f"{prefix}.{node['/T']}" if prefix else str(node["/T"])
            out[name] = (ftype, node)
        todo.extend((kid, name, ftype) for kid in _array(node.get("/Kids")))
    return out


def lock_spec(reader: PdfFileReader) -> fields.FieldMDPSpec | None:
    """The FieldMDP lock of a signature after the first: every form field that is not a
    signature, as the signer saw them (a lock of all fields would also forbid the visible
    signatures Decree 30 adds later, e.g. the seal); None when the form has none."""
    try:
        names = sorted(n for n, (ftype, _) in form_fields(reader).items() if ftype != "/Sig")
    except (PdfError, KeyError, TypeError, ValueError, AttributeError):
        names = []
    if not names:
        return None
    return fields.FieldMDPSpec(action=fields.FieldMDPAction.INCLUDE, fields=names)


def is_first_signature(reader: PdfFileReader) -> bool:
    """Whether a new signature would be the document's first (it then certifies it)."""
    try:
        return not any(True for _ in fields.enumerate_sig_fields(reader, filled_status=True))
    except (PdfError, KeyError, TypeError, ValueError):
        return False  # cannot tell: sign without certifying, with the field lock


def signature_metadata(
    field_name: str, opts: SignOptions, *, name: str | None = None, certify: bool = False
):
    """pyHanko's metadata of our signatures; ``certify`` for the document's first signature
    (DocMDP, ``CERTIFY_PERMISSIONS``)."""
    lt = opts.level == Level.B_LT
    return signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=opts.reason or None,
        location=opts.location or None,
        name=name,
        embed_validation_info=lt,
        validation_context=opts.validation_context if lt else None,
        use_pades_lta=False,
        certify=certify,
        docmdp_permissions=CERTIFY_PERMISSIONS,
    )


def timestamper_for(opts: SignOptions):
    if opts.level == Level.B_B:
        return None
    if not opts.tsa_url:
        raise ValidationFailed(
            "Chưa cấu hình dịch vụ cấp dấu thời gian.",
            code="tsa_missing",
            fields={"level": ["Mức B-T và B-LT cần máy chủ dấu thời gian (SIGNATURES_TSA_URL)."]},
        )
    return timestamps.HTTPTimeStamper(opts.tsa_url, timeout=10)


def field_spec(
    field_name: str, page_ix: int, box: Box | None, *, lock: fields.FieldMDPSpec | None = None
) -> fields.SigFieldSpec:
    """The new signature field; ``lock`` (``lock_spec``) for a signature after the first."""
    return fields.SigFieldSpec(
        sig_field_name=field_name,
        on_page=page_ix,
        box=box.as_tuple() if box else None,
        field_mdp_spec=lock,
    )


@dataclass(frozen=True)
class Placement:
    """Where and how a new signature goes: its field, page, rectangle and appearance."""

    field_name: str
    page_ix: int
    box: Box | None
    style: StaticStampStyle | None


def _sign(
    data: bytes,
    *,
    signer,
    opts: SignOptions,
    field_name: str,
    page_ix: int,
    box: Box | None,
    style: StaticStampStyle | None,
    text_params: dict | None = None,
    reader: PdfFileReader | None = None,
) -> bytes:
    if opts.level == Level.B_LT and opts.validation_context is None:
        raise ValidationFailed(
            "Thiếu ngữ cảnh kiểm tra chứng thư cho mức B-LT.", fields={"level": ["B-LT"]}
        )
    reader = reader if reader is not None else open_reader(data)
    writer = IncrementalPdfFileWriter.from_reader(reader)
    first = is_first_signature(reader)
    metadata = signature_metadata(field_name, opts, certify=first)
    pdf_signer = signers.PdfSigner(
        metadata,
        signer=signer,
        timestamper=timestamper_for(opts),
        stamp_style=style,
        new_field_spec=field_spec(
            field_name, page_ix, box, lock=None if first else lock_spec(reader)
        ),
    )
    out = io.BytesIO()
    try:
        # pyHanko's sign_pdf is asyncio.run around this coroutine, refused where this thread
        # already runs a loop (an ASGI server, Playwright's sync API in the same test process).
        run_sync(
            pdf_signer.async_sign_pdf(
                writer,
                bytes_reserved=bytes_reserved_for(signer, opts.level),
                output=out,
                appearance_text_params=text_params,
            ),
            metadata.validation_context,
        )
    except SigningError as exc:
        raise Conflict(f"Không ký được tài liệu: {exc}", code="signing_failed") from exc
    if opts.level == Level.B_LT:
        check_lt_revocation(out.getvalue(), getattr(signer, "signing_cert", None))
    return out.getvalue()


def check_lt_revocation(data: bytes, cert) -> None:
    """A B-LT file must carry revocation data about its signer (``levels.py``): refuse rather
    than hand out a B-LT claim without it (a certificate naming no CRL or OCSP service, such as
    the development CA's, or a responder that did not answer)."""
    from .levels import dss_revocation_covers

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    if cert is None or not dss_revocation_covers(reader, cert):
        raise ValidationFailed(
            "Không lấy được thông tin thu hồi (OCSP/CRL) của chứng thư số người ký, "
            "nên không thể ký ở mức B-LT.",
            code="revocation_unavailable",
            fields={
                "level": [
                    "Chứng thư số không có dịch vụ OCSP/CRL hoặc dịch vụ không trả lời; "
                    "hãy ký ở mức B-T."
                ]
            },
        )


def fit_image(box: Box, info: images.ImageInfo) -> Box:
    """The largest rectangle with the image's proportions, centred in ``box``."""
    if box.width <= 0 or box.height <= 0:
        raise ValidationFailed("Vùng ký không hợp lệ.", fields={"box": ["Vùng ký rỗng."]})
    scale = min(box.width / info.width_px, box.height / info.height_px)
    w, h = info.width_px * scale, info.height_px * scale
    cx, cy = (box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2
    return Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


class _PackedImage(PdfImage):
    """A PNG compressed once per process: pyHanko's ``PdfImage`` deflates the pixels again for
    every document it is written into, which was a good part of the cost of bulk signing."""

    def __init__(self, img):
        import zlib

        from PIL import Image

        if img.mode not in ("RGB", "RGBA"):
            img = img.convert("RGBA")
        super().__init__(img)
        alpha = img.split()[-1] if img.mode == "RGBA" else None
        rgb = img.convert("RGB") if alpha is not None else img
        self._rgb = zlib.compress(rgb.tobytes(), 6)
        self._alpha = zlib.compress(alpha.tobytes(), 6) if alpha is not None else None
        assert isinstance(img, Image.Image)

    def _stream(self, data: bytes, colour_space: str, smask=None):
        d = generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
                generic.pdf_name("/Subtype"): generic.pdf_name("/Image"),
                generic.pdf_name("/Width"): generic.NumberObject(self.image.width),
                generic.pdf_name("/Height"): generic.NumberObject(self.image.height),
                generic.pdf_name("/ColorSpace"): generic.pdf_name(colour_space),
                generic.pdf_name("/BitsPerComponent"): generic.NumberObject(8),
                generic.pdf_name("/Filter"): generic.pdf_name("/FlateDecode"),
            }
        )
        if smask is not None:
            d[generic.pdf_name("/SMask")] = smask
        return self.writer.add_object(generic.StreamObject(d, encoded_data=data))

    @property
    def image_ref(self):
        ref = self._image_ref
        if ref is None or ref.get_pdf_handler() is not self.writer:
            smask = self._stream(self._alpha, "/DeviceGray") if self._alpha else None
            self._image_ref = ref = self._stream(self._rgb, "/DeviceRGB", smask)
        return ref


@cache
def _pdf_image(png: bytes) -> PdfImage:
    """pyHanko image objects are reusable across writers: build each PNG's once per process."""
    from PIL import Image

    img = Image.open(io.BytesIO(png))
    img.load()
    return _PackedImage(img)


def personal_placement(reader: PdfFileReader, *, image_png: bytes, page_ix: int, box) -> Placement:
    """The personal signature's field: the blue image centred in ``box`` on ``page_ix``."""
    if not (0 <= page_ix < page_count(reader)):
        raise ValidationFailed("Trang không tồn tại.", fields={"page": ["Số trang ngoài phạm vi."]})
    return Placement(
        field_name=_next_field_name(reader, PERSONAL_FIELD),
        page_ix=page_ix,
        box=fit_image(Box.of(box), images.image_info(image_png)),
        style=_image_style(_pdf_image(image_png)),
    )


def sign_personal(
    data: bytes,
    *,
    signer,
    image_png: bytes,
    page_ix: int,
    box,
    opts: SignOptions = SignOptions(),  # noqa: B008 - frozen dataclass
) -> bytes:
    """The competent person's signature, their blue image centred in ``box`` on ``page_ix``."""
    reader = open_reader(data)
    place = personal_placement(reader, image_png=image_png, page_ix=page_ix, box=box)
    return _sign(
        data,
        signer=signer,
        opts=opts,
        field_name=place.field_name,
        page_ix=place.page_ix,
        box=place.box,
        style=place.style,
        reader=reader,
    )


def seal_box(personal: Box, seal_size: tuple[float, float]) -> Box:
    """The seal's rectangle: its right part covers the left third of the person's image."""
    width, height = seal_size
    right = personal.x1 + personal.width / 3
    cy = (personal.y1 + personal.y2) / 2
    return Box(right - width, cy - height / 2, right, cy + height / 2)


def _is_seal(embedded, widgets: dict[str, Widget]) -> bool:
    """An agency signature with an image: a seal (the copy stamp has no image)."""
    widget = widgets.get(embedded.field_name)
    try:
        kind = pki.classify_asn1_cert(embedded.signer_cert)
    except (ValueError, KeyError, TypeError, PdfError):
        return False
    return kind == pki.AGENCY and widget is not None and widget.has_image


def check_not_sealed(reader: PdfFileReader, personal_field: str) -> None:
    """Refuse a second seal: an agency signature with an image already signed a revision after
    the personal signature ``personal_field`` (Conflict ``already_sealed``).

    A structural check (who signed, in which revision, with an image); the services also count
    only seals that validate (``services.documents._seal_target``)."""
    try:
        embedded = list(reader.embedded_regular_signatures)
        widgets = signature_widgets(reader)
    except (PdfError, KeyError, TypeError, ValueError):
        return
    personal = next((s for s in embedded if s.field_name == personal_field), None)
    if personal is None:
        return
    for sig in embedded:
        if sig.signed_revision > personal.signed_revision and _is_seal(sig, widgets):
            raise already_sealed()


def already_sealed() -> Conflict:
    return Conflict(
        "Văn bản đã được đóng dấu (ký số của cơ quan) sau chữ ký của người có thẩm quyền; "
        "không đóng dấu lần thứ hai.",
        code="already_sealed",
    )


def agency_placement(reader: PdfFileReader, *, seal_png: bytes, personal_field: str) -> Placement:
    """The seal's field: the red seal at real size over the left third of ``personal_field``'s
    image. Refuses a second seal (``check_not_sealed``)."""
    widget = signature_widgets(reader).get(personal_field)
    if widget is None or widget.rect.width <= 0:
        raise Conflict(
            "Không tìm thấy vị trí chữ ký của người có thẩm quyền.",
            code="personal_signature_missing",
        )
    check_not_sealed(reader, personal_field)
    return Placement(
        field_name=_next_field_name(reader, AGENCY_FIELD),
        page_ix=widget.page_ix,
        box=seal_box(widget.rect, images.seal_size_pt(images.image_info(seal_png))),
        style=_image_style(_pdf_image(seal_png)),
    )


def sign_agency(
    data: bytes,
    *,
    signer,
    seal_png: bytes,
    personal_field: str,
    opts: SignOptions = SignOptions(),  # noqa: B008
) -> bytes:
    """The agency's seal next to the person's signature ``personal_field`` (already validated
    by the caller: see ``services.document_sign``). A second seal after the same personal
    signature is refused (Conflict ``already_sealed``)."""
    reader = open_reader(data)
    place = agency_placement(reader, seal_png=seal_png, personal_field=personal_field)
    return _sign(
        data,
        signer=signer,
        opts=opts,
        field_name=place.field_name,
        page_ix=place.page_ix,
        box=place.box,
        style=place.style,
        reader=reader,
    )


def _font_register() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if STAMP_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(STAMP_FONT, str(FONT_FILE)))
    return STAMP_FONT


def stamp_pdf(lines: list[str]) -> bytes:
    """The copy stamp as a one-page PDF exactly the size of its text (right-aligned lines).

    Drawn with reportlab and the embedded Liberation Serif, the same way as the forms, so the
    Vietnamese text is real, searchable text; pyHanko imports the page as the appearance.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import canvas

    font = _font_register()
    lines = [unicodedata.normalize("NFC", line) for line in lines if line]
    leading = STAMP_SIZE * 1.2
    pad = 2
    width = max(pdfmetrics.stringWidth(line, font, STAMP_SIZE) for line in lines) + 2 * pad
    height = leading * len(lines) + 2 * pad
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(width, height), pageCompression=1)
    c.setFont(font, STAMP_SIZE)
    c.setFillColorRGB(0, 0, 0)
    y = height - pad - STAMP_SIZE
    for line in lines:
        c.drawRightString(width - pad, y, line)
        y -= leading
    c.showPage()
    c.save()
    return buf.getvalue()


def iso_vn(when: datetime) -> str:
    """ISO 8601 in Vietnam time with its offset: 2026-03-02T09:15:00+07:00."""
    return when.astimezone(VN_TZ).isoformat(timespec="seconds")


def sign_copy(
    data: bytes,
    *,
    signer,
    first_line: str,
    agency_name: str,
    when: datetime,
    opts: SignOptions = SignOptions(),  # noqa: B008
) -> bytes:
    """Agency signature without image for an attachment or an electronic copy.

    ``first_line``: the number/notation ("Số: 12/QĐ-UBND") or the copy type ("BẢN SAO ĐIỆN TỬ").
    """
    reader = open_reader(data)
    stamp = stamp_pdf([first_line, agency_name, iso_vn(when)])
    sreader = PdfFileReader(io.BytesIO(stamp))
    stamp_box = page_box(sreader, 0)
    sw, sh = stamp_box.width, stamp_box.height
    page = page_box(reader, 0)
    margin = 5 * MM
    rect = Box(page.x2 - margin - sw, page.y2 - margin - sh, page.x2 - margin, page.y2 - margin)
    return _sign(
        data,
        signer=signer,
        opts=opts,
        field_name=_next_field_name(reader, COPY_FIELD),
        page_ix=0,
        box=rect,
        style=_image_style(_PdfBytesPage(stamp)),
        reader=reader,
    )
