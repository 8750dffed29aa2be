"""The national ranking page under /bao-cao/ and its XLSX export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from .conftest import PERIOD

pytestmark = pytest.mark.django_db


def test_the_ranking_page_shows_who_meets_the_criterion(world, geo, scenario):
    resp = Client().get(f"/bao-cao/?period={PERIOD}&indicator=online.dossiers_share")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "Xếp hạng tỉnh, thành phố" in html and "1/1 tỉnh, thành phố đạt tiêu chí." in html
    assert html.index("Tỉnh Thử Nghiệm") < html.index("Tỉnh Bên Cạnh")
    assert "✓ Đạt" in html
    assert '<th scope="row"><a href="/bao-cao/tinh/26/' in html
    assert "/static/reporting/reporting.css" in html  # with the print stylesheet
    # The province without data is one folded line, not a row of the table.
    table = html[html.index('<table class="rank-table') : html.index("</table>")]
    assert "Tỉnh Bên Cạnh" not in table
    assert "1 tỉnh, thành phố chưa có số liệu</summary>" in html


def test_the_ranking_costs_a_fixed_number_of_queries(world, geo, scenario):
    client = Client()
    caches["reporting"].clear()  # each request computes everything: nothing cached
    with CaptureQueriesContext(connection) as few:
        client.get(f"/bao-cao/?period={PERIOD}")
    from chinhquyen.units.models import AdministrativeUnit

    for code in ("28", "29", "30"):
        AdministrativeUnit.objects.create(
            generation="2025",
            level="province",
            code=code,
            name=f"Tỉnh {code}",
            codename=code,
            division_type="tỉnh",
            valid_from=dt.date(2025, 7, 1),
            source="test",
        )
    caches["reporting"].clear()
    with CaptureQueriesContext(connection) as more:
        client.get(f"/bao-cao/?period={PERIOD}")
    assert len(more.captured_queries) == len(few.captured_queries)


def test_the_ranking_exports_to_xlsx(world, geo, scenario):
    resp = Client().get(f"/bao-cao/xep-hang.xlsx?period={PERIOD}&indicator=online.dossiers_share")
    assert resp.status_code == 200 and resp["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert rows == [
        (1, "Tỉnh Thử Nghiệm", 80, 60, "Đạt"),
        (None, "Tỉnh Bên Cạnh", "Không có số liệu", 60, None),
    ]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("period=2026-13", 400),
        ("indicator=edoc.sent&period=" + PERIOD, 400),
        (f"period={timezone.localdate().year + 1}", 403),
    ],
)
def test_bad_or_unpublished_views_say_why(world, geo, query, status):
    resp = Client().get(f"/bao-cao/?{query}")
    assert resp.status_code == status and 'role="alert"' in resp.content.decode()
    assert Client().get(f"/bao-cao/xep-hang.xlsx?{query}").status_code == status


def test_the_province_page_drills_down_to_communes_and_agencies(world, geo, scenario):
    resp = Client().get(f"/bao-cao/tinh/26/?period={PERIOD}&indicator=online.dossiers_share")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "<h1>Tỉnh Thử Nghiệm</h1>" in html
    # Xã B: 1 of 1 online (meets 80 %), Phường A: 3 of 4 (does not), best first.
    assert html.index("Xã Thử Nghiệm B") < html.index("Phường Thử Nghiệm A")
    units, procedures = html.split('id="procedures-title"')
    assert units.count("✗ Không đạt") == 2  # commune A and agency A
    # Per procedure across the province: 1.000001 4 of 4 online, 1.000002 0 of 1, 1.000003 none.
    assert (
        procedures.index("1.000001") < procedures.index("1.000002") < procedures.index("1.000003")
    )
    row = procedures[procedures.index("1.000002") :].split("</tr>")[0]
    assert ">0<" in row and "✗ Không đạt" in row
    assert "Không có số liệu" in procedures[procedures.index("1.000003") :].split("</tr>")[0]
    assert "/bao-cao/don-vi/commune:09001/?period=ND09-2026-03&amp;indicator=" in units
    ranking = Client().get(f"/bao-cao/?period={PERIOD}").content.decode()
    assert "/bao-cao/tinh/26/?period=ND09-2026-03" in ranking


@pytest.mark.parametrize(
    ("persona", "status"),
    [(None, 403), ("citizen", 403), ("counter_b", 403), ("lead1", 200), ("sysadmin", 200)],
)
def test_unpublished_indicators_drill_down_only_for_the_province(
    world, geo, scenario, persona, status
):
    client = Client()
    user = (getattr(geo, persona, None) or getattr(world, persona)) if persona else None
    if user:
        client.force_login(user)
    resp = client.get(f"/bao-cao/tinh/26/?period={PERIOD}&indicator=edoc.sent")
    assert resp.status_code == status


def test_an_unknown_province_page_is_404(world, geo):
    assert Client().get(f"/bao-cao/tinh/99/?period={PERIOD}").status_code == 404


def test_officers_see_the_completeness_of_reports_on_the_ranking_page(world, geo, scenario):
    client = Client()
    assert (
        "Tình hình nộp báo cáo định kỳ"
        not in client.get(f"/bao-cao/?period={PERIOD}").content.decode()
    )
    client.force_login(world.counter_b)
    html = client.get(f"/bao-cao/?period={PERIOD}").content.decode()
    assert "Phải nộp: 2; đã nhận: 0 (đúng hạn 0, muộn 0); chưa gửi quá hạn: 2." in html
