"""Forms 01–07 of the one-stop shop (Circular 01/2018 annex, DOMAIN.md §3) rendered as PDF.

Pure reads: a form is drawn from the dossier, its history and its procedure version, never from
anything the caller passes in. Layout follows the administrative convention of Decree 30/2020:
the agency on the left (upper case, bold, a short rule under it), the national motto on the right
(the slogan bold with a rule of its own length under it), the place and date in italics, the title
in bold capitals, the body, and the signature block. Forms 01–06 print on A5, the register (07)
on A4 landscape. Text is real text in an embedded Liberation Serif (metric-compatible with Times
New Roman), so the PDF is searchable and renders the same everywhere.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import segno
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from chinhquyen.accounts.models import Role
from chinhquyen.accounts.selectors import profile_of
from chinhquyen.core.errors import Conflict
from chinhquyen.core.public_url import public_url
from chinhquyen.dossiers.models import Channel, Dossier, DossierEvent
from chinhquyen.dossiers.workflow import workflow_spec
from chinhquyen.workdays import calendar
from chinhquyen.workdays.text import weekday_name

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "LiberationSerif"
FONT_BOLD = "LiberationSerif-Bold"
FONT_ITALIC = "LiberationSerif-Italic"

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
SLOGAN = "Độc lập - Tự do - Hạnh phúc"

# The forms and the history event each one reports on (None: the dossier as a whole).
FORMS: dict[str, tuple[str, str | None]] = {
    "01": ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "accept"),
    "02": ("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", "request_supplement"),
    "03": ("Phiếu từ chối tiếp nhận giải quyết hồ sơ", "refuse"),
    "04": ("Phiếu xin lỗi và hẹn lại ngày trả kết quả", "extend"),
    "05": ("Thông báo dừng xử lý hồ sơ", "stop"),
    "06": ("Phiếu kiểm soát quá trình giải quyết hồ sơ", None),
}
REGISTER_TITLE = "Sổ theo dõi hồ sơ"


# --- fonts and text ----------------------------------------------------------------------------


@cache
def fonts_register() -> TTFont:
    """Register the embedded family once per process; returns the regular face."""
    regular = TTFont(FONT, str(FONT_DIR / "LiberationSerif-Regular.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "LiberationSerif-Bold.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_ITALIC, str(FONT_DIR / "LiberationSerif-Italic.ttf")))
    # No bold italic face is shipped: <b><i> falls back to bold, which the forms never need.
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD
    )
    return regular


@cache
def font_charset() -> frozenset[int]:
    """Code points the embedded font can draw (the same set in all three faces)."""
    return frozenset(fonts_register().face.charToGlyph)


def clean(text: object) -> str:
    """Text as the font can draw it: NFC (precomposed Vietnamese letters, since reportlab does
    no glyph composition), and any character the font lacks replaced by "?" rather than left to
    print as an empty box."""
    value = unicodedata.normalize("NFC", "" if text is None else str(text))
    charset = font_charset()
    return "".join(ch if ord(ch) in charset or ch in "\n\t" else "?" for ch in value if ch != "\r")


def t(text: object) -> str:
    """Escaped for a Paragraph's mini-markup, line breaks kept."""
    return escape(clean(text)).replace("\n", "<br/>")


def upper(text: object) -> str:
    return clean(text).upper()


# --- dates -------------------------------------------------------------------------------------


def _local(value: datetime) -> datetime:
    return timezone.localtime(value)


def date_words(value: date | datetime | None) -> str:
    """Like "ngày 02 tháng 03 năm 2026" (Decree 30: days and months below 10 with a leading 0)."""
    if value is None:
        return "ngày … tháng … năm …"
    if isinstance(value, datetime):
        value = _local(value).date()
    return f"ngày {value:%d} tháng {value:%m} năm {value:%Y}"


def time_words(value: datetime | None) -> str:
    if value is None:
        return "… giờ … phút, ngày … tháng … năm …"
    local = _local(value)
    return f"{local:%H} giờ {local:%M} phút, {date_words(local)}"


def deadline_words(value: datetime | None) -> str:
    """A legal deadline in the forms' words, on the day it runs out (``calendar.deadline_end``):
    "17 giờ 00 phút, thứ Ba, ngày 08 tháng 12 năm 2026" — never the opening of the next day."""
    if value is None:
        return time_words(None)
    local = _local(calendar.deadline_end(value))
    weekday = weekday_name(local.date(), language="vi")
    return f"{local:%H} giờ {local:%M} phút, {weekday}, {date_words(local)}"


def short_dt(value: datetime | None) -> str:
    return f"{_local(value):%d/%m/%Y %H:%M}" if value else ""


def short_deadline(value: datetime | None) -> str:
    """A deadline in a table cell: "08/12/2026 17:00" (the close of the day it runs out)."""
    return short_dt(calendar.deadline_end(value)) if value else ""


# --- styles ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    body_j: ParagraphStyle
    small: ParagraphStyle
    center: ParagraphStyle
    center_b: ParagraphStyle
    center_i: ParagraphStyle
    title: ParagraphStyle
    cell: ParagraphStyle
    cell_c: ParagraphStyle
    cell_h: ParagraphStyle


def styles(size: float = 10) -> Styles:
    fonts_register()
    body = ParagraphStyle("body", fontName=FONT, fontSize=size, leading=size * 1.25)
    cell = ParagraphStyle("cell", parent=body, fontSize=size - 2, leading=(size - 2) * 1.2)
    return Styles(
        body=body,
        body_j=ParagraphStyle("body_j", parent=body, alignment=TA_JUSTIFY, spaceAfter=1.5),
        small=ParagraphStyle("small", parent=body, fontSize=size - 2, leading=(size - 2) * 1.25),
        center=ParagraphStyle("center", parent=body, alignment=TA_CENTER),
        center_b=ParagraphStyle("center_b", parent=body, alignment=TA_CENTER, fontName=FONT_BOLD),
        center_i=ParagraphStyle("center_i", parent=body, alignment=TA_CENTER, fontName=FONT_ITALIC),
        title=ParagraphStyle(
            "title",
            parent=body,
            alignment=TA_CENTER,
            fontName=FONT_BOLD,
            fontSize=size + 1.5,
            leading=(size + 1.5) * 1.3,
        ),
        cell=cell,
        cell_c=ParagraphStyle("cell_c", parent=cell, alignment=TA_CENTER),
        cell_h=ParagraphStyle("cell_h", parent=cell, alignment=TA_CENTER, fontName=FONT_BOLD),
    )


class Rule(Flowable):
    """A centred horizontal rule: the short line under the agency name and the slogan."""

    def __init__(self, width: float, thickness: float = 0.6, space: float = 2.5):
        super().__init__()
        self.rule_width, self.thickness, self.space = width, thickness, space

    def wrap(self, avail_width, avail_height):
        self._avail = avail_width
        return avail_width, self.space * 2 + self.thickness

    def draw(self):
        x0 = (self._avail - self.rule_width) / 2
        self.canv.setLineWidth(self.thickness)
        y = self.space
        self.canv.line(x0, y, x0 + self.rule_width, y)


class QrCode(Flowable):
    """A QR code drawn as vector squares (crisp at any zoom, no image in the file)."""

    def __init__(self, data: str, size: float):
        super().__init__()
        self.qr = segno.make(data, error="m", micro=False)
        self.size = size

    def wrap(self, avail_width, avail_height):
        return self.size, self.size

    def draw(self):
        matrix = list(self.qr.matrix_iter(scale=1, border=2))
        n = len(matrix)
        module = self.size / n
        self.canv.setFillColor(colors.black)
        for row_no, row in enumerate(matrix):
            y = self.size - (row_no + 1) * module
            for col_no, dark in enumerate(row):
                if dark:
                    self.canv.rect(col_no * module, y, module, module, stroke=0, fill=1)


# --- common blocks -----------------------------------------------------------------------------


def lookup_url(code: str) -> str:
    return public_url(f"/tra-cuu/{code}")


def place_of(agency) -> str:
    """The place in the date line: the administrative unit's name, else a dotted gap."""
    unit = getattr(agency, "unit", None)
    return clean(unit.name) if unit is not None else "……………"


def header(
    *, agency, when: date | datetime | None, width: float, st: Styles, number: str = ""
) -> Table:
    """Agency (left) and national motto (right), then the number and the place-and-date line."""
    left_w = width * 0.40
    right_w = width - left_w
    size = st.body.fontSize - 1
    # The motto stays on one line: shrink it to the column if the paper is narrow (A5).
    motto_size = min(size, (right_w - 4) / pdfmetrics.stringWidth(MOTTO, FONT_BOLD, 1))
    bold = ParagraphStyle("hdr_b", parent=st.center_b, fontSize=size, leading=size * 1.25)
    plain = ParagraphStyle("hdr", parent=st.center, fontSize=size, leading=size * 1.25)
    motto = ParagraphStyle("hdr_m", parent=bold, fontSize=motto_size)
    slogan = ParagraphStyle("hdr_s", parent=bold, fontSize=motto_size + 1)
    left: list[Flowable] = []
    if getattr(agency, "parent", None) is not None:
        left.append(Paragraph(escape(upper(agency.parent.name)), plain))
    left.append(Paragraph(escape(upper(agency.name)), bold))
    left.append(Rule(min(left_w * 0.45, 60)))
    slogan_width = pdfmetrics.stringWidth(SLOGAN, FONT_BOLD, slogan.fontSize)
    right: list[Flowable] = [
        Paragraph(MOTTO, motto),
        Paragraph(SLOGAN, slogan),
        Rule(slogan_width),
    ]
    rows = [[left, right]]
    date_line = Paragraph(f"{t(place_of(agency))}, {date_words(when)}", st.center_i)
    number_line = Paragraph(t(number), plain) if number else ""
    rows.append([number_line, date_line])
    table = Table(rows, colWidths=[left_w, right_w])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONT", (0, 0), (-1, -1), FONT),  # empty cells too: no Helvetica
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 1), (-1, 1), 4),
            ]
        )
    )
    return table


def signatures(
    st: Styles, *blocks: tuple[str, str, str], widths: list[float] | None = None
) -> Table:
    """Signature block(s): (title, hint, name). One block sits on the right half."""
    cells = []
    for title, hint, name in blocks:
        cells.append(
            [
                Paragraph(escape(upper(title)), st.center_b),
                Paragraph(t(hint), st.center_i),
                Spacer(1, 34),
                Paragraph(t(name), st.center_b),
            ]
        )
    if len(cells) == 1:
        cells.insert(0, "")
    table = Table([cells], colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONT", (0, 0), (-1, -1), FONT),  # empty cells too: no Helvetica
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return KeepTogether([Spacer(1, 8), table])


def person_name(user) -> str:
    if user is None:
        return ""
    profile = profile_of(user)
    if profile is not None and profile.full_name:
        return profile.full_name
    return user.get_full_name() or user.get_username()


def counter_name(agency) -> str:
    return f"Bộ phận Tiếp nhận và Trả kết quả - {clean(agency.name)}"


def line(label: str, value: object, st: Styles) -> Paragraph:
    return Paragraph(f"<b>{t(label)}</b> {t(value)}", st.body_j)


def _grid(data, widths, *, header_rows: int = 1) -> Table:
    table = Table(data, colWidths=widths, repeatRows=header_rows)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("FONT", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


# --- the document ------------------------------------------------------------------------------


def _build(
    story: list[Flowable],
    *,
    pagesize,
    title: str,
    author: str,
    margins: tuple[float, float, float, float],
    footer: str = "",
    page_numbers: bool = False,
) -> bytes:
    """Lay out ``story``; margins (top, right, bottom, left) as Decree 30 wants, scaled to A5."""
    fonts_register()
    buffer = io.BytesIO()
    top, right, bottom, left = margins
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        topMargin=top,
        rightMargin=right,
        bottomMargin=bottom,
        leftMargin=left,
        title=clean(title),
        author=clean(author),
        subject=clean(title),
        creator="chinhquyen",
        lang="vi",
        # Otherwise the canvas starts in Helvetica and the file names a font it never embeds.
        initialFontName=FONT,
        initialFontSize=10,
    )

    def on_page(canvas, document):
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(colors.grey)
        text = clean(footer)
        if page_numbers:
            text = f"{text}    Trang {document.page}".strip()
        canvas.drawRightString(pagesize[0] - right, bottom / 2, text)
        canvas.restoreState()

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


A5_MARGINS = (15 * mm, 12 * mm, 14 * mm, 20 * mm)
A4_LANDSCAPE_MARGINS = (15 * mm, 15 * mm, 15 * mm, 20 * mm)


def _content_width(pagesize, margins) -> float:
    return pagesize[0] - margins[1] - margins[3]


# --- forms 01–06 --------------------------------------------------------------------------------


def _event(dossier: Dossier, action: str) -> DossierEvent:
    event = (
        dossier.events.filter(action=action).select_related("actor", "agency").order_by("-seq")
    ).first()
    if event is None:
        raise Conflict(
            "Hồ sơ chưa có phiếu này ở trạng thái hiện tại.",
            code="form_not_available",
            extra={"form_no": next(n for n, (_, a) in FORMS.items() if a == action)},
        )
    return event


def _documents(dossier: Dossier, accepted: DossierEvent) -> list[str]:
    """What was actually handed in, with real counts: at the counter the papers the officer
    checked as received (``documents_received`` of the acceptance) in the numbers the procedure
    asks for, online the documents that came as files. Documents never received are not
    listed, and neither are the signed copies of the dossier's own forms and results."""
    files = list(
        dossier.files.filter(is_result=False, signed_as="")
        .exclude(uploaded_at__gt=accepted.at)
        .order_by("uploaded_at", "pk")
    )
    by_code: dict[str, list[str]] = {}
    for f in files:
        by_code.setdefault(f.document_code, []).append(f.name)
    on_paper = set(accepted.data.get("documents_received", ()))
    lines = []
    listed = set()
    for doc in dossier.procedure_version.documents.order_by("position", "pk"):
        listed.add(doc.code)
        names = by_code.get(doc.code, [])
        if doc.code not in on_paper and not names:
            continue
        counts = []
        if doc.code in on_paper:
            if doc.originals:
                counts.append(f"bản chính: {doc.originals:02d}")
            if doc.copies:
                counts.append(f"bản sao: {doc.copies:02d}")
        if names:
            counts.append(f"tệp điện tử: {len(names):02d}")
        text = doc.name + (f" ({', '.join(counts)})" if counts else "")
        if names:
            text += f" — {', '.join(names)}"
        lines.append(text)
    for code, names in by_code.items():
        if code not in listed:
            lines.extend(f"Tệp kèm theo: {name}" for name in names)
    return lines


def _processing_time(dossier: Dossier) -> str:
    version = dossier.procedure_version
    amount = version.processing_time
    amount_text = f"{amount:f}".rstrip("0").rstrip(".").replace(".", ",")
    unit = "giờ làm việc" if version.time_unit == "hours" else "ngày làm việc"
    return f"{amount_text} {unit}"


def _applicant_lines(dossier: Dossier, st: Styles) -> list[Flowable]:
    out = [line("Tiếp nhận hồ sơ của:", dossier.applicant_name, st)]
    if dossier.applicant_address:
        out.append(line("Địa chỉ:", dossier.applicant_address, st))
    contact = " - ".join(
        x
        for x in (
            f"Số điện thoại: {dossier.applicant_phone}" if dossier.applicant_phone else "",
            f"Email: {dossier.applicant_email}" if dossier.applicant_email else "",
        )
        if x
    )
    if contact:
        out.append(Paragraph(t(contact), st.body_j))
    out.append(line("Nội dung yêu cầu giải quyết:", dossier.procedure_version.name, st))
    return out


def _evaluation_box(dossier: Dossier, st: Styles, width: float, *, lookup: bool) -> Table:
    url = lookup_url(dossier.code)
    text = []
    if lookup:
        text.append(
            Paragraph(
                "<b>Tra cứu tình trạng hồ sơ:</b> quét mã QR hoặc truy cập "
                f"{t(url)} (nhập mã hồ sơ), hoặc hỏi tại Bộ phận Tiếp nhận và Trả kết quả.",
                st.small,
            )
        )
    text.append(
        Paragraph(
            "<b>Đánh giá sự hài lòng:</b> ông/bà vui lòng đánh giá việc tiếp nhận, giải quyết "
            "hồ sơ qua mã QR này hoặc trên Cổng dịch vụ công.",
            st.small,
        )
    )
    qr_size = 62
    table = Table([[text, QrCode(url, qr_size)]], colWidths=[width - qr_size - 6, qr_size + 6])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONT", (0, 0), (-1, -1), FONT),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ]
        )
    )
    return table


def _title(st: Styles, title: str, code: str) -> list[Flowable]:
    return [
        Spacer(1, 10),
        Paragraph(escape(upper(title)), st.title),
        Paragraph(f"Mã hồ sơ: <b>{t(code)}</b>", st.center),
        Spacer(1, 6),
    ]


def _form_01(dossier: Dossier, st: Styles, width: float) -> tuple[list[Flowable], datetime]:
    event = _event(dossier, "accept")
    received = dossier.received_at or event.at
    story = _title(st, FORMS["01"][0], dossier.code)
    story.append(
        Paragraph(f"{t(counter_name(dossier.agency))}", st.body_j),
    )
    story += _applicant_lines(dossier, st)
    story.append(Paragraph("<b>1. Thành phần hồ sơ nộp gồm:</b>", st.body_j))
    documents = _documents(dossier, event) or ["(Không có giấy tờ nào được ghi nhận.)"]
    for i, doc in enumerate(documents, 1):
        story.append(
            Paragraph(
                t(f"({i}) {doc}"),
                ParagraphStyle("li", parent=st.body_j, leftIndent=10),
            )
        )
    story += [
        line("2. Số lượng hồ sơ:", "01 (bộ)", st),
        line("3. Thời gian giải quyết hồ sơ theo quy định:", _processing_time(dossier), st),
        line("4. Thời gian nhận hồ sơ:", time_words(received), st),
        line("5. Thời gian trả kết quả giải quyết hồ sơ:", deadline_words(dossier.due_at), st),
        line("6. Hình thức nộp hồ sơ:", Channel(dossier.channel).label, st),
        line(
            "7. Đăng ký nhận kết quả tại:",
            "Bộ phận Tiếp nhận và Trả kết quả"
            if dossier.channel != Channel.ONLINE
            else "Bộ phận Tiếp nhận và Trả kết quả hoặc trực tuyến",
            st,
        ),
        line("Vào Sổ theo dõi hồ sơ, số thứ tự:", dossier.code.rsplit("-", 1)[-1], st),
        Spacer(1, 4),
        _evaluation_box(dossier, st, width, lookup=True),
        signatures(
            st,
            ("Người nộp hồ sơ", "(Ký và ghi rõ họ tên)", dossier.applicant_name),
            ("Người tiếp nhận hồ sơ", "(Ký và ghi rõ họ tên)", person_name(event.actor)),
        ),
    ]
    return story, received


def _form_02(dossier: Dossier, st: Styles, width: float) -> tuple[list[Flowable], datetime]:
    event = _event(dossier, "request_supplement")
    story = _title(st, FORMS["02"][0], dossier.code)
    story.append(Paragraph(t(counter_name(dossier.agency)), st.body_j))
    story += _applicant_lines(dossier, st)
    story += [
        Paragraph(
            "Sau khi xem xét, kiểm tra thành phần hồ sơ, đề nghị ông/bà bổ sung, hoàn thiện hồ "
            "sơ gồm những nội dung sau (yêu cầu một lần, đầy đủ):",
            st.body_j,
        ),
        Paragraph(t(event.comment), ParagraphStyle("reason", parent=st.body_j, leftIndent=10)),
        Paragraph(
            "Thời hạn giải quyết được tính lại từ khi nhận đủ hồ sơ bổ sung. Trong quá trình hoàn "
            "thiện hồ sơ, nếu có vướng mắc, ông/bà liên hệ "
            f"{t(counter_name(dossier.agency))}"
            + (f", số điện thoại {t(dossier.agency.phone)}" if dossier.agency.phone else "")
            + " để được hướng dẫn.",
            st.body_j,
        ),
        Spacer(1, 4),
        _evaluation_box(dossier, st, width, lookup=True),
        signatures(st, ("Người hướng dẫn", "(Ký và ghi rõ họ tên)", person_name(event.actor))),
    ]
    return story, event.at


def _form_03(dossier: Dossier, st: Styles, width: float) -> tuple[list[Flowable], datetime]:
    event = _event(dossier, "refuse")
    story = _title(st, FORMS["03"][0], dossier.code)
    story.append(Paragraph(t(counter_name(dossier.agency)), st.body_j))
    story += _applicant_lines(dossier, st)
    story += [
        Paragraph(
            "Qua xem xét, Bộ phận Tiếp nhận và Trả kết quả thông báo không tiếp nhận, giải "
            "quyết hồ sơ này với lý do cụ thể như sau:",
            st.body_j,
        ),
        Paragraph(t(event.comment), ParagraphStyle("reason", parent=st.body_j, leftIndent=10)),
        Paragraph("Xin thông báo để ông/bà được biết và thực hiện.", st.body_j),
        Spacer(1, 4),
        _evaluation_box(dossier, st, width, lookup=False),
        signatures(
            st, ("Người tiếp nhận hồ sơ", "(Ký và ghi rõ họ tên)", person_name(event.actor))
        ),
    ]
    return story, event.at


def _due_before_extension(dossier: Dossier, event: DossierEvent) -> datetime | None:
    """The due date the extension replaced. The history event keeps only the new one; the audit
    record of the same transaction keeps both."""
    from chinhquyen.audit.models import AuditRecord

    record = (
        AuditRecord.objects.filter(
            object_type="dossier", object_id=dossier.code, event="dossier.extend"
        )
        .order_by("-at", "-seq")
        .values_list("changes", flat=True)
        .first()
    )
    try:
        old = (record or {}).get("due_at", [None])[0]
        return datetime.fromisoformat(old) if old else dossier.original_due_at
    except (TypeError, ValueError, IndexError):
        return dossier.original_due_at


def _form_04(dossier: Dossier, st: Styles, width: float) -> tuple[list[Flowable], datetime]:
    event = _event(dossier, "extend")
    old_due = _due_before_extension(dossier, event)
    new_due_raw = event.data.get("new_due_at")
    new_due = datetime.fromisoformat(new_due_raw) if new_due_raw else dossier.due_at
    agency = clean(dossier.agency.name)
    story = _title(st, FORMS["04"][0], dossier.code)
    story += [
        Paragraph(
            f"{t(date_words(dossier.received_at)).capitalize()}, "
            f"{t(agency)} tiếp nhận giải quyết hồ sơ của ông/bà <b>{t(dossier.applicant_name)}</b>.",
            st.body_j,
        ),
        line("Nội dung yêu cầu giải quyết:", dossier.procedure_version.name, st),
        line("Thời gian hẹn trả kết quả giải quyết hồ sơ:", deadline_words(old_due), st),
        Paragraph(
            f"Tuy nhiên đến nay, {t(agency)} chưa trả kết quả giải quyết hồ sơ của ông/bà.",
            st.body_j,
        ),
        line("Lý do:", event.comment, st),
        Paragraph(
            f"Sự chậm trễ này đã gây phiền hà, tốn kém chi phí đi lại của ông/bà. {t(agency)} "
            "xin lỗi ông/bà và sẽ trả kết quả giải quyết hồ sơ cho ông/bà vào "
            f"<b>{t(deadline_words(new_due))}</b>.",
            st.body_j,
        ),
        Paragraph("Xin trân trọng cảm ơn.", st.body_j),
        signatures(
            st, ("Thủ trưởng cơ quan", "(Ký, ghi rõ họ tên và đóng dấu)", person_name(event.actor))
        ),
    ]
    return story, event.at


def _form_05(dossier: Dossier, st: Styles, width: float) -> tuple[list[Flowable], datetime]:
    event = _event(dossier, "stop")
    agency = clean(dossier.agency.name)
    story = [
        Spacer(1, 10),
        Paragraph("THÔNG BÁO", st.title),
        Paragraph("Về việc dừng xử lý hồ sơ", st.center_b),
        Paragraph(f"Mã hồ sơ: <b>{t(dossier.code)}</b>", st.center),
        Spacer(1, 6),
        Paragraph(
            f"{t(date_words(dossier.received_at)).capitalize()}, "
            f"{t(agency)} tiếp nhận hồ sơ của ông/bà <b>{t(dossier.applicant_name)}</b>.",
            st.body_j,
        ),
        line("Nội dung yêu cầu giải quyết:", dossier.procedure_version.name, st),
        Paragraph(
            f"{t(agency)} thông báo dừng xử lý hồ sơ nêu trên kể từ {t(time_words(event.at))}.",
            st.body_j,
        ),
        line("Lý do:", event.comment, st),
        Paragraph(
            "Ông/bà có thể liên hệ Bộ phận Tiếp nhận và Trả kết quả để nhận lại hồ sơ hoặc "
            "được hướng dẫn thực hiện lại thủ tục.",
            st.body_j,
        ),
        signatures(
            st, ("Thủ trưởng cơ quan", "(Ký, ghi rõ họ tên và đóng dấu)", person_name(event.actor))
        ),
    ]
    return story, event.at


def _event_result(event: DossierEvent, spec) -> str:
    action = spec.actions.get(event.action)
    name = action.name if action else ("Nộp hồ sơ" if event.action == "submit" else event.action)
    data = event.data or {}
    notes = []
    if "on_time" in data:
        notes.append("đúng hạn" if data["on_time"] else "quá hạn")
    if data.get("late_request"):
        notes.append(f"yêu cầu muộn: {data['late_request']}")
    parts = [f"{name} ({'; '.join(notes)})" if notes else name]
    if event.comment:
        parts.append(event.comment)
    return ". ".join(str(p) for p in parts)


def _receiver(event: DossierEvent, spec, dossier: Dossier) -> str:
    """Who the dossier was handed to: the assignee, the consulted agency, or the next state."""
    data = event.data or {}
    if event.action == "assign" and data.get("assignee"):
        return f"Chuyên viên {data['assignee']}"
    if event.action == "forward" and data.get("agency"):
        return f"Cơ quan {data['agency']}"
    state = spec.states.get(event.to_state)
    return state.name if state else event.to_state


def _form_06(dossier: Dossier, st: Styles, width: float) -> tuple[list[Flowable], datetime]:
    from chinhquyen.dossiers.selectors import dossier_history

    spec = workflow_spec(dossier.workflow_id)
    events = list(dossier_history(dossier=dossier))
    roles = dict(Role.choices)
    story = _title(st, FORMS["06"][0], dossier.code)
    story += [
        line("Kèm theo hồ sơ của:", dossier.applicant_name, st),
        line("Thủ tục:", dossier.procedure_version.name, st),
        line("Ngày nhận:", time_words(dossier.received_at or dossier.submitted_at), st),
        line(
            "Hẹn trả kết quả:", deadline_words(dossier.due_at) if dossier.due_at else "chưa có", st
        ),
        Spacer(1, 4),
    ]
    head = ["STT", "Bên giao", "Bên nhận", "Thời gian giao, nhận", "Kết quả, ghi chú"]
    rows: list[list] = [[Paragraph(h, st.cell_h) for h in head]]
    for e in events:
        giver = person_name(e.actor) or dossier.applicant_name
        role = roles.get(e.actor_role, "")
        giver_text = f"{giver}" + (f" ({role})" if role else "")
        rows.append(
            [
                Paragraph(str(e.seq), st.cell_c),
                Paragraph(t(giver_text), st.cell),
                Paragraph(t(_receiver(e, spec, dossier)), st.cell),
                Paragraph(t(short_dt(e.at)), st.cell_c),
                Paragraph(t(_event_result(e, spec)), st.cell),
            ]
        )
    widths = [0.07, 0.22, 0.22, 0.17, 0.32]
    story.append(_grid(rows, [width * w for w in widths]))
    latest = events[-1].at if events else dossier.submitted_at
    return story, latest


BUILDERS = {
    "01": _form_01,
    "02": _form_02,
    "03": _form_03,
    "04": _form_04,
    "05": _form_05,
    "06": _form_06,
}


def render_form(form_no: str, *, dossier: Dossier) -> bytes:
    """Form ``form_no`` (01–06) for ``dossier`` as an A5 PDF.

    Raises Conflict(code="form_not_available") when the dossier has no event the form reports
    on (e.g. form 03 for a dossier that was not refused).
    """
    builder = BUILDERS.get(form_no)
    if builder is None:
        raise Conflict(f"Không có mẫu {form_no}.", code="form_not_available")
    st = styles()
    width = _content_width(A5, A5_MARGINS)
    body, when = builder(dossier, st, width)
    number = "Số: ……/TB" if form_no in ("04", "05") else ""
    story = [header(agency=dossier.agency, when=when, width=width, st=st, number=number), *body]
    return _build(
        story,
        pagesize=A5,
        title=f"Mẫu {form_no} - {FORMS[form_no][0]} - {dossier.code}",
        author=dossier.agency.name,
        margins=A5_MARGINS,
        footer=f"Mẫu số {form_no}",
    )


# --- form 07: the register ----------------------------------------------------------------------


def render_register(
    *, agency, date_from: date, date_to: date, dossiers: Iterable[Dossier] | None = None
) -> bytes:
    """Form 07: the agency's dossiers submitted from ``date_from`` to ``date_to`` (inclusive), as
    an A4 landscape table. ``dossiers`` may be given already fetched (the selector's rows)."""
    from .selectors import register_dossiers

    rows_in = (
        list(dossiers)
        if dossiers is not None
        else list(register_dossiers(agency=agency, date_from=date_from, date_to=date_to))
    )
    st = styles(11)
    pagesize = landscape(A4)
    width = _content_width(pagesize, A4_LANDSCAPE_MARGINS)
    story: list[Flowable] = [
        header(agency=agency, when=timezone.localdate(), width=width, st=st),
        Spacer(1, 8),
        Paragraph(escape(upper(REGISTER_TITLE)), st.title),
        Paragraph(f"Từ {t(date_words(date_from))} đến {t(date_words(date_to))}", st.center_i),
        Spacer(1, 8),
    ]
    head = [
        "STT",
        "Mã hồ sơ",
        "Người nộp",
        "Thủ tục hành chính",
        "Ngày nộp",
        "Tiếp nhận",
        "Hẹn trả kết quả",
        "Hoàn thành xử lý",
        "Trả kết quả",
        "Trạng thái",
    ]
    rows: list[list] = [[Paragraph(h, st.cell_h) for h in head]]
    for i, d in enumerate(rows_in, 1):
        spec = workflow_spec(d.workflow_id)
        state = spec.states.get(d.state)
        rows.append(
            [
                Paragraph(str(i), st.cell_c),
                Paragraph(t(d.code), st.cell),
                Paragraph(t(d.applicant_name), st.cell),
                Paragraph(t(d.procedure_version.name), st.cell),
                Paragraph(t(short_dt(d.submitted_at)), st.cell_c),
                Paragraph(t(short_dt(d.received_at)), st.cell_c),
                Paragraph(t(short_deadline(d.due_at)), st.cell_c),
                Paragraph(t(short_dt(d.finished_at)), st.cell_c),
                Paragraph(t(short_dt(d.returned_at)), st.cell_c),
                Paragraph(t(state.name if state else d.state), st.cell),
            ]
        )
    if len(rows) == 1:
        rows.append([Paragraph("Không có hồ sơ trong khoảng thời gian này.", st.cell), *[""] * 9])
    widths = [0.04, 0.165, 0.13, 0.19, 0.075, 0.075, 0.075, 0.075, 0.075, 0.1]
    table = _grid(rows, [width * w for w in widths])
    if len(rows_in) == 0:
        table.setStyle(TableStyle([("SPAN", (0, 1), (-1, 1))]))
    story.append(table)
    story.append(
        Paragraph(
            f"Tổng số: {len(rows_in)} hồ sơ.",
            ParagraphStyle("total", parent=st.body, spaceBefore=6, alignment=TA_LEFT),
        )
    )
    return _build(
        story,
        pagesize=pagesize,
        title=f"Mẫu 07 - {REGISTER_TITLE} - {agency.name}",
        author=agency.name,
        margins=A4_LANDSCAPE_MARGINS,
        footer="Mẫu số 07",
        page_numbers=True,
    )
