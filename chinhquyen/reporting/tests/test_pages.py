"""The dashboard pages beyond the ranking: trends with sparklines, one unit's page down to its
procedures and late dossiers, the public transparency page, and the PDF/XLSX exports."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from openpyxl import load_workbook

from chinhquyen.reporting.periods import period_parse
from chinhquyen.reporting.selectors import province_ranking

from .conftest import PERIOD, _submit, at, finish
from .test_pdf import text as pdf_text

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def february(world, geo, scenario):
    """One more month of data before the scenario's: agency A, 1 of 2 online (ND09-2026-02)."""
    _submit(world, agency=world.agency_a, when=at(2026, 2, 2, 9))
    _submit(
        world, agency=world.agency_a, when=at(2026, 2, 2, 10), procedure="1.000002", counter=True
    )


def test_the_ranking_carries_the_nation_and_a_trend_per_province(world, geo, february):
    ranking = province_ranking(
        period=period_parse(PERIOD), indicator="online.dossiers_share", trend=3
    )
    assert [p["code"] for p in ranking["trend_periods"]] == [
        "ND09-2026-01",
        "ND09-2026-02",
        "ND09-2026-03",
    ]
    assert ranking["trend"]["province:26"] == [None, 50, 80]  # no dossier in January: no data
    assert ranking["trend"]["province:27"] == [None, None, None]
    assert ranking["nation"]["value"] == 80


def test_the_ranking_page_draws_a_sparkline_per_province_and_a_bar_chart(world, geo, february):
    html = Client().get(f"/bao-cao/?period={PERIOD}&indicator=online.dossiers_share").content
    html = html.decode()
    assert "Toàn quốc:</strong> 80 %" in html
    assert "Diễn biến từ T10/2025" in html
    spark = html[html.index('<td class="spark"') :].split("</td>")[0]
    spark = spark[spark.index(">") + 1 :]
    title = ET.fromstring(spark).find(f"{SVG}title").text  # noqa: S314 - ours
    assert "Tăng từ 50 %" in title and "lên 80 %" in title
    # Tỉnh Bên Cạnh has no data: folded under the table, neither a row nor a bar of the chart.
    assert html.count('<td class="spark"') == 1 and '<figure class="chart">' in html
    chart = html[html.index('<figure class="chart">') :].split("</figure>")[0]
    assert "Tỉnh Thử Nghiệm" in chart and "Tỉnh Bên Cạnh" not in chart


def test_a_unit_page_shows_the_trend_the_procedures_and_for_officers_the_late_dossiers(
    world, geo, scenario
):
    url = f"/bao-cao/don-vi/agency:{world.agency_a.agency_id}/?period={PERIOD}&indicator=d766.timeliness"
    public = Client().get(url)
    assert public.status_code == 200
    html = public.content.decode()
    assert "<h1>" in html and "Diễn biến" in html and 'role="img"' in html
    assert "50 %" in html  # one of two finished on time
    assert "chỉ dành cho cán bộ của đơn vị" in html and scenario.late.code not in html
    officer = Client()
    officer.force_login(world.leader_a)
    html = officer.get(url).content.decode()
    assert scenario.late.code in html and scenario.on_time.code not in html
    assert "Quá hạn" in html
    other = Client()
    other.force_login(world.counter_b)  # another commune's officer: published values only
    html = other.get(url).content.decode()
    assert scenario.late.code not in html


def test_a_unit_page_refuses_what_it_cannot_show(world, geo, scenario):
    client = Client()
    assert client.get(f"/bao-cao/don-vi/province:99/?period={PERIOD}").status_code == 404
    assert client.get("/bao-cao/don-vi/province:26/?period=2026-13").status_code == 400
    unpublished = f"/bao-cao/don-vi/province:26/?period={PERIOD}&indicator=edoc.sent"
    assert client.get(unpublished).status_code == 403


def test_the_transparency_page_publishes_the_nation_and_every_province(world, geo, scenario):
    resp = Client().get(f"/bao-cao/cong-khai/?period={PERIOD}")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "Toàn quốc" in html and "Tỉnh Thử Nghiệm" in html and "Tỉnh Bên Cạnh" in html
    assert "Tỷ lệ hồ sơ nộp trực tuyến" in html and "Trần Văn Quầy" not in html
    assert "edoc.sent" not in html and "Số văn bản" not in html  # not public
    sheet = load_workbook(
        io.BytesIO(Client().get(f"/bao-cao/cong-khai/bang.xlsx?period={PERIOD}").content)
    ).active
    assert Client().get(f"/bao-cao/cong-khai/bang.csv?period={PERIOD}").status_code == 404
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0][0] == "Toàn quốc" and rows[0][1] == 80
    assert Client().get("/bao-cao/cong-khai/?period=2099").status_code == 403


def test_the_ranking_and_the_drill_down_export_to_pdf_and_xlsx(world, geo, scenario, tmp_path):
    client = Client()
    query = f"?period={PERIOD}&indicator=online.dossiers_share"
    ranking = client.get(f"/bao-cao/xep-hang.pdf{query}")
    assert ranking["Content-Type"] == "application/pdf"
    text = pdf_text(ranking.content, tmp_path)
    assert "Tỉnh Thử Nghiệm" in text and "80 %" in text and "Không có số liệu" in text
    drill = pdf_text(client.get(f"/bao-cao/tinh/26/bang.pdf{query}").content, tmp_path)
    assert "Xã Thử Nghiệm B" in drill and "1.000002" in drill
    book = load_workbook(io.BytesIO(client.get(f"/bao-cao/tinh/26/bang.xlsx{query}").content))
    assert book.sheetnames == ["Toàn tỉnh", "Xã, phường", "Cơ quan", "Thủ tục"]
    communes = list(book["Xã, phường"].iter_rows(min_row=3, values_only=True))
    assert communes[0][:2] == ("Xã Thử Nghiệm B", 100)
    assert client.get(f"/bao-cao/tinh/99/bang.pdf{query}").status_code == 404


def test_finishing_more_dossiers_moves_the_trend(world, geo, scenario):
    more = _submit(world, agency=world.agency_a, when=at(2026, 3, 3, 9))
    finish(world, more, accepted=at(2026, 3, 3, 10), finished=at(2026, 3, 4, 10), returned=False)
    ranking = province_ranking(period=period_parse(PERIOD), indicator="d766.timeliness", trend=2)
    assert ranking["trend"]["province:26"][-1] == pytest.approx(66.67)


def test_the_ranking_opens_on_the_index_or_before_it_existed_on_the_online_share(
    world, geo, scenario
):
    html = Client().get(f"/bao-cao/?period={PERIOD}").content.decode()
    assert "Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766, thang 100)" in html
    html = Client().get("/bao-cao/?period=2019").content.decode()
    assert "Tỷ lệ hồ sơ nộp trực tuyến" in html


def test_the_unit_page_and_the_transparency_page_export_too(world, geo, scenario, tmp_path):
    key = f"agency:{world.agency_a.agency_id}"
    query = f"?period={PERIOD}&indicator=d766.timeliness"
    officer = Client()
    officer.force_login(world.leader_a)
    text = pdf_text(officer.get(f"/bao-cao/don-vi/{key}/bang.pdf{query}").content, tmp_path)
    assert "Diễn biến" in text and scenario.late.code in text and "Quá hạn" in text
    public = pdf_text(Client().get(f"/bao-cao/don-vi/{key}/bang.pdf{query}").content, tmp_path)
    assert "Diễn biến" in public and scenario.late.code not in public
    book = load_workbook(io.BytesIO(officer.get(f"/bao-cao/don-vi/{key}/bang.xlsx{query}").content))
    assert book.sheetnames == ["Diễn biến", "Thủ tục", "Hồ sơ trễ hạn"]
    assert list(book["Hồ sơ trễ hạn"].iter_rows(min_row=2, values_only=True))[0][0] == (
        scenario.late.code
    )
    published = pdf_text(
        Client().get(f"/bao-cao/cong-khai/bang.pdf?period={PERIOD}").content, tmp_path
    )
    assert "Toàn quốc" in published and "Tỉnh Thử Nghiệm" in published
    assert Client().get("/bao-cao/cong-khai/bang.pdf?period=2099").status_code == 403


def test_pages_write_numbers_the_vietnamese_way(world, geo, scenario):
    more = _submit(world, agency=world.agency_a, when=at(2026, 3, 3, 9))
    finish(world, more, accepted=at(2026, 3, 3, 10), finished=at(2026, 3, 4, 10), returned=False)
    html = Client().get(f"/bao-cao/?period={PERIOD}&indicator=d766.timeliness").content.decode()
    assert "66,67" in html and "66.67" not in html
