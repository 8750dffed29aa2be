"""Find the signature box of a document from its text (between the position title and the name),
or place a Decree 30 signature block where the document has none.

* ``signature_box_find(data)``: our own forms (01–06 of ``printforms``) and any PDF whose
  signature block carries the usual hint line "(Ký, ghi rõ họ tên …)" or "(Ký và ghi rõ họ
  tên)".
* ``signature_box_ensure(data, position=…, signer_name=…)``: the found box, or a signature block
  added on the last page (bottom right, below the last line of text) or, when that page has no
  room, on a new page of the same size: the position in bold capitals, room for the signature
  image, the signer's full name in bold — real text in the embedded Liberation Serif.

The text positions come from poppler's ``pdftotext -bbox-layout`` (installed with
poppler-utils).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from xml.etree import ElementTree

from chinhquyen.core.errors import Conflict, ValidationFailed

from . import signing
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


# --- placing a signature block ---------------------------------------------------------------

BLOCK_FONT = "CQSerifBold"
BLOCK_FONT_FILE = signing.FONT_FILE.with_name("LiberationSerif-Bold.ttf")
BLOCK_SIZE = 13  # pt: Decree 30 sets the position and the name in bold, 13–14 pt
BLOCK_LEADING = 16.0
IMAGE_ROOM = 80.0  # pt (≈ 28 mm) between the position and the name, for the signature image
MARGIN = 20 * signing.MM  # top and bottom margins of an A4 page under Decree 30 (20–25 mm)
RIGHT_MARGIN = 15 * signing.MM
GAP = 14.0  # pt between the last line of text and the block
XOBJECT_NAME = "/CQKhoiChuKy"


@dataclass(frozen=True)
class _Block:
    lines: list[str]  # the position's lines (upper case), then the name
    centre_x: float
    top: float  # PDF user space: where the block starts, from the bottom of the page

    @property
    def title_count(self) -> int:
        return len(self.lines) - 1

    def baselines(self) -> list[float]:
        titles = [self.top - BLOCK_SIZE - i * BLOCK_LEADING for i in range(self.title_count)]
        name = titles[-1] - 4 - IMAGE_ROOM - BLOCK_SIZE
        return [*titles, name]

    @property
    def bottom(self) -> float:
        return self.baselines()[-1] - 4

    def box(self) -> Box:
        *titles, name = self.baselines()
        return Box(
            self.centre_x - HALF_WIDTH,
            name + BLOCK_SIZE + 1,
            self.centre_x + HALF_WIDTH,
            titles[-1] - 5,
        )


def _block_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if BLOCK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(BLOCK_FONT, str(BLOCK_FONT_FILE)))
    return BLOCK_FONT


def _block_lines(position: str, signer_name: str) -> list[str]:
    titles = [
        unicodedata.normalize("NFC", line.strip()).upper()
        for line in position.splitlines()
        if line.strip()
    ]
    name = unicodedata.normalize("NFC", " ".join(signer_name.split()))
    if not titles or not name:
        raise ValidationFailed(
            "Thiếu chức vụ hoặc họ tên người ký để đặt khối chữ ký.",
            code="signature_block_incomplete",
            fields={"position" if not titles else "signer_name": ["Bắt buộc để đặt khối chữ ký."]},
        )
    return [*titles, name]


def _block_pdf(block: _Block, width: float, height: float) -> bytes:
    """The block alone on a transparent page of the given size (reportlab, embedded TTF)."""
    import io

    from reportlab.pdfgen import canvas

    font = _block_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(width, height), pageCompression=1)
    c.setFont(font, BLOCK_SIZE)
    c.setFillColorRGB(0, 0, 0)
    for line, baseline in zip(block.lines, block.baselines(), strict=True):
        c.drawCentredString(block.centre_x, baseline, line)
    c.showPage()
    c.save()
    return buf.getvalue()


def _text_bottom(lines: list[_Line], height: float) -> float | None:
    """The lowest line of text above the bottom margin (page numbers and footers below it are
    left out), in PDF user space; None when the page has no text (a scan, a blank page)."""
    body = [line for line in lines if line.y2 < height - MARGIN and line.text.strip()]
    if not body:
        return None
    return height - max(line.y2 for line in body)


def _block_for(lines: list[str], page: Box, top: float) -> _Block:
    from reportlab.pdfbase import pdfmetrics

    font = _block_font()
    widest = max(pdfmetrics.stringWidth(line, font, BLOCK_SIZE) for line in lines)
    half = max(widest / 2, HALF_WIDTH)
    centre = min(page.x1 + page.width * 0.70, page.x2 - RIGHT_MARGIN - half)
    return _Block(lines=lines, centre_x=max(centre, page.x1 + half), top=top)


def _draw_on_page(writer, page_ix: int, page: Box, overlay: bytes) -> None:
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.reader import PdfFileReader

    xobj = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(overlay)), page_ix=0)
    resources = generic.DictionaryObject(
        {
            generic.pdf_name("/XObject"): generic.DictionaryObject(
                {generic.pdf_name(XOBJECT_NAME): xobj}
            )
        }
    )
    # The page's own content may leave the graphics state changed: wrap it in q … Q first.
    before = writer.add_object(generic.StreamObject(stream_data=b"q\n"))
    after = writer.add_object(
        generic.StreamObject(
            stream_data=(
                f"\nQ q 1 0 0 1 {page.x1:.2f} {page.y1:.2f} cm {XOBJECT_NAME} Do Q\n"
            ).encode()
        )
    )
    writer.add_stream_to_page(page_ix, before, prepend=True)
    writer.add_stream_to_page(page_ix, after, resources=resources)


def _new_page(writer, page: Box, overlay: bytes) -> None:
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.reader import PdfFileReader

    xobj = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(overlay)), page_ix=0)
    content = writer.add_object(
        generic.StreamObject(
            stream_data=(f"q 1 0 0 1 {page.x1:.2f} {page.y1:.2f} cm {XOBJECT_NAME} Do Q\n").encode()
        )
    )
    writer.insert_page(
        generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Page"),
                generic.pdf_name("/MediaBox"): generic.ArrayObject(
                    [generic.FloatObject(v) for v in (page.x1, page.y1, page.x2, page.y2)]
                ),
                generic.pdf_name("/Resources"): generic.DictionaryObject(
                    {
                        generic.pdf_name("/XObject"): generic.DictionaryObject(
                            {generic.pdf_name(XOBJECT_NAME): xobj}
                        )
                    }
                ),
                generic.pdf_name("/Contents"): content,
            }
        )
    )


def _has_signatures(reader) -> bool:
    from pyhanko.pdf_utils.misc import PdfError

    try:
        return bool(list(reader.embedded_signatures))
    except (PdfError, KeyError, TypeError, ValueError):
        return True  # cannot tell: do not risk breaking a signature


def signature_box_ensure(data: bytes, *, position: str, signer_name: str) -> tuple[bytes, int, Box]:
    """(PDF, page index, box) of the personal signature.

    A document with a prepared signature box (the hint line, ``signature_box_find``) comes back
    unchanged with its box. Otherwise a Decree 30 signature block is added on the last page,
    bottom right below the last line of text, or on a new page of the same size when the last
    page has no room (or no text to tell where its content ends): ``position`` (one line per
    line, e.g. "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH") in bold capitals, room for the signature image,
    then ``signer_name`` in bold. The box is the room between them.

    Adding the block changes the document, which would break any signature it holds: a signed
    document without a prepared box is refused (Conflict ``document_already_signed``).
    """
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    reader = signing.open_reader(data)
    try:
        page_ix, box = signature_box_find(data)
        return data, page_ix, box
    except ValidationFailed:
        pass
    if _has_signatures(reader):
        raise Conflict(
            "Tài liệu đã có chữ ký số nhưng không có vị trí ký cho người có thẩm quyền; thêm "
            "khối chữ ký sẽ làm mất hiệu lực chữ ký đã có.",
            code="document_already_signed",
        )
    lines = _block_lines(position, signer_name)
    last = signing.page_count(reader) - 1
    page = signing.page_box(reader, last)
    pages = _pages(data)
    text_bottom = _text_bottom(pages[last][2], pages[last][1]) if len(pages) > last else None
    # The block is laid out on the page with its origin at (0, 0), then moved to the page's
    # media box origin when drawn.
    local = Box(0, 0, page.width, page.height)
    block = None
    if text_bottom is not None:
        block = _block_for(lines, local, text_bottom - GAP)
        if block.bottom < MARGIN:
            block = None
    writer = IncrementalPdfFileWriter.from_reader(reader)
    if block is not None:
        _draw_on_page(writer, last, page, _block_pdf(block, page.width, page.height))
        target = last
    else:
        block = _block_for(lines, local, local.y2 - MARGIN)
        _new_page(writer, page, _block_pdf(block, page.width, page.height))
        target = last + 1
    out = io.BytesIO()
    writer.write(out)
    found = block.box()
    return (
        out.getvalue(),
        target,
        Box(found.x1 + page.x1, found.y1 + page.y1, found.x2 + page.x1, found.y2 + page.y1),
    )
