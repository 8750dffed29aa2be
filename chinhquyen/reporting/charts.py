"""Small charts as inline SVG for the reporting centre: a sparkline for a table row, horizontal
bars for a ranking and a line for a trend over periods.

The charts are plain strings built on the server, so they need no JavaScript, print as vectors
and scale with their ``viewBox``. Each is one image (``role="img"``) named by a Vietnamese
``<title>`` and, for the larger two, summed up by a ``<desc>``; the numbers themselves stay in
the table next to the chart, which is what screen readers, copying and the XLSX export use.

Rules every chart keeps:

* ``None`` means "no data": a gap in a line or the words "Không có số liệu", never a zero.
* Numbers are written the Vietnamese way (``vn_number``): decimal comma, dot for thousands.
* Met / not met is never told by colour alone: a ✓ / ✗ and a hatched fill carry it too.
* Lines and text use ``currentColor``, so print and high-contrast styles of the page apply.
* Every piece of text is escaped with ``django.utils.html.escape`` where it enters the markup.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

Number = float | int | Decimal

SVG_NS = "http://www.w3.org/2000/svg"

# Colours shared with templates/reporting/_style.html (.met, .not-met, .bar); each has a contrast
# of at least 7:1 on white, so they stay apart in a greyscale print as well.
MET = "#1a5e20"
NOT_MET = "#a4000f"
NEUTRAL = "#1f4e8c"

# Layout works in viewBox units. Text is measured with a rough average glyph width: there is no
# font metrics on the server, and an overestimate only costs a little white space.
GLYPH = 0.6  # of the font size


# --- numbers ----------------------------------------------------------------------------------


def _quantize(value: Number, places: int) -> Decimal:
    # str() first so that 17.9 is Decimal("17.9"), not its binary neighbour.
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def vn_number(value: Number | None, places: int = 2) -> str:
    """A number written the Vietnamese way: decimal comma, a dot between thousands, at most
    ``places`` decimals (rounded half up) and no trailing zeros.

    17.9 → "17,9", 1234567 → "1.234.567", 62.0 → "62", -0.001 → "0". ``None`` gives ``""``; a
    caller that shows a value must say "Không có số liệu" itself rather than print nothing.

    Django's own ``floatformat`` follows the active locale but does not group thousands unless
    ``USE_THOUSAND_SEPARATOR`` is on, and the portal's ``money`` filter only knows whole đồng,
    hence this helper.
    """
    if value is None:
        return ""
    number = _quantize(value, places)
    if number == 0:
        number = abs(number)  # no "-0"
    sign = "-" if number < 0 else ""
    whole, _dot, fraction = f"{abs(number):f}".partition(".")
    fraction = fraction.rstrip("0")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


def _with_unit(value: Number, unit: str) -> str:
    text = vn_number(value)
    return f"{text} {unit}" if unit else text


def _as_float(value: Number | None) -> float | None:
    """The value for geometry; NaN and infinities count as missing, like ``None``."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _target_text(target: float, unit: str) -> str:
    return _("Tiêu chí ≥ %(value)s") % {"value": _with_unit(target, unit)}


# --- markup -----------------------------------------------------------------------------------


def _c(value: float) -> str:
    """A coordinate with at most two decimals, which keeps the markup short and stable."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _uid(prefix: str) -> str:
    # Random rather than a counter: a chart may be cached and shown next to one rendered by
    # another process, and ids must still not clash on the page.
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _svg_open(
    width: float, height: float, *, cls: str, title_id: str, desc_id: str | None = None
) -> str:
    described = f' aria-describedby="{desc_id}"' if desc_id else ""
    # width/height give the natural size; reporting.css's max-width lets it shrink on a phone
    # (not a style attribute: the Content-Security-Policy refuses inline styles) and the viewBox
    # keeps its proportions (no preserveAspectRatio="none", so shapes are not distorted).
    return (
        f'<svg xmlns="{SVG_NS}" class="{cls}" viewBox="0 0 {_c(width)} {_c(height)}" '
        f'width="{_c(width)}" height="{_c(height)}" '
        f'role="img" aria-labelledby="{title_id}"{described}>'
    )


def _fit(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def segments(numbers: Sequence[float | int | None]) -> list[list[tuple[int, float]]]:
    """Runs of consecutive known values as (index, value); a ``None`` ends a run, so the line
    has a gap there (never a zero). Shared with the PDF sparklines."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for i, number in enumerate(numbers):
        if number is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((i, float(number)))
    if current:
        runs.append(current)
    return runs


def _path(points: Sequence[tuple[float, float]]) -> str:
    head, *rest = points
    return f"M{_c(head[0])} {_c(head[1])}" + "".join(f"L{_c(x)} {_c(y)}" for x, y in rest)


# --- sparkline --------------------------------------------------------------------------------


def _spark_summary(
    values: Sequence[Number | None],
    numbers: Sequence[float | None],
    labels: Sequence[str] | None,
    *,
    target: float | None,
    unit: str,
) -> str:
    known = [i for i, number in enumerate(numbers) if number is not None]
    if not known:
        return _("Không có số liệu")

    def at(i: int) -> str:
        text = _with_unit(values[i], unit)
        return f"{text} ({labels[i]})" if labels and labels[i] else text

    first, last = known[0], known[-1]
    if first == last:
        sentence = _("Chỉ có một số liệu: %(value)s") % {"value": at(last)}
    else:
        # Compare what is printed, so "62 %" to "62 %" never reads as a rise.
        before = _quantize(values[first], 2)
        after = _quantize(values[last], 2)
        words = {"first": at(first), "last": at(last)}
        if after > before:
            sentence = _("Tăng từ %(first)s lên %(last)s") % words
        elif after < before:
            sentence = _("Giảm từ %(first)s xuống %(last)s") % words
        else:
            sentence = _("Không đổi từ %(first)s đến %(last)s") % words
    missing = len(numbers) - len(known)
    if missing:
        sentence += "; " + ngettext(
            "%(count)s kỳ không có số liệu", "%(count)s kỳ không có số liệu", missing
        ) % {"count": missing}
        if numbers[-1] is None:
            sentence += _(", trong đó có kỳ gần nhất")
    if target is not None:
        sentence += "; " + _("tiêu chí ≥ %(value)s") % {"value": _with_unit(target, unit)}
    return sentence + "."


def _spark_range(
    runs: list[list[tuple[int, float]]], *, target: float | None, unit: str
) -> tuple[float, float]:
    """The sparkline's vertical scale: 0–100 for "%", else the data and target with padding."""
    if unit == "%":
        return 0.0, 100.0
    known = [number for run in runs for _i, number in run]
    span_of = known + ([float(target)] if target is not None else [])
    low, high = min(span_of), max(span_of)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    return low - pad, high + pad


def _spark_marks(
    runs: list[list[tuple[int, float]]],
    count: int,
    width: int,
    height: int,
    *,
    target: float | None,
    unit: str,
) -> list[str]:
    """The sparkline's target line, its runs, lone dots and the larger dot on the last value."""
    low, high = _spark_range(runs, target=target, unit=unit)
    inset = 3.0  # room for the end dot and the stroke

    def x_at(i: int) -> float:
        if count == 1:
            return width - inset
        return inset + i * (width - 2 * inset) / (count - 1)

    def y_at(number: float) -> float:
        share = min(1.0, max(0.0, (number - low) / (high - low)))
        return inset + (1 - share) * (height - 2 * inset)

    out = []
    line = (
        'fill="none" stroke="currentColor" vector-effect="non-scaling-stroke" '
        'stroke-linecap="round" stroke-linejoin="round"'
    )
    if target is not None:
        y = _c(y_at(float(target)))
        out.append(
            f'<line class="target" x1="0" x2="{_c(width)}" y1="{y}" y2="{y}" {line} '
            'stroke-width="1" stroke-dasharray="3 2" stroke-opacity="0.7"/>'
        )
    last_index, last_number = runs[-1][-1]
    for run in runs:
        if len(run) > 1:
            points = [(x_at(i), y_at(number)) for i, number in run]
            out.append(f'<path class="spark-line" d="{_path(points)}" {line} stroke-width="1.5"/>')
        elif run[0][0] != last_index:
            i, number = run[0]
            out.append(
                f'<circle class="spark-point" cx="{_c(x_at(i))}" cy="{_c(y_at(number))}" '
                'r="1.5" fill="currentColor"/>'
            )
    out.append(
        f'<circle class="spark-last" cx="{_c(x_at(last_index))}" '
        f'cy="{_c(y_at(last_number))}" r="2.5" fill="currentColor"/>'
    )
    return out


def sparkline_svg(
    values: list[float | int | Decimal | None],
    *,
    labels: list[str] | None = None,
    width: int = 120,
    height: int = 28,
    target: float | None = None,
    unit: str = "",
    title: str = "",
) -> SafeString:
    """A tiny line for a table row, oldest value on the left.

    A ``None`` breaks the line (each run of known values is its own ``<path>``; a lone value
    between gaps is a small dot), the last known value gets a larger dot, and ``target`` is a
    dashed line. With ``unit="%"`` the scale is fixed at 0–100 so rows can be compared; otherwise
    it spans the data (and the target) with some padding. The ``<title>`` says in words how the
    value moved from the first to the last known period, e.g. "Tăng từ 40,5 % (Tháng 1/2026)
    lên 62 % (Tháng 6/2026)."; ``title`` is put in front of it.
    """
    if labels is not None and len(labels) != len(values):
        raise ValueError("labels and values must have the same length")
    numbers = [_as_float(v) for v in values]
    summary = _spark_summary(values, numbers, labels, target=target, unit=unit)
    if title:
        summary = _("%(title)s: %(summary)s") % {"title": title, "summary": summary}
    title_id = _uid("spark")
    out = [
        _svg_open(width, height, cls="sparkline", title_id=title_id),
        f'<title id="{title_id}">{escape(summary)}</title>',
    ]
    runs = segments(numbers)
    if runs:
        out += _spark_marks(runs, len(numbers), width, height, target=target, unit=unit)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above went through escape()


# --- bar chart --------------------------------------------------------------------------------

BAR_CHART_WIDTH = 640
BAR_FONT = 13
BAR_PITCH = 22  # one row
BAR_HEIGHT = 14
BAR_TOP = 30  # room for the target's label
BAR_LABELS = 200  # the column of row labels


def _bar_desc(
    rows: Sequence[tuple[str, float | None, bool | None]], *, target: float | None, unit: str
) -> str:
    parts = []
    judged = [
        meets for _label, value, meets in rows if _as_float(value) is not None and meets is not None
    ]
    if judged:
        words = {"met": sum(judged), "judged": len(judged)}
        if target is not None:
            words["target"] = _with_unit(target, unit)
            parts.append(_("%(met)s/%(judged)s đạt tiêu chí ≥ %(target)s.") % words)
        else:
            parts.append(_("%(met)s/%(judged)s đạt tiêu chí.") % words)
    known = [(label, value) for label, value, _meets in rows if _as_float(value) is not None]
    missing = len(rows) - len(known)
    if missing:
        parts.append(
            ngettext("%(count)s không có số liệu.", "%(count)s không có số liệu.", missing)
            % {"count": missing}
        )
    if known:
        # max()/min() keep the first of equal values, i.e. the caller's order breaks ties.
        best = max(known, key=lambda row: float(row[1]))
        worst = min(known, key=lambda row: float(row[1]))
        parts.append(
            _("Cao nhất: %(best)s (%(best_value)s); thấp nhất: %(worst)s (%(worst_value)s).")
            % {
                "best": best[0],
                "best_value": _with_unit(best[1], unit),
                "worst": worst[0],
                "worst_value": _with_unit(worst[1], unit),
            }
        )
    elif not missing:
        parts.append(_("Không có số liệu."))
    return " ".join(parts)


def bar_chart_svg(
    rows: list[tuple[str, float | None, bool | None]],
    *,
    unit: str = "%",
    target: float | None = None,
    title: str,
    max_value: float | None = None,
) -> SafeString:
    """Horizontal bars, one per ``(label, value, meets_target)`` row, in the order given.

    The value is printed at the end of its bar with ✓ (meets the target) or ✗ (does not); a
    bar that meets it is solid green, one that does not is hatched red with an outline, so the
    two differ without colour. ``meets_target=None`` (no criterion) is a plain blue bar. A row
    whose value is ``None`` has no bar and says "Không có số liệu". ``target`` draws a dashed
    vertical line labelled "Tiêu chí ≥ …".

    The scale starts at 0 and ends at ``max_value``, or 100 for "%", or the largest value or
    target; bars longer than the scale are cut at its end and negative values draw no bar (their
    printed value still tells). The chart is 640 units wide and grows by one line per row, so
    34 provinces stay legible on a projector and on A4.
    """
    title_id, desc_id, hatch_id = _uid("bars"), _uid("bars-desc"), _uid("bars-hatch")
    desc = _bar_desc(rows, target=target, unit=unit)
    numbers = [_as_float(value) for _label, value, _meets in rows]

    # The column for the printed values is as wide as the longest of them.
    marks = {True: " ✓", False: " ✗", None: ""}
    value_texts = [
        None if number is None else _with_unit(value, unit) + marks[meets]
        for (_label, value, meets), number in zip(rows, numbers, strict=True)
    ]
    longest = max((len(text) for text in value_texts if text), default=4)
    value_column = max(48.0, longest * GLYPH * BAR_FONT + 10)
    x0 = float(BAR_LABELS)
    layout = _BarLayout(
        x0=x0,
        plot_width=max(200.0, BAR_CHART_WIDTH - x0 - value_column),
        scale=_bar_scale(numbers, unit=unit, target=target, max_value=max_value),
        body=max(len(rows), 1) * BAR_PITCH,
        fills={
            True: f'fill="{MET}"',
            False: f'fill="url(#{hatch_id})" stroke="{NOT_MET}" stroke-width="1.5"',
            None: f'fill="{NEUTRAL}"',
        },
    )
    has_legend = any(meets is not None for _label, value, meets in rows)
    height = BAR_TOP + layout.body + (BAR_PITCH + 8 if has_legend else 8)

    out = [
        _svg_open(BAR_CHART_WIDTH, height, cls="bar-chart", title_id=title_id, desc_id=desc_id),
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
        f'<defs><pattern id="{hatch_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        f'<rect width="3" height="6" fill="{NOT_MET}"/></pattern></defs>',
        f'<g font-size="{BAR_FONT}" fill="currentColor">',
    ]
    # Painted in layers: stripes, bars, the target line over the bars, then the texts, which a
    # white halo keeps readable where the dashed line crosses them.
    stripes, bars, texts = _bar_rows(layout, rows, numbers, value_texts)
    out += stripes + bars
    # The axis from which the bars start.
    out.append(
        f'<line class="axis" x1="{_c(x0)}" x2="{_c(x0)}" y1="{_c(BAR_TOP - 2)}" '
        f'y2="{_c(BAR_TOP + layout.body + 2)}" stroke="currentColor" stroke-width="1"/>'
    )
    if target is not None:
        line, label = _bar_target(layout, target, unit)
        out.append(line)
        texts.append(label)
    out += texts
    if has_legend:
        out += _bar_legend(layout)
    out.append("</g></svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above went through escape()


BAR_TEXT_SHIFT = BAR_FONT * 0.35  # from the middle of a row to the text's baseline
BAR_CLASSES = {True: "bar met", False: "bar not-met", None: "bar"}
BAR_HALO = 'stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'


@dataclass(frozen=True)
class _BarLayout:
    """Where a bar chart's pieces go: the bars' origin, room and scale, the rows' height, fills."""

    x0: float
    plot_width: float
    scale: float
    body: float
    fills: dict[bool | None, str]

    def length(self, number: float) -> float:
        """The length of the bar for a number, cut to the plot."""
        return min(1.0, max(0.0, number / self.scale)) * self.plot_width


def _bar_scale(
    numbers: list[float | None], *, unit: str, target: float | None, max_value: float | None
) -> float:
    """The value at the bars' full length: max_value, or 100 for "%", or the largest value."""
    if max_value is not None and max_value > 0:
        return float(max_value)
    known = [number for number in numbers if number is not None]
    scale = max([*known, *([float(target)] if target is not None else []), 0.0])
    if unit == "%":
        scale = max(100.0, scale)
    return scale or 1.0


def _bar_rows(
    layout: _BarLayout,
    rows: Sequence[tuple[str, float | None, bool | None]],
    numbers: list[float | None],
    value_texts: list[str | None],
) -> tuple[list[str], list[str], list[str]]:
    """The zebra stripes, the bars and the texts (labels, values) of every row."""
    x0 = layout.x0
    max_label = int((BAR_LABELS - 14) / (GLYPH * BAR_FONT))
    stripes: list[str] = []
    bars: list[str] = []
    texts: list[str] = []
    no_data = escape(_("Không có số liệu"))
    for k, ((label, _value, meets), number, text) in enumerate(
        zip(rows, numbers, value_texts, strict=True)
    ):
        top = BAR_TOP + k * BAR_PITCH
        middle = top + BAR_PITCH / 2
        baseline = _c(middle + BAR_TEXT_SHIFT)
        if k % 2:  # faint zebra stripes help the eye follow a row across 34 of them
            stripes.append(
                f'<rect class="stripe" x="0" y="{_c(top)}" width="{BAR_CHART_WIDTH}" '
                f'height="{BAR_PITCH}" fill="currentColor" fill-opacity="0.06"/>'
            )
        shown = _fit(label, max_label)
        full = f"<title>{escape(label)}</title>" if shown != label else ""
        texts.append(
            f'<text class="label" x="{_c(x0 - 8)}" y="{baseline}" text-anchor="end">'
            f"{full}{escape(shown)}</text>"
        )
        if number is None:
            texts.append(
                f'<text class="value no-data" x="{_c(x0 + 6)}" y="{baseline}" {BAR_HALO} '
                f'font-style="italic">{no_data}</text>'
            )
            continue
        bar = layout.length(number)
        bars.append(
            f'<rect class="{BAR_CLASSES[meets]}" x="{_c(x0)}" y="{_c(middle - BAR_HEIGHT / 2)}" '
            f'width="{_c(bar)}" height="{BAR_HEIGHT}" {layout.fills[meets]}/>'
        )
        texts.append(
            f'<text class="value" x="{_c(x0 + bar + 5)}" y="{baseline}" {BAR_HALO}>'
            f"{escape(text)}</text>"
        )
    if not rows:
        texts.append(
            f'<text class="value no-data" x="{_c(x0 + 6)}" '
            f'y="{_c(BAR_TOP + BAR_PITCH / 2 + BAR_TEXT_SHIFT)}" font-style="italic">'
            f"{no_data}</text>"
        )
    return stripes, bars, texts


def _bar_target(layout: _BarLayout, target: float, unit: str) -> tuple[str, str]:
    """The target's dashed vertical line and its label, kept inside the chart."""
    x = layout.x0 + layout.length(float(target))
    caption = _target_text(target, unit)
    half = len(caption) * GLYPH * BAR_FONT / 2
    label_x = min(max(x, half + 2), BAR_CHART_WIDTH - half - 2)
    line = (
        f'<line class="target" x1="{_c(x)}" x2="{_c(x)}" y1="{_c(BAR_TOP - 6)}" '
        f'y2="{_c(BAR_TOP + layout.body)}" stroke="currentColor" stroke-width="1.5" '
        'stroke-dasharray="5 3"/>'
    )
    label = (
        f'<text class="target-label" x="{_c(label_x)}" y="{_c(BAR_TOP - 10)}" '
        f'text-anchor="middle" font-weight="bold">{escape(caption)}</text>'
    )
    return line, label


def _bar_legend(layout: _BarLayout) -> list[str]:
    """The legend under the bars: the met and the not-met swatch with their words."""
    x0 = layout.x0
    y = BAR_TOP + layout.body + 8
    baseline = _c(y + BAR_HEIGHT / 2 + BAR_TEXT_SHIFT)
    met_text = "✓ " + _("Đạt tiêu chí")
    second = x0 + 30 + len(met_text) * GLYPH * BAR_FONT + 20
    return [
        f'<rect class="legend-swatch met" x="{_c(x0)}" y="{_c(y)}" width="24" '
        f'height="{BAR_HEIGHT}" {layout.fills[True]}/>'
        f'<text class="legend" x="{_c(x0 + 30)}" y="{baseline}">{escape(met_text)}</text>',
        f'<rect class="legend-swatch not-met" x="{_c(second)}" y="{_c(y)}" width="24" '
        f'height="{BAR_HEIGHT}" {layout.fills[False]}/>'
        f'<text class="legend" x="{_c(second + 30)}" y="{baseline}">'
        f"{escape('✗ ' + _('Không đạt'))}</text>",
    ]


# --- line chart -------------------------------------------------------------------------------

LINE_CHART_WIDTH = 640
LINE_CHART_HEIGHT = 300
LINE_FONT = 12
MAX_X_LABEL = 20  # characters; the full labels are in the <desc>


def _nice_ticks(low: float, high: float) -> list[float]:
    """3 to 5 round values (steps of 1, 2, 2.5 or 5 × 10ⁿ) covering ``low``..``high``."""
    if high <= low:
        high = low + (abs(low) or 1.0)
    rough = (high - low) / 4
    magnitude = 10 ** math.floor(math.log10(rough))
    for multiple in (1, 2, 2.5, 5, 10, 20):
        step = multiple * magnitude
        start = math.floor(low / step + 1e-9) * step
        end = math.ceil(high / step - 1e-9) * step
        if round((end - start) / step) + 1 <= 5:
            break
    count = round((end - start) / step) + 1
    # round() drops float dust such as 0.30000000000000004.
    return [round(start + k * step, 10) for k in range(count)]


def line_chart_svg(
    series: list[tuple[str, float | None]],
    *,
    unit: str = "%",
    target: float | None = None,
    title: str,
) -> SafeString:
    """A trend over periods: ``series`` is ``(period label, value)``, oldest first.

    Every known value is a dot; a ``None`` leaves a gap in the line. The y axis has 3–5
    gridlines (0–100 for "%", otherwise round values from zero, or from the lowest value when
    it is negative). Period labels are thinned so they do not overlap, always keeping the
    newest, and cut to 20 characters; the ``<desc>`` lists every period with its value. Pass
    short labels ("T3/2026") rather than a period's long ``label`` with its dates.
    """
    title_id, desc_id = _uid("trend"), _uid("trend-desc")
    numbers = [_as_float(value) for _label, value in series]
    known = [number for number in numbers if number is not None]
    desc = _line_desc(series, numbers, unit=unit, target=target)
    layout = _line_layout(series, known, unit=unit, target=target)
    out = [
        _svg_open(
            LINE_CHART_WIDTH,
            LINE_CHART_HEIGHT,
            cls="line-chart",
            title_id=title_id,
            desc_id=desc_id,
        ),
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
        f'<g font-size="{LINE_FONT}" fill="currentColor">',
    ]
    out += _line_y_axis(layout, unit)
    out += _line_x_axis(layout, [_fit(label, MAX_X_LABEL) for label, _value in series])
    if target is not None:
        y = layout.y_at(float(target))
        out.append(
            f'<line class="target" x1="{_c(layout.left)}" x2="{_c(layout.left + layout.plot_width)}" '
            f'y1="{_c(y)}" y2="{_c(y)}" stroke="currentColor" stroke-width="1.5" '
            'stroke-dasharray="5 3"/>'
        )
    out += _line_series(layout, numbers)
    if target is not None:
        # Written last, with a white halo, so the line and its dots never hide it.
        out.append(
            f'<text class="target-label" x="{_c(layout.left + 4)}" '
            f'y="{_c(layout.y_at(float(target)) - 5)}" '
            'stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke" '
            f'font-weight="bold">{escape(_target_text(target, unit))}</text>'
        )
    if not known:
        out.append(
            f'<text class="no-data" x="{_c(layout.left + layout.plot_width / 2)}" '
            f'y="{_c(layout.top + layout.plot_height / 2)}" text-anchor="middle" '
            f'font-style="italic">{escape(_("Không có số liệu"))}</text>'
        )
    out.append("</g></svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above went through escape()


def _line_desc(
    series: list[tuple[str, float | None]],
    numbers: list[float | None],
    *,
    unit: str,
    target: float | None,
) -> str:
    """The line chart's <desc>: every period with its value, then the target."""
    no_data = _("không có số liệu")  # outside the f-string, where makemessages finds it
    listed = [
        f"{label}: {_with_unit(value, unit) if number is not None else no_data}"
        for (label, value), number in zip(series, numbers, strict=True)
    ]
    desc = "; ".join(listed) + "." if listed else _("Không có số liệu.")
    if target is not None:
        desc += " " + _target_text(target, unit) + "."
    if series and all(number is None for number in numbers):
        desc = _("Không có số liệu.") + " " + desc
    return desc


@dataclass(frozen=True)
class _LineLayout:
    """A line chart's plot area, its y ticks and the number of periods along x."""

    ticks: list[float]
    left: float
    top: float
    plot_width: float
    plot_height: float
    count: int
    x_label_width: float

    def x_at(self, i: int) -> float:
        """The x of the i-th period."""
        if self.count == 1:
            return self.left + self.plot_width / 2
        return self.left + i * self.plot_width / (self.count - 1)

    def y_at(self, number: float) -> float:
        """The y of a value, held inside the ticks' range."""
        low, high = self.ticks[0], self.ticks[-1]
        share = min(1.0, max(0.0, (number - low) / (high - low)))
        return self.top + (1 - share) * self.plot_height


def _tick_text(tick: float, unit: str) -> str:
    """A y-axis label: with "%" for percentages, a bare number otherwise."""
    return _with_unit(tick, "%") if unit == "%" else vn_number(tick)


def _line_layout(
    series: list[tuple[str, float | None]],
    known: list[float],
    *,
    unit: str,
    target: float | None,
) -> _LineLayout:
    """The ticks, and margins wide enough for the y labels and half the widest x label."""
    extra = [float(target)] if target is not None else []
    if unit == "%" and max([*known, *extra, 0.0]) <= 100 and min([*known, *extra, 0.0]) >= 0:
        ticks = [0.0, 25.0, 50.0, 75.0, 100.0]
    else:
        ticks = _nice_ticks(min([*known, *extra, 0.0]), max([*known, *extra, 0.0]))
    x_labels = [_fit(label, MAX_X_LABEL) for label, _value in series]
    x_label_width = max((len(label) for label in x_labels), default=0) * GLYPH * LINE_FONT
    y_label_width = max(len(_tick_text(tick, unit)) for tick in ticks) * GLYPH * LINE_FONT
    left = max(y_label_width + 12, x_label_width / 2 + 2)
    right = max(16.0, x_label_width / 2 + 2)
    top, bottom = 28.0, 40.0
    return _LineLayout(
        ticks=ticks,
        left=left,
        top=top,
        plot_width=LINE_CHART_WIDTH - left - right,
        plot_height=LINE_CHART_HEIGHT - top - bottom,
        count=len(series),
        x_label_width=x_label_width,
    )


def _line_y_axis(layout: _LineLayout, unit: str) -> list[str]:
    """The gridlines with their labels, and the unit above them unless it is "%"."""
    out = []
    left, plot_width = layout.left, layout.plot_width
    for tick in layout.ticks:
        y = _c(layout.y_at(tick))
        out.append(
            f'<line class="grid" x1="{_c(left)}" x2="{_c(left + plot_width)}" y1="{y}" y2="{y}" '
            'stroke="currentColor" stroke-width="1" stroke-opacity="0.3"/>'
            f'<text class="y-label" x="{_c(left - 6)}" '
            f'y="{_c(layout.y_at(tick) + LINE_FONT * 0.35)}" '
            f'text-anchor="end">{escape(_tick_text(tick, unit))}</text>'
        )
    if unit and unit != "%":
        out.append(
            f'<text class="unit" x="{_c(left - 6)}" y="{_c(layout.top - 14)}" text-anchor="end">'
            f"{escape(unit)}</text>"
        )
    return out


def _line_x_axis(layout: _LineLayout, x_labels: list[str]) -> list[str]:
    """A tick per period and every step-th label, counted back from the newest."""
    count = layout.count
    # Show every step-th period label, counted back from the newest, so that none overlap.
    if count > 1:
        spacing = layout.plot_width / (count - 1)
        step = max(1, math.ceil((layout.x_label_width + 8) / spacing))
    else:
        step = 1
    axis_y = layout.top + layout.plot_height
    out = []
    for i, label in enumerate(x_labels):
        x = _c(layout.x_at(i))
        out.append(
            f'<line class="x-tick" x1="{x}" x2="{x}" y1="{_c(axis_y)}" y2="{_c(axis_y + 4)}" '
            'stroke="currentColor" stroke-width="1"/>'
        )
        if (count - 1 - i) % step == 0:
            out.append(
                f'<text class="x-label" x="{x}" y="{_c(axis_y + 8 + LINE_FONT)}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return out


def _line_series(layout: _LineLayout, numbers: list[float | None]) -> list[str]:
    """The line through each run of known values, and a dot on every known value."""
    out = []
    for run in segments(numbers):
        points = [(layout.x_at(i), layout.y_at(number)) for i, number in run]
        if len(points) > 1:
            out.append(
                f'<path class="series" d="{_path(points)}" fill="none" stroke="currentColor" '
                'stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>'
            )
        out.extend(
            f'<circle class="point" cx="{_c(x)}" cy="{_c(y)}" r="4" fill="currentColor"/>'
            for x, y in points
        )
    return out
