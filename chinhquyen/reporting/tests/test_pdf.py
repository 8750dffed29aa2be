"""PDF exports of the reporting centre, read back with poppler: the text a leader sees, the pages,
the font and the metadata. Inputs are built by hand in the shape the selectors return."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from reportlab.graphics.shapes import Circle, PolyLine

from chinhquyen.reporting.charts import segments
from chinhquyen.reporting.pdf import (
    Column,
    Sparkline,
    ValueBar,
    breakdown_to_pdf,
    format_number,
    ranking_to_pdf,
    table_pdf,
)

# poppler-utils comes with `make test` (scripts/bootstrap.sh): without it these tests fail.

PERIOD = {
    "code": "ND09-2026-03",
    "kind": "nd09_month",
    "start": "2026-02-15",
    "end": "2026-03-14",
    "label": "Báo cáo tháng 3/2026 (15/02/2026–14/03/2026)",
}
NAME = "Tỷ lệ hồ sơ trực tuyến trên tổng số hồ sơ"
NO_REPORT = "Chưa nhận được báo cáo của đơn vị cho kỳ này."


def row(name: str, value, *, key: str = "", rank=None, target=60, reason=None, **extra) -> dict:
    """A row like ``selectors.value_row`` plus its unit, for a "≥ target" percentage."""
    meets = None if value is None or target is None else value >= target
    return {
        "indicator": "online_share",
        "name": NAME,
        "unit_of_measure": "%",
        "value": value,
        "no_data_reason": reason if value is None else None,
        "target": target,
        "meets_target": meets,
        "points": None,
        "max_points": None,
        "class": None,
        "rank": rank,
        "unit": {"key": key or f"province:{name}", "name": name},
        **extra,
    }


def ranking(rows: list[dict], **extra) -> dict:
    return {
        "indicator": "online_share",
        "name": NAME,
        "unit_of_measure": "%",
        "period": PERIOD,
        "source": "computed",
        "rows": rows,
        "version": object(),  # the selector hands over the model: the export ignores it
        **extra,
    }


SMALL = [
    row("Thành phố Hải Phòng", 72.5, rank=1),
    row("Thành phố Hà Nội", 17.9, rank=2),
    row("Tỉnh Bắc Ninh", None, reason=NO_REPORT),
]


def _run(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "export.pdf"
    path.write_bytes(pdf)
    extra = ["-"] if tool == "pdftotext" else []
    out = subprocess.run(  # noqa: S603 - a tool found on PATH, a file we wrote
        [shutil.which(tool), *args, str(path), *extra], capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


def text(pdf: bytes, tmp_path: Path, *, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return _run("pdftotext", pdf, tmp_path, "-layout", "-enc", "UTF-8", *pages)


def info(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    lines = _run("pdfinfo", pdf, tmp_path, "-enc", "UTF-8").splitlines()
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines)}


def line_of(content: str, name: str) -> str:
    """The layout line that carries ``name`` (a table row)."""
    found = [line for line in content.splitlines() if name in line]
    assert found, f"{name!r} not in the PDF text"
    return found[0]


# --- the ranking ---------------------------------------------------------------------------------


def test_ranking_shows_names_values_and_results_in_vietnamese(tmp_path):
    content = text(ranking_to_pdf(ranking(SMALL)), tmp_path)

    assert NAME in content
    assert PERIOD["label"] in content
    assert "Tính từ dữ liệu hồ sơ" in content
    assert "Trang 1/1" in content
    assert "Đạt tiêu chí: 1/2 tỉnh, thành phố." in content
    hai_phong = line_of(content, "Thành phố Hải Phòng")
    assert "72,5 %" in hai_phong
    assert re.search(r"\bĐạt\b", hai_phong) and "Không đạt" not in hai_phong
    ha_noi = line_of(content, "Thành phố Hà Nội")
    assert "17,9 %" in ha_noi and "17.9" not in ha_noi
    assert "Không đạt" in ha_noi
    assert "≥ 60 %" in ha_noi


def test_a_missing_value_reads_no_data_with_its_reason_never_zero(tmp_path):
    rows = [*SMALL, row("Tỉnh Điện Biên", 0, rank=3)]
    content = text(ranking_to_pdf(ranking(rows)), tmp_path)

    bac_ninh = line_of(content, "Tỉnh Bắc Ninh")
    assert "Không có số liệu" in bac_ninh
    assert not re.search(r"(?<![\d,])0(,0+)?\s*%", bac_ninh)
    assert "—" in bac_ninh  # no rank either
    assert "Đạt" not in bac_ninh  # nor a result
    assert NO_REPORT in content
    # A real zero is printed: the check above would have seen one.
    assert re.search(r"(?<![\d,])0\s*%", line_of(content, "Tỉnh Điện Biên"))
    assert "Không có số liệu: 1 tỉnh, thành phố." in content


def test_a_long_ranking_breaks_into_pages_that_each_repeat_the_header(tmp_path):
    rows = [row(f"Tỉnh Thử Nghiệm {i:02d}", 100 - i * 1.1, rank=i) for i in range(1, 81)]
    pdf = ranking_to_pdf(ranking(rows))

    pages = int(info(pdf, tmp_path)["Pages"])
    assert pages > 1
    second = text(pdf, tmp_path, page=2)
    assert "Hạng" in second and "Tỉnh, thành phố" in second and "Giá trị (%)" in second
    assert f"Trang 2/{pages}" in second
    assert "Tỉnh Thử Nghiệm 01" not in second  # page 2 is not page 1 again
    assert NAME in second  # the running head says what the loose sheet is
    assert f"Trang 1/{pages}" in text(pdf, tmp_path, page=1)


def test_text_is_in_the_embedded_liberation_serif_only(tmp_path):
    listing = _run("pdffonts", ranking_to_pdf(ranking(SMALL)), tmp_path).splitlines()[2:]

    assert listing
    for font in listing:
        cols = font.split()
        assert "LiberationSerif" in cols[0], font
        assert cols[-5] == "yes", f"not embedded: {font}"


def test_metadata_title_names_the_indicator_and_period(tmp_path):
    title = info(ranking_to_pdf(ranking(SMALL)), tmp_path)["Title"]

    assert NAME in title
    assert "Báo cáo tháng 3/2026" in title


def test_generation_time_is_printed_in_vietnam_time(tmp_path):
    at = dt.datetime(2026, 3, 15, 23, 30, tzinfo=dt.UTC)  # 06:30 on the 16th in Hà Nội
    content = text(ranking_to_pdf(ranking(SMALL), generated_at=at), tmp_path)

    assert "Xuất lúc 06:30 ngày 16/03/2026 (giờ Việt Nam)" in content


def test_reported_source_and_a_non_percentage_indicator(tmp_path):
    rows = [
        row("Tỉnh Bắc Ninh", 1234567, rank=1, target=None),
        row("Thành phố Hải Phòng", 0.5, rank=2, target=None),
    ]
    data = ranking(rows, unit_of_measure="hồ sơ", source="reported")
    content = text(ranking_to_pdf(data), tmp_path)

    assert "Theo báo cáo định kỳ đã nhận" in content
    assert "Giá trị (hồ sơ)" in content
    assert "1.234.567" in line_of(content, "Tỉnh Bắc Ninh")
    assert "0,5" in line_of(content, "Thành phố Hải Phòng")
    assert "Kết quả" not in content  # no target: nothing to judge
    assert " %" not in content


def test_scored_rows_show_points_and_class(tmp_path):
    scored = row("Thành phố Hải Phòng", 90, rank=1, points=18, max_points=20, **{"class": "Tốt"})
    content = text(ranking_to_pdf(ranking([scored])), tmp_path)

    line = line_of(content, "Thành phố Hải Phòng")
    assert "18/20" in line and "Tốt" in line


def test_a_trend_adds_a_sparkline_column_and_its_span(tmp_path):
    data = ranking(
        SMALL,
        trend={
            "province:Thành phố Hải Phòng": [60, None, 70, 72.5],
            "province:Thành phố Hà Nội": [None, None, None, 17.9],
            "province:Tỉnh Bắc Ninh": [None, None, None, None],
        },
        trend_labels=["Tháng 12/2025", "Tháng 1/2026", "Tháng 2/2026", "Tháng 3/2026"],
    )
    content = text(ranking_to_pdf(data), tmp_path)

    assert "Diễn biến" in content
    assert "từ Tháng 12/2025 đến Tháng 3/2026" in content


def test_a_gap_in_a_trend_breaks_the_line_instead_of_dropping_to_zero():
    assert segments([60, None, 70, 72.5]) == [[(0, 60.0)], [(2, 70.0), (3, 72.5)]]
    assert segments([None, None]) == []
    assert segments([0, 5]) == [[(0, 0.0), (1, 5.0)]]


def test_a_sparkline_stays_in_its_box_and_does_not_bridge_gaps():
    line = Sparkline([0, None, 100], percent=True)
    assert line.wrap(60, 100)[1] > 0
    shapes = line.drawing(60).contents

    assert not [s for s in shapes if isinstance(s, PolyLine)]  # two lone points, no line
    dots = [s for s in shapes if isinstance(s, Circle)]
    assert len(dots) == 3  # both points and the marker on the latest one
    assert all(0 <= d.cy <= line.height for d in dots)
    assert dots[0].cy < dots[1].cy  # 0 % below 100 %


def test_the_bar_is_proportional_and_the_target_line_sits_on_its_scale():
    bar = ValueBar(50, target=80, meets=False)
    assert bar.wrap(200, 100) == (200, bar.height) and bar.height > 0
    track, filled, target_x = bar.geometry(200)

    assert filled == pytest.approx(track / 2)
    assert target_x == pytest.approx(track * 0.8)
    over = ValueBar(130)
    track, filled, target_x = over.geometry(200)
    assert filled == pytest.approx(track) and target_x is None


# --- the province drill-down ---------------------------------------------------------------------


def breakdown(**extra) -> dict:
    return {
        "unit": {"key": "province:27", "kind": "province", "name": "Tỉnh Bắc Ninh"},
        "indicator": "online_share",
        "name": NAME,
        "unit_of_measure": "%",
        "period": PERIOD,
        "source": "computed",
        "province": row("Tỉnh Bắc Ninh", 64.25),
        "communes": [
            row("Phường Kinh Bắc", 85, target=80),
            row("Xã Đông Cứu", None, target=80, reason="Không có số liệu trong kỳ."),
        ],
        "agencies": [row("Sở Tư pháp tỉnh Bắc Ninh", 12.5)],
        **extra,
    }


def test_breakdown_has_the_province_its_communes_and_agencies(tmp_path):
    pdf = breakdown_to_pdf(breakdown())
    content = text(pdf, tmp_path)

    assert "Tỉnh Bắc Ninh" in content and PERIOD["label"] in content
    assert "64,25 %" in line_of(content, "Tỉnh Bắc Ninh  ")
    assert "Cấp xã — 1/1 đạt tiêu chí" in content
    assert "Đạt" in line_of(content, "Phường Kinh Bắc")
    assert "≥ 80 %" in line_of(content, "Phường Kinh Bắc")
    assert "Không có số liệu" in line_of(content, "Xã Đông Cứu")
    assert "Không đạt" in line_of(content, "Sở Tư pháp tỉnh Bắc Ninh")
    assert "Thủ tục hành chính" not in content
    assert "Trang 1/1" in content
    assert "Tỉnh Bắc Ninh" in info(pdf, tmp_path)["Title"]


def test_breakdown_lists_procedures_when_given(tmp_path):
    procedure = row("", 40.5)
    del procedure["unit"]
    procedure["procedure"] = {"code": "1.001234", "name": "Đăng ký khai sinh"}
    content = text(breakdown_to_pdf(breakdown(procedures=[procedure])), tmp_path)

    assert "Thủ tục hành chính" in content
    line = line_of(content, "Đăng ký khai sinh")
    assert "40,5 %" in line and "Không đạt" in line
    assert "1.001234" in content


def test_breakdown_of_a_province_without_communes_says_so(tmp_path):
    content = text(breakdown_to_pdf(breakdown(communes=[], agencies=[])), tmp_path)

    assert content.count("Không có dòng nào.") == 2


# --- the building block ------------------------------------------------------------------------


def test_table_pdf_takes_plain_strings_and_numbers(tmp_path):
    pdf = table_pdf(
        title="Hồ sơ trễ hạn",
        subtitle="Quý 1/2026",
        columns=["Mã hồ sơ", Column("Số ngày trễ", 0.5, "right")],
        rows=[["H27.12-260301-0001", 3], ["H27.12-260301-0002", 1234.5]],
        notes=["Ghi chú: tính theo ngày làm việc."],
        landscape=True,
    )
    content = text(pdf, tmp_path)

    assert "Hồ sơ trễ hạn" in content and "Quý 1/2026" in content
    assert "1.234,5" in line_of(content, "H27.12-260301-0002")
    assert "Ghi chú: tính theo ngày làm việc." in content
    width, _x, height = info(pdf, tmp_path)["Page size"].split()[:3]
    assert float(width) > float(height)


def test_a_row_with_the_wrong_number_of_cells_is_refused():
    with pytest.raises(ValueError, match="2 columns"):
        table_pdf(title="x", columns=["a", "b"], rows=[["only one"]])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (17.9, "17,9"),
        (17.94, "17,94"),
        (100.0, "100"),
        (0, "0"),
        (1234567, "1.234.567"),
        (1234.5, "1.234,5"),
        (-2.5, "-2,5"),
        (2.675, "2,68"),  # half up on the decimal the reader sees, not the binary float
        (-0.001, "0"),
        (Decimal("62.50"), "62,5"),
        (None, ""),
    ],
)
def test_numbers_are_written_the_vietnamese_way(value, expected):
    assert format_number(value) == expected
