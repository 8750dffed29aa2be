"""PDF forms of the reporting centre's views, for printing and for a leader's desk.

``table_pdf`` (one table) and ``tables_pdf`` (several, each under its own heading) are the
building blocks: A4, a title and subtitle lines at the top, a header row repeated on every page,
"Trang X/Y" and the generation time (Vietnam time) at the bottom. Cells are plain strings or
numbers (formatted the Vietnamese way) or reportlab flowables. ``ranking_to_pdf`` and
``breakdown_to_pdf`` build on them for the national ranking and the province drill-down: for a
percentage indicator each value gets a horizontal bar on a 0–100 scale with the target as a thin
line, and met / not met is always written out, never shown by colour alone.

Text is real text in the Liberation Serif embedded by ``printforms`` (searchable, Vietnamese
diacritics intact).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Literal
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.graphics.renderPDF import draw as draw_drawing
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.pagesizes import landscape as to_landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from chinhquyen.printforms.render import FONT, FONT_BOLD, FONT_ITALIC, clean, fonts_register
from chinhquyen.reporting.charts import segments, vn_number

# Generation times are printed in Vietnam time whatever the server's TIME_ZONE.
VN = ZoneInfo("Asia/Ho_Chi_Minh")

MARGINS = (15 * mm, 15 * mm, 18 * mm, 20 * mm)  # top, right, bottom, left: room for the footer
CELL_SIZE = 9
MET_COLOR = colors.HexColor("#2E7D32")
NOT_MET_COLOR = colors.HexColor("#C62828")
NEUTRAL_COLOR = colors.HexColor("#546E7A")
LIGHT = colors.HexColor("#BDBDBD")

Align = Literal["left", "right", "center"]
Cell = str | int | float | Decimal | Flowable | list[Flowable] | None


# --- values --------------------------------------------------------------------------------------


def format_number(value: int | float | Decimal | None, *, places: int = 2) -> str:
    """Vietnamese style, as on the pages (``charts.vn_number``); a non-finite value is printed
    as it is."""
    number = value if value is None or isinstance(value, Decimal) else Decimal(str(value))
    if number is not None and not number.is_finite():
        return str(value)
    return vn_number(value, places)


def _with_unit(value, percent: bool) -> str:
    return f"{format_number(value)} %" if percent else format_number(value)


def _source_label(source: str) -> str:
    labels = {
        "computed": _("Tính từ dữ liệu hồ sơ"),
        "reported": _("Theo báo cáo định kỳ đã nhận"),
    }
    return _("Nguồn số liệu: %(source)s") % {"source": labels.get(source, source)}


def _result_label(meets: bool | None) -> str:
    return {True: _("Đạt"), False: _("Không đạt"), None: ""}[meets]


def _comparison(rows: Sequence[dict]) -> str:
    """The target's sign, "≥" or "≤". The rows carry the target but not its direction, so read
    it off a row that was judged and is not exactly on the target. Every target of the catalogue is "≥" (which the
    dashboard also prints), hence the default."""
    for row in rows:
        value, target, meets = row.get("value"), row.get("target"), row.get("meets_target")
        if value is None or target is None or meets is None or value == target:
            continue
        return "≥" if (value > target) == meets else "≤"
    return "≥"


# --- styles --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    summary: ParagraphStyle
    heading: ParagraphStyle
    note: ParagraphStyle
    head: ParagraphStyle
    cells: dict[str, ParagraphStyle]
    small: ParagraphStyle
    met: ParagraphStyle
    not_met: ParagraphStyle


def _styles() -> _Styles:
    fonts_register()
    base = ParagraphStyle("base", fontName=FONT, fontSize=10, leading=12.5)
    cell = ParagraphStyle("cell", parent=base, fontSize=CELL_SIZE, leading=CELL_SIZE * 1.2)
    return _Styles(
        title=ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=14, leading=18, alignment=TA_CENTER
        ),
        subtitle=ParagraphStyle("subtitle", parent=base, alignment=TA_CENTER),
        summary=ParagraphStyle("summary", parent=base, fontName=FONT_BOLD, spaceBefore=2),
        heading=ParagraphStyle(
            "heading",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=11,
            leading=14,
            spaceBefore=8,
            spaceAfter=3,
            keepWithNext=True,
        ),
        note=ParagraphStyle("note", parent=base, fontSize=8, leading=10, spaceBefore=2),
        head=ParagraphStyle("head", parent=cell, fontName=FONT_BOLD, alignment=TA_CENTER),
        cells={
            "left": ParagraphStyle("cell_l", parent=cell, alignment=TA_LEFT),
            "right": ParagraphStyle("cell_r", parent=cell, alignment=TA_RIGHT),
            "center": ParagraphStyle("cell_c", parent=cell, alignment=TA_CENTER),
        },
        small=ParagraphStyle(
            "small",
            parent=cell,
            fontName=FONT_ITALIC,
            fontSize=7,
            leading=8.5,
            textColor=colors.HexColor("#424242"),
        ),
        met=ParagraphStyle("met", parent=cell, alignment=TA_CENTER, textColor=MET_COLOR),
        # Bold for "not met" too, so it stands out on a black-and-white print.
        not_met=ParagraphStyle(
            "not_met", parent=cell, alignment=TA_CENTER, fontName=FONT_BOLD, textColor=NOT_MET_COLOR
        ),
    )


def _markup(text: object) -> str:
    return escape(clean(text)).replace("\n", "<br/>")


# --- the generic document ------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    weight: float = 1.0  # share of the line, relative to the other columns
    align: Align = "left"


@dataclass(frozen=True)
class Section:
    """One table under an optional heading, with notes printed under it."""

    columns: Sequence[Column | str]
    rows: Sequence[Sequence[Cell]]
    heading: str = ""
    notes: Sequence[str] = ()


def _cell(value: Cell, style: ParagraphStyle) -> Flowable | list[Flowable]:
    if isinstance(value, Flowable | list):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        value = format_number(value)
    return Paragraph(_markup("" if value is None else value), style)


def _table(section: Section, width: float, st: _Styles) -> Table:
    columns = [c if isinstance(c, Column) else Column(c) for c in section.columns]
    total = sum(c.weight for c in columns)
    widths = [width * c.weight / total for c in columns]
    data: list[list] = [[Paragraph(_markup(c.header), st.head) for c in columns]]
    for row in section.rows:
        if len(row) != len(columns):
            raise ValueError(f"row has {len(row)} cells for {len(columns)} columns")
        data.append([_cell(v, st.cells[c.align]) for v, c in zip(row, columns, strict=True)])
    commands = [
        ("FONT", (0, 0), (-1, -1), FONT),  # empty cells too: no Helvetica in the file
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9E9E9E")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E0E0E0")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F5F5F5")]),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if not section.rows:
        data.append([Paragraph(_markup(_("Không có dòng nào.")), st.cells["left"])])
        data[-1] += [""] * (len(columns) - 1)
        commands.append(("SPAN", (0, 1), (-1, 1)))
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(commands))
    return table


@dataclass(frozen=True)
class _Decor:
    running_head: str
    generated: str
    pagesize: tuple[float, float]


class _PagedCanvas(Canvas):
    """Holds every page back until the end so that each footer can say "Trang X/Y"."""

    def __init__(self, *args, decor: _Decor, **kwargs):
        super().__init__(*args, **kwargs)
        self._cq_decor = decor
        self._cq_pages: list[dict] = []

    def showPage(self):
        self._cq_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._cq_pages)
        for state in self._cq_pages:
            self.__dict__.update(state)
            self._cq_decorate(total)
            super().showPage()
        super().save()

    def _cq_decorate(self, total: int) -> None:
        decor = self._cq_decor
        page_w, page_h = decor.pagesize
        top, right, bottom, left = MARGINS
        page = self.getPageNumber()
        self.saveState()
        self.setFillColor(colors.HexColor("#424242"))
        self.setFont(FONT, 8)
        y = bottom / 2
        self.drawString(left, y, decor.generated)
        self.drawRightString(
            page_w - right, y, _("Trang %(page)s/%(total)s") % {"page": page, "total": total}
        )
        if page > 1:  # loose sheets still say what they are
            head = decor.running_head
            room = page_w - left - right
            while len(head) > 1 and stringWidth(head, FONT_ITALIC, 8) > room:
                head = head[:-2] + "…"
            self.setFont(FONT_ITALIC, 8)
            self.drawString(left, page_h - top / 2, head)
        self.restoreState()


def tables_pdf(
    *,
    title: str,
    subtitle: str | Sequence[str] = (),
    sections: Sequence[Section],
    summary: Sequence[str] = (),
    notes: Sequence[str] = (),
    landscape: bool = False,
    generated_at: datetime | None = None,
    pdf_title: str = "",
) -> bytes:
    """Several tables in one A4 document: ``title`` and the ``subtitle`` lines centred at the
    top, the ``summary`` lines in bold (what a reader should see first), then each section,
    then ``notes`` in small print. ``generated_at`` (aware; default now) is printed in Vietnam
    time in every footer. ``pdf_title`` (default: the title and the first subtitle line) is
    the document's metadata title and the running head of pages 2 onwards."""
    st = _styles()
    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    pagesize = to_landscape(A4) if landscape else A4
    top, right, bottom, left = MARGINS
    width = pagesize[0] - left - right
    story: list[Flowable] = [Paragraph(_markup(title), st.title)]
    story += [Paragraph(_markup(line), st.subtitle) for line in lines if line]
    story.append(Spacer(1, 4))
    story += [Paragraph(_markup(line), st.summary) for line in summary if line]
    for section in sections:
        if section.heading:
            story.append(Paragraph(_markup(section.heading), st.heading))
        else:
            story.append(Spacer(1, 6))
        story.append(_table(section, width, st))
        story += [Paragraph(_markup(note), st.note) for note in section.notes if note]
    if notes:
        story.append(Spacer(1, 4))
        story += [Paragraph(_markup(note), st.note) for note in notes if note]

    full_title = clean(pdf_title or " — ".join(x for x in (title, *lines[:1]) if x))
    when = timezone.localtime(generated_at or timezone.now(), VN)
    decor = _Decor(
        running_head=full_title,
        generated=clean(
            _("Xuất lúc %(time)s ngày %(date)s (giờ Việt Nam)")
            % {"time": f"{when:%H:%M}", "date": f"{when:%d/%m/%Y}"}
        ),
        pagesize=pagesize,
    )
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        topMargin=top,
        rightMargin=right,
        bottomMargin=bottom,
        leftMargin=left,
        title=full_title,
        subject=full_title,
        author="chinhquyen",
        creator="chinhquyen",
        lang="vi",
        # Otherwise the canvas starts in Helvetica and the file names a font it never embeds.
        initialFontName=FONT,
        initialFontSize=10,
    )
    doc.build(story, canvasmaker=partial(_PagedCanvas, decor=decor))
    return buffer.getvalue()


def table_pdf(
    *,
    title: str,
    subtitle: str | Sequence[str] = (),
    columns: Sequence[Column | str],
    rows: Sequence[Sequence[Cell]],
    notes: Sequence[str] = (),
    summary: Sequence[str] = (),
    landscape: bool = False,
    generated_at: datetime | None = None,
) -> bytes:
    """One table as an A4 PDF. ``columns`` are header strings (equal widths, left-aligned) or
    ``Column``s; each row has one cell per column: a string, a number (printed the Vietnamese
    way), ``None`` (empty) or a reportlab flowable."""
    return tables_pdf(
        title=title,
        subtitle=subtitle,
        sections=[Section(columns=columns, rows=rows)],
        summary=summary,
        notes=notes,
        landscape=landscape,
        generated_at=generated_at,
    )


# --- graphics ------------------------------------------------------------------------------------


class ValueBar(Flowable):
    """A percentage as a bar on a 0–100 track, the target as a thin vertical line, and the value
    written to the right of the track. The bar's colour repeats the result; the result column
    says it in words."""

    text_size = CELL_SIZE

    def __init__(self, value: float, *, target: float | None = None, meets: bool | None = None):
        super().__init__()
        self.height = 11  # after Flowable.__init__, which zeroes it
        self.value, self.target, self.meets = value, target, meets
        self.label = _with_unit(value, percent=True)

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return avail_width, self.height

    def geometry(self, width: float) -> tuple[float, float, float | None]:
        """(track width, filled width, target x) for a cell ``width`` wide; values outside
        0–100 are clamped to the track."""
        reserved = stringWidth("100,00 %", FONT, self.text_size) + 4
        track = max(width - reserved, 10)

        def x(v: float) -> float:
            return track * min(max(float(v), 0.0), 100.0) / 100

        return track, x(self.value), None if self.target is None else x(self.target)

    def draw(self):
        canv = self.canv
        track, filled, target_x = self.geometry(self.width)
        bar_h = 6
        y0 = (self.height - bar_h) / 2
        colour = {True: MET_COLOR, False: NOT_MET_COLOR, None: NEUTRAL_COLOR}[self.meets]
        canv.saveState()
        canv.setLineWidth(0.4)
        canv.setStrokeColor(LIGHT)
        canv.setFillColor(colors.white)
        canv.rect(0, y0, track, bar_h, stroke=1, fill=1)
        if filled > 0:
            canv.setFillColor(colour)
            canv.rect(0, y0, filled, bar_h, stroke=0, fill=1)
        if target_x is not None:
            canv.setStrokeColor(colors.black)
            canv.setLineWidth(0.9)
            canv.line(target_x, y0 - 2, target_x, y0 + bar_h + 2)
        canv.setFillColor(colors.black)
        canv.setFont(FONT, self.text_size)
        canv.drawRightString(self.width, y0, clean(self.label))
        canv.restoreState()


class Sparkline(Flowable):
    """A small line of a unit's values over the periods, older to newer. A percentage is drawn
    on the fixed 0–100 scale so rows compare; other units on their own range."""

    def __init__(self, values: Sequence[float | int | None], *, percent: bool = False):
        super().__init__()
        self.height = 12  # after Flowable.__init__, which zeroes it
        self.values, self.percent = list(values), percent

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return avail_width, self.height

    def drawing(self, width: float) -> Drawing:
        drawing = Drawing(width, self.height)
        runs = segments(self.values)
        known = [v for run in runs for _i, v in run]
        if not known:
            return drawing
        lo, hi = (0.0, 100.0) if self.percent else (min(known), max(known))
        pad = 2.0
        n = len(self.values)

        def point(i: int, v: float) -> tuple[float, float]:
            x = width / 2 if n == 1 else pad + i * (width - 2 * pad) / (n - 1)
            share = 0.5 if hi == lo else (min(max(v, lo), hi) - lo) / (hi - lo)
            return x, pad + share * (self.height - 2 * pad)

        if self.percent:
            drawing.add(Line(0, pad, width, pad, strokeColor=LIGHT, strokeWidth=0.3))
        for run in runs:
            points = [point(i, v) for i, v in run]
            if len(points) == 1:
                drawing.add(Circle(*points[0], 0.8, fillColor=NEUTRAL_COLOR, strokeColor=None))
            else:
                flat = [c for p in points for c in p]
                drawing.add(PolyLine(flat, strokeColor=NEUTRAL_COLOR, strokeWidth=0.8))
        last_i, last_v = runs[-1][-1]
        drawing.add(Circle(*point(last_i, last_v), 1.3, fillColor=colors.black, strokeColor=None))
        return drawing

    def draw(self):
        draw_drawing(self.drawing(self.width), self.canv, 0, 0)


# --- the reporting views -------------------------------------------------------------------------


def _value_cell(row: dict, *, percent: bool, st: _Styles) -> Cell:
    value = row.get("value")
    if value is None:
        cell = [Paragraph(_markup(_("Không có số liệu")), st.cells["left"])]
        if row.get("no_data_reason"):
            cell.append(Paragraph(_markup(row["no_data_reason"]), st.small))
        return cell
    if percent:
        return ValueBar(value, target=row.get("target"), meets=row.get("meets_target"))
    return Paragraph(_markup(format_number(value)), st.cells["right"])


def _result_cell(meets: bool | None, st: _Styles) -> Cell:
    if meets is None:
        return ""
    return Paragraph(_markup(_result_label(meets)), st.met if meets else st.not_met)


def _units_section(
    rows: Sequence[dict],
    *,
    unit_of_measure: str,
    name_header: str,
    name_of: Callable[[dict], Cell],
    st: _Styles,
    heading: str = "",
    numbering: Literal["rank", "position", "none"] = "position",
    trend: dict[str, Sequence] | None = None,
) -> Section:
    """Rows shaped like ``selectors.value_row`` as one table: number, name, value (a bar for a
    percentage), target and result when there is a target, points and class when scored, and
    a sparkline when ``trend`` is given."""
    percent = unit_of_measure == "%"
    has_target = any(r.get("target") is not None for r in rows)
    has_points = any(r.get("max_points") is not None for r in rows)
    has_class = any(r.get("class") for r in rows)
    value_header = (
        _("Giá trị (%(unit)s)") % {"unit": unit_of_measure} if unit_of_measure else _("Giá trị")
    )
    columns: list[Column] = []
    if numbering != "none":
        number_header = _("Hạng") if numbering == "rank" else _("STT")
        columns.append(Column(number_header, 0.07, "center"))
    columns += [Column(name_header, 0.32), Column(value_header, 0.33 if percent else 0.14)]
    if has_target:
        columns += [Column(_("Tiêu chí"), 0.1, "center"), Column(_("Kết quả"), 0.11, "center")]
    if has_points:
        columns.append(Column(_("Điểm"), 0.09, "center"))
    if has_class:
        columns.append(Column(_("Xếp loại"), 0.1, "center"))
    if trend is not None:
        columns.append(Column(_("Diễn biến"), 0.15))

    op = _comparison(rows)
    data: list[list[Cell]] = []
    for position, row in enumerate(rows, 1):
        cells: list[Cell] = []
        if numbering == "rank":
            cells.append("—" if row.get("rank") is None else str(row["rank"]))
        elif numbering == "position":
            cells.append(str(position))
        cells += [name_of(row), _value_cell(row, percent=percent, st=st)]
        if has_target:
            target = row.get("target")
            cells.append("" if target is None else f"{op} {_with_unit(target, percent)}")
            cells.append(_result_cell(row.get("meets_target"), st))
        if has_points:
            points, most = row.get("points"), row.get("max_points")
            cells.append("" if points is None else f"{format_number(points)}/{format_number(most)}")
        if has_class:
            cells.append(row.get("class") or "")
        if trend is not None:
            series = trend.get(row.get("unit", {}).get("key"))
            cells.append(Sparkline(series, percent=percent) if series else "")
        data.append(cells)
    return Section(columns=columns, rows=data, heading=heading)


def _judged(rows: Sequence[dict]) -> tuple[int, int]:
    """(met, judged): how many rows meet the target among those that could be judged."""
    judged = [r for r in rows if r.get("meets_target") is not None]
    return sum(1 for r in judged if r["meets_target"]), len(judged)


def _notes(*, percent: bool, has_target: bool) -> list[str]:
    if not percent:
        return []
    if has_target:
        return [_("Thanh ngang: giá trị trên thang 0–100 %; vạch đứng: mức tiêu chí.")]
    return [_("Thanh ngang: giá trị trên thang 0–100 %.")]


def ranking_to_pdf(ranking: dict, *, generated_at: datetime | None = None) -> bytes:
    """The national ranking (``selectors.province_ranking``) as an A4 PDF. With the optional
    ``trend`` (unit key -> values, older to newer) and ``trend_labels`` keys each row also gets
    a sparkline."""
    st = _styles()
    rows = ranking["rows"]
    uom = ranking.get("unit_of_measure") or ""
    percent = uom == "%"
    trend = ranking.get("trend")
    section = _units_section(
        rows,
        unit_of_measure=uom,
        name_header=_("Tỉnh, thành phố"),
        name_of=lambda r: r["unit"]["name"],
        st=st,
        numbering="rank",
        trend=trend,
    )
    summary = []
    met, judged = _judged(rows)
    if judged:
        summary.append(
            _("Đạt tiêu chí: %(met)s/%(judged)s tỉnh, thành phố.") % {"met": met, "judged": judged}
        )
    no_data = sum(1 for r in rows if r.get("value") is None)
    if no_data:
        summary.append(
            ngettext(
                "Không có số liệu: %(count)s tỉnh, thành phố.",
                "Không có số liệu: %(count)s tỉnh, thành phố.",
                no_data,
            )
            % {"count": no_data}
        )
    notes = _notes(percent=percent, has_target=any(r.get("target") is not None for r in rows))
    notes.append(_("Chỉ xếp hạng các tỉnh, thành phố có số liệu."))
    labels = ranking.get("trend_labels") or []
    if trend is not None and labels:
        notes.append(
            _("Diễn biến: từ %(first)s đến %(last)s; chỗ đứt quãng là kỳ không có số liệu.")
            % {"first": labels[0], "last": labels[-1]}
        )
    return tables_pdf(
        title=ranking["name"],
        subtitle=[ranking["period"]["label"], _source_label(ranking["source"])],
        summary=summary,
        sections=[section],
        notes=notes,
        generated_at=generated_at,
    )


def breakdown_to_pdf(data: dict, *, generated_at: datetime | None = None) -> bytes:
    """A province's drill-down (``selectors.province_breakdown``) as an A4 PDF: the province,
    its communes and its agencies, and its procedures when the optional ``procedures`` key is
    present."""
    st = _styles()
    uom = data.get("unit_of_measure") or ""
    unit_name = data["unit"]["name"]

    def counted(title: str, rows: Sequence[dict]) -> str:
        met, judged = _judged(rows)
        if not judged:
            return title
        return _("%(title)s — %(met)s/%(judged)s đạt tiêu chí") % {
            "title": title,
            "met": met,
            "judged": judged,
        }

    def unit_name_of(row: dict) -> str:
        return row["unit"]["name"]

    def procedure_name_of(row: dict) -> list[Flowable]:
        procedure = row["procedure"]
        cell = [Paragraph(_markup(procedure.get("name") or ""), st.cells["left"])]
        if procedure.get("code"):
            cell.append(Paragraph(_markup(procedure["code"]), st.small))
        return cell

    parts: list[tuple[str, str, Sequence[dict], Callable[[dict], Cell]]] = [
        (_("Cấp xã"), _("Xã, phường"), data.get("communes") or [], unit_name_of),
        (_("Cơ quan, đơn vị"), _("Cơ quan, đơn vị"), data.get("agencies") or [], unit_name_of),
    ]
    if data.get("procedures") is not None:
        parts.append((_("Thủ tục hành chính"), _("Thủ tục"), data["procedures"], procedure_name_of))
    province = data["province"]
    sections = [
        _units_section(
            [province],
            unit_of_measure=uom,
            name_header=_("Đơn vị"),
            name_of=unit_name_of,
            st=st,
            heading=_("Toàn tỉnh, thành phố"),
            numbering="none",
        )
    ]
    for heading, name_header, rows, name_of in parts:
        sections.append(
            _units_section(
                rows,
                unit_of_measure=uom,
                name_header=name_header,
                name_of=name_of,
                st=st,
                heading=counted(heading, rows),
            )
        )
    all_rows = [province, *(r for _h, _n, rows, _f in parts for r in rows)]
    notes = _notes(
        percent=uom == "%", has_target=any(r.get("target") is not None for r in all_rows)
    )
    return tables_pdf(
        title=data["name"],
        subtitle=[unit_name, data["period"]["label"], _source_label(data["source"])],
        sections=sections,
        notes=notes,
        generated_at=generated_at,
        pdf_title=" — ".join((data["name"], unit_name, data["period"]["label"])),
    )


def unit_to_pdf(
    data: dict, *, late: dict | None = None, generated_at: datetime | None = None
) -> bytes:
    """One unit's page (``selectors.unit_indicator``): its value, its trend, its procedures and,
    when given (officers only), the dossiers finished late."""
    st = _styles()
    uom = data.get("unit_of_measure") or ""
    percent = uom == "%"
    value = {**data["value"], "unit": data["unit"]}
    sections = [
        _units_section(
            [value],
            unit_of_measure=uom,
            name_header=_("Đơn vị"),
            name_of=lambda row: row["unit"]["name"],
            st=st,
            heading=_("Giá trị trong kỳ"),
            numbering="none",
        ),
        Section(
            heading=_("Diễn biến"),
            columns=[Column(_("Kỳ"), 0.6), Column(_("Giá trị"), 0.4, "right")],
            rows=[
                [
                    point["period"]["label"],
                    _("Không có số liệu")
                    if point["value"] is None
                    else _with_unit(point["value"], percent),
                ]
                for point in data["trend"]
            ],
        ),
    ]
    if data["unit"]["kind"] != "nation":
        sections.append(
            _units_section(
                data["procedures"],
                unit_of_measure=uom,
                name_header=_("Thủ tục"),
                name_of=lambda row: f"{row['procedure']['code']} {row['procedure']['name']}",
                st=st,
                heading=_("Theo thủ tục hành chính"),
            )
        )
    if late is not None:
        reasons = {"repeated_supplement": _("Yêu cầu bổ sung lần hai"), "after_due": _("Quá hạn")}
        sections.append(
            Section(
                heading=_("Hồ sơ giải quyết trễ hạn: %(n)s") % {"n": late["count"]},
                columns=[
                    Column(_("Mã hồ sơ"), 0.3),
                    Column(_("Thủ tục"), 0.34),
                    Column(_("Hẹn trả"), 0.12),
                    Column(_("Có kết quả"), 0.12),
                    Column(_("Lý do"), 0.12),
                ],
                rows=[
                    [
                        d["code"],
                        d["procedure_name"],
                        _short_time(d["due_at"]),
                        _short_time(d["finished_at"]),
                        reasons.get(d["reason"], d["reason"]),
                    ]
                    for d in late["dossiers"]
                ],
            )
        )
    return tables_pdf(
        title=data["name"],
        subtitle=[data["unit"]["name"], data["period"]["label"]],
        sections=sections,
        notes=[data.get("definition") or "", data.get("formula_ref") or ""],
        generated_at=generated_at,
    )


def _short_time(value: str | None) -> str:
    if not value:
        return ""
    when = datetime.fromisoformat(value).astimezone(VN)
    return f"{when:%d/%m/%Y %H:%M}"


def published_to_pdf(table: dict, *, generated_at: datetime | None = None) -> bytes:
    """The transparency page (``selectors.published_table``): units down, indicators across,
    on A4 landscape."""
    columns = [Column(_("Đơn vị"), 0.22)] + [
        Column(
            f"{i['name']} ({i['unit_of_measure']})",
            0.78 / max(1, len(table["indicators"])),
            "right",
        )
        for i in table["indicators"]
    ]
    rows = []
    for row in table["rows"]:
        cells: list[Cell] = [row["unit"]["name"]]
        for value in row["values"]:
            if value["value"] is None:
                cells.append("—")
            else:
                result = {True: _("đạt"), False: _("không đạt")}.get(value["meets_target"])
                text = format_number(value["value"])
                cells.append(f"{text} ({result})" if result else text)
        rows.append(cells)
    return table_pdf(
        title=_("Công khai kết quả"),
        subtitle=[table["period"]["label"], _source_label("computed")],
        columns=columns,
        rows=rows,
        notes=[_("— không có số liệu (không phải bằng 0).")],
        landscape=True,
        generated_at=generated_at,
    )
