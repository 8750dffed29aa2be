"""The inline SVG charts of the reporting centre: well-formed, accessible, honest about missing
values, and written with Vietnamese numbers. Each chart is parsed as XML and checked through its
geometry, not through its exact markup."""

from __future__ import annotations

import re
from decimal import Decimal
from xml.etree import ElementTree as ET  # parses only the charts made here

import pytest
from django.utils import translation
from django.utils.safestring import SafeString

from chinhquyen.reporting.charts import bar_chart_svg, line_chart_svg, sparkline_svg, vn_number

NS = "{http://www.w3.org/2000/svg}"
MONTHS = [f"Tháng {m}/2026" for m in range(1, 7)]


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, in a test
    assert root.tag == f"{NS}svg"
    return root


def by_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}{tag}") if cls in (e.get("class") or "").split()]


def text_of(element: ET.Element) -> str:
    return "".join(element.itertext())


def path_points(path: ET.Element) -> list[tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d"))]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def assert_accessible(root: ET.Element, *, with_desc: bool) -> None:
    """role="img", a first-child <title> named by aria-labelledby, and maybe a <desc>."""
    assert root.get("role") == "img"
    assert root.get("preserveAspectRatio") is None
    assert root.get("viewBox", "").startswith("0 0 ")
    title = root[0]
    assert title.tag == f"{NS}title" and title.get("id")
    assert root.get("aria-labelledby") == title.get("id")
    if with_desc:
        desc = root.find(f"{NS}desc")
        assert desc is not None and desc.text
        assert root.get("aria-describedby") == desc.get("id")


# --- vn_number --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (17.9, 2, "17,9"),
        (1234567, 2, "1.234.567"),
        (62.0, 2, "62"),
        (Decimal("40.50"), 2, "40,5"),
        (1234.567, 2, "1.234,57"),
        (0.125, 2, "0,13"),  # half up, not banker's rounding
        (-1234.5, 2, "-1.234,5"),
        (-0.001, 2, "0"),
        (2.5, 0, "3"),
        (999.999, 2, "1.000"),
        (None, 2, ""),
    ],
)
def test_numbers_are_written_the_vietnamese_way(value, places, expected):
    assert vn_number(value, places) == expected


def test_a_number_that_is_not_finite_is_refused():
    with pytest.raises(ValueError):
        vn_number(float("nan"))


# --- sparkline --------------------------------------------------------------------------------


def test_a_sparkline_is_a_safe_svg_image_named_by_its_title():
    svg = sparkline_svg([40.5, 62], labels=MONTHS[:2], unit="%")
    assert isinstance(svg, SafeString)
    root = parse(svg)
    assert_accessible(root, with_desc=False)
    assert root.get("viewBox") == "0 0 120 28"
    assert all(p.get("stroke") == "currentColor" for p in by_class(root, "path", "spark-line"))


def test_two_sparklines_on_one_page_get_different_ids():
    first, second = parse(sparkline_svg([1, 2])), parse(sparkline_svg([1, 2]))
    assert first.get("aria-labelledby") != second.get("aria-labelledby")


def test_a_missing_value_in_the_middle_splits_the_line_in_two():
    root = parse(sparkline_svg([40, 45, None, 50, 55], unit="%"))
    paths = by_class(root, "path", "spark-line")
    assert len(paths) == 2
    left, right = (path_points(p) for p in paths)
    assert len(left) == len(right) == 2
    # Nothing is drawn at the missing period (the middle of the width): a gap, not a zero.
    assert max(x for x, _y in left) < 60 < min(x for x, _y in right)


def test_a_lone_value_between_gaps_is_still_visible():
    root = parse(sparkline_svg([40, None, 45, None, 50], unit="%"))
    assert by_class(root, "path", "spark-line") == []
    assert len(by_class(root, "circle", "spark-point")) == 2  # the third is the last-value dot


def test_the_last_value_is_a_dot_at_the_right_end():
    root = parse(sparkline_svg([10, 30, 20], unit="%"))
    (dot,) = by_class(root, "circle", "spark-last")
    (path,) = by_class(root, "path", "spark-line")
    points = path_points(path)
    assert float(dot.get("cx")) == max(x for x, _y in points)
    assert (float(dot.get("cx")), float(dot.get("cy"))) == points[-1]
    assert float(dot.get("cx")) > 120 * 0.9


def test_when_the_newest_value_is_missing_the_dot_stays_on_the_last_known_one():
    root = parse(sparkline_svg([10, 30, None], labels=MONTHS[:3], unit="%"))
    (dot,) = by_class(root, "circle", "spark-last")
    assert 50 < float(dot.get("cx")) < 70  # the middle period, not the right end
    assert "kỳ gần nhất" in text_of(root[0])


@pytest.mark.parametrize("height", [28, 40])
def test_with_percent_a_value_of_50_sits_at_mid_height(height):
    root = parse(sparkline_svg([50, 50, 50], unit="%", height=height))
    (path,) = by_class(root, "path", "spark-line")
    assert {y for _x, y in path_points(path)} == {height / 2}


def test_with_percent_the_target_line_is_at_its_share_of_the_0_to_100_scale():
    root = parse(sparkline_svg([0, 100], unit="%", target=60))
    (path,) = by_class(root, "path", "spark-line")
    (_x0, y0), (_x1, y100) = path_points(path)
    (line,) = by_class(root, "line", "target")
    assert line.get("stroke-dasharray")
    assert float(line.get("y1")) == float(line.get("y2"))
    assert float(line.get("y1")) == pytest.approx(y0 + 0.6 * (y100 - y0), abs=0.01)


def test_without_percent_the_scale_follows_the_data():
    root = parse(sparkline_svg([1000, 2000], unit="hồ sơ"))
    (path,) = by_class(root, "path", "spark-line")
    (_x, low), (_x2, high) = path_points(path)
    assert 0 < high < low < 28  # higher value higher up, both inside the box
    assert low - high > 28 / 2  # the data spans most of the height, not a flat line near 0


def test_equal_values_without_percent_draw_a_flat_line_in_the_middle():
    root = parse(sparkline_svg([7, 7, 7]))
    (path,) = by_class(root, "path", "spark-line")
    assert {y for _x, y in path_points(path)} == {14}


def test_a_sparkline_without_any_value_says_so_and_draws_nothing():
    root = parse(sparkline_svg([None, None], labels=MONTHS[:2], title="Hà Nội"))
    assert text_of(root[0]) == "Hà Nội: Không có số liệu"
    assert root.find(f"{NS}path") is None and root.find(f"{NS}circle") is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([40.5, 50, 62], "Tăng từ 40,5 % (Tháng 1/2026) lên 62 % (Tháng 3/2026)."),
        ([62, 50, 40.5], "Giảm từ 62 % (Tháng 1/2026) xuống 40,5 % (Tháng 3/2026)."),
        ([62, 10, 62.001], "Không đổi từ 62 % (Tháng 1/2026) đến 62 % (Tháng 3/2026)."),
        ([None, 50, 62], "Tăng từ 50 % (Tháng 2/2026) lên 62 % (Tháng 3/2026); 1 kỳ không"),
        ([62, None, None], "Chỉ có một số liệu: 62 % (Tháng 1/2026); 2 kỳ không có số liệu"),
    ],
)
def test_the_title_tells_the_trend_from_the_first_to_the_last_value(values, expected):
    root = parse(sparkline_svg(values, labels=MONTHS[:3], unit="%"))
    assert text_of(root[0]).startswith(expected)


def test_the_title_names_the_row_and_the_target():
    root = parse(sparkline_svg([1200, 1500.5], unit="hồ sơ", target=1000, title="Hà Nội"))
    assert text_of(root[0]) == (
        "Hà Nội: Tăng từ 1.200 hồ sơ lên 1.500,5 hồ sơ; tiêu chí ≥ 1.000 hồ sơ."
    )


def test_sparkline_texts_are_escaped():
    nasty = "<b>Tỉnh A & \"B\" 'C'</b>"
    svg = sparkline_svg([1, 2], labels=[nasty, "x"], title=nasty, unit="<u>")
    assert "<b>" not in svg and "<u>" not in svg
    assert nasty in text_of(parse(svg)[0])


def test_labels_must_match_the_values():
    with pytest.raises(ValueError):
        sparkline_svg([1, 2, 3], labels=["a", "b"])


# --- bar chart --------------------------------------------------------------------------------

ROWS = [("Hà Nội", 80, True), ("Lai Châu", None, None), ("Cà Mau", 45.25, False)]


def bar_of_row(root: ET.Element, k: int) -> ET.Element | None:
    """The bar drawn on the k-th row, found by its vertical position next to the row's label."""
    label_y = float(by_class(root, "text", "label")[k].get("y"))
    for rect in by_class(root, "rect", "bar"):
        top = float(rect.get("y"))
        if top <= label_y <= top + float(rect.get("height")) + 4:
            return rect
    return None


def test_a_bar_chart_is_an_image_with_a_title_and_a_summary():
    svg = bar_chart_svg(ROWS, target=60, title="Tỷ lệ hồ sơ nộp trực tuyến")
    assert isinstance(svg, SafeString)
    root = parse(svg)
    assert_accessible(root, with_desc=True)
    assert text_of(root[0]) == "Tỷ lệ hồ sơ nộp trực tuyến"
    desc = text_of(root.find(f"{NS}desc"))
    assert "1/2 đạt tiêu chí ≥ 60 %" in desc
    assert "1 không có số liệu" in desc
    assert "Cao nhất: Hà Nội (80 %)" in desc and "thấp nhất: Cà Mau (45,25 %)" in desc


def test_a_row_without_data_says_so_and_has_no_bar():
    root = parse(bar_chart_svg(ROWS, target=60, title="t"))
    assert len(by_class(root, "rect", "bar")) == 2
    assert bar_of_row(root, 0) is not None and bar_of_row(root, 2) is not None
    assert bar_of_row(root, 1) is None
    (no_data,) = by_class(root, "text", "no-data")
    label_y = by_class(root, "text", "label")[1].get("y")
    assert text_of(no_data) == "Không có số liệu" and no_data.get("y") == label_y


def test_met_and_not_met_differ_by_mark_and_pattern_not_only_colour():
    root = parse(bar_chart_svg(ROWS, target=60, title="t"))
    values = [text_of(t) for t in by_class(root, "text", "value")]
    assert values == ["80 % ✓", "Không có số liệu", "45,25 % ✗"]
    met, not_met = bar_of_row(root, 0), bar_of_row(root, 2)
    assert met.get("fill") != not_met.get("fill")
    pattern_id = re.fullmatch(r"url\(#(.+)\)", not_met.get("fill")).group(1)
    assert any(p.get("id") == pattern_id for p in root.iter(f"{NS}pattern"))
    assert not_met.get("stroke") and not met.get("stroke")


def test_bar_lengths_and_the_target_line_share_one_scale():
    rows = [("A", 100, True), ("B", 30, False)]
    root = parse(bar_chart_svg(rows, unit="%", target=60, title="t"))
    full, short = bar_of_row(root, 0), bar_of_row(root, 1)
    x0, width = float(full.get("x")), float(full.get("width"))
    assert float(short.get("width")) == pytest.approx(0.3 * width, abs=0.02)
    (line,) = by_class(root, "line", "target")
    assert line.get("stroke-dasharray") and line.get("x1") == line.get("x2")
    assert float(line.get("x1")) == pytest.approx(x0 + 0.6 * width, abs=0.02)
    (caption,) = by_class(root, "text", "target-label")
    assert text_of(caption) == "Tiêu chí ≥ 60 %"


def test_values_at_the_bar_end_use_vietnamese_numbers_and_the_unit():
    root = parse(bar_chart_svg([("A", 1234.5, None)], unit="hồ sơ", title="t"))
    (value,) = by_class(root, "text", "value")
    assert text_of(value) == "1.234,5 hồ sơ"
    bar = bar_of_row(root, 0)
    assert float(value.get("x")) >= float(bar.get("x")) + float(bar.get("width"))


def test_bars_keep_the_order_given():
    rows = [("Thấp", 10, None), ("Cao", 90, None), ("Giữa", 50, None)]
    root = parse(bar_chart_svg(rows, title="t"))
    labels = by_class(root, "text", "label")
    assert [text_of(t) for t in labels] == ["Thấp", "Cao", "Giữa"]
    assert [float(t.get("y")) for t in labels] == sorted(float(t.get("y")) for t in labels)


def test_34_provinces_get_34_bars_that_do_not_overlap_and_fit_in_the_chart():
    rows = [(f"Tỉnh {k}", 100 - k * 2.5, k < 16) for k in range(34)]
    root = parse(bar_chart_svg(rows, target=60, title="t"))
    bars = by_class(root, "rect", "bar")
    assert len(bars) == 34
    tops = sorted(float(b.get("y")) for b in bars)
    height = float(bars[0].get("height"))
    assert all(b - a >= height for a, b in zip(tops, tops[1:], strict=False))
    assert height >= 10  # still a bar, not a hairline
    _x, _y, _w, view_height = (float(n) for n in root.get("viewBox").split())
    assert tops[-1] + height <= view_height
    assert float(root.get("height")) == view_height  # grows with the rows


def test_bar_labels_are_escaped():
    nasty = "Tỉnh <A> & \"B\" 'C'"
    svg = bar_chart_svg([(nasty, 70, True)], unit="<u>", title="<script>")
    assert "<A>" not in svg and "<script>" not in svg and "<u>" not in svg
    root = parse(svg)
    assert text_of(by_class(root, "text", "label")[0]) == nasty
    assert text_of(root[0]) == "<script>"


def test_a_long_label_is_shortened_but_keeps_its_full_text_as_a_tooltip():
    long = "Thành phố trực thuộc trung ương có tên rất dài để thử"
    root = parse(bar_chart_svg([(long, 70, None)], title="t"))
    (label,) = by_class(root, "text", "label")
    assert label.find(f"{NS}title").text == long
    assert label.find(f"{NS}title").tail.endswith("…")


# --- line chart -------------------------------------------------------------------------------


def test_a_line_chart_is_an_image_whose_summary_lists_every_value():
    series = [("T1/2026", 40.5), ("T2/2026", None), ("T3/2026", 62)]
    root = parse(line_chart_svg(series, target=60, title="Xu hướng"))
    assert_accessible(root, with_desc=True)
    assert text_of(root.find(f"{NS}desc")) == (
        "T1/2026: 40,5 %; T2/2026: không có số liệu; T3/2026: 62 %. Tiêu chí ≥ 60 %."
    )


def test_a_missing_period_is_a_gap_in_the_line():
    series = [(f"T{m}", v) for m, v in enumerate([40, 45, None, 50, 55, 58], start=1)]
    root = parse(line_chart_svg(series, title="t"))
    assert len(by_class(root, "path", "series")) == 2
    assert len(by_class(root, "circle", "point")) == 5


@pytest.mark.parametrize(
    ("values", "unit"),
    [
        ([40.5, 62], "%"),
        ([1200, 3400, 8000], "hồ sơ"),
        ([0.2, 1.3], "điểm"),
        ([-12, 30], "hồ sơ"),
        ([0, 0], "hồ sơ"),
        ([7, 7], "hồ sơ"),
    ],
)
def test_the_y_axis_has_three_to_five_gridlines_covering_the_data(values, unit):
    root = parse(line_chart_svg([(f"T{m}", v) for m, v in enumerate(values)], unit=unit, title="t"))
    grid = by_class(root, "line", "grid")
    assert 3 <= len(grid) <= 5
    gy = [float(g.get("y1")) for g in grid]
    points = [float(c.get("cy")) for c in by_class(root, "circle", "point")]
    assert all(min(gy) <= y <= max(gy) for y in points)


def test_y_labels_use_vietnamese_numbers():
    root = parse(line_chart_svg([("a", 1200), ("b", 8000)], unit="hồ sơ", title="t"))
    labels = [text_of(t) for t in by_class(root, "text", "y-label")]
    assert "2.000" in labels and "8.000" in labels


def test_the_percent_target_line_sits_between_the_0_and_100_gridlines():
    root = parse(line_chart_svg([("a", 10), ("b", 90)], target=60, title="t"))
    grid = {text_of(t): float(t.get("y")) for t in by_class(root, "text", "y-label")}
    assert set(grid) == {"0 %", "25 %", "50 %", "75 %", "100 %"}
    (line,) = by_class(root, "line", "target")
    y0, y100 = grid["0 %"], grid["100 %"]  # label baselines, shifted alike from their lines
    shift = y0 - max(float(g.get("y1")) for g in by_class(root, "line", "grid"))
    assert float(line.get("y1")) == pytest.approx(y0 - shift + 0.6 * (y100 - y0), abs=0.02)


def test_24_period_labels_are_thinned_so_they_do_not_overlap():
    series = [(f"Tháng {k % 12 + 1}/{2025 + k // 12}", 30 + k) for k in range(24)]
    root = parse(line_chart_svg(series, title="t"))
    assert len(by_class(root, "line", "x-tick")) == 24
    shown = by_class(root, "text", "x-label")
    assert 3 <= len(shown) < 24
    assert text_of(shown[-1]) == "Tháng 12/2026"  # the newest period is always named
    xs = [float(t.get("x")) for t in shown]
    widest = max(len(text_of(t)) for t in shown) * 12 * 0.55  # font 12, average glyph width
    assert all(b - a >= widest for a, b in zip(xs, xs[1:], strict=False))


def test_a_line_chart_without_any_value_says_so():
    root = parse(line_chart_svg([("a", None), ("b", None)], title="t"))
    assert root.find(f"{NS}path") is None and root.find(f"{NS}circle") is None
    assert [text_of(t) for t in by_class(root, "text", "no-data")] == ["Không có số liệu"]
    assert text_of(root.find(f"{NS}desc")).startswith("Không có số liệu.")


def test_line_chart_texts_are_escaped():
    svg = line_chart_svg([('<T1> & "x"', 1)], title="a < b", unit="%")
    assert "<T1>" not in svg
    root = parse(svg)
    assert text_of(root[0]) == "a < b"
    assert text_of(by_class(root, "text", "x-label")[0]) == '<T1> & "x"'
