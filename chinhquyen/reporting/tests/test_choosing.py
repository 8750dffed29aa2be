"""Choosing what a reporting page shows: periods picked from a year and a list in the Decree 09
terms (never typed), the default period computed from the data, a refused parameter marked
next to its field while the page shows the default, rows without data folded into one line."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from chinhquyen.reporting import activity
from chinhquyen.reporting.periods import nd09_month_of, period_choices, period_parse

from .conftest import PERIOD, _submit, at

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def _fresh_cache():
    caches["reporting"].clear()  # the latest day with activity is kept a few minutes


@pytest.mark.parametrize(
    ("code", "name", "in_year"),
    [
        ("ND09-2026-11", "Tháng 11/2026 (15/10–14/11)", "Tháng 11 (15/10–14/11)"),
        ("ND09-2026-01", "Tháng 1/2026 (15/12/2025–14/01)", "Tháng 1 (15/12 năm trước–14/01)"),
        ("ND09-2026-Q1", "Quý I/2026 (15/12/2025–14/03)", "Quý I (15/12 năm trước–14/03)"),
        ("ND09-2026-Q3", "Quý III/2026 (15/06–14/09)", "Quý III (15/06–14/09)"),
        ("ND09-2026-6T", "6 tháng đầu năm 2026 (15/12/2025–14/06)", None),
        ("ND09-2026-9T", "9 tháng năm 2026 (15/12/2025–14/09)", None),
        ("ND09-2026", "Năm 2026 (15/12/2025–14/12)", "Cả năm (15/12 năm trước–14/12)"),
        ("2026", "Năm 2026 (01/01–31/12)", "Cả năm (01/01–31/12)"),
        ("2026-H2", "6 tháng cuối năm 2026 (01/07–31/12)", None),
        ("2026-Q1", "Quý I/2026 (01/01–31/03)", None),
        ("2026-03", "Tháng 3/2026 (01/03–31/03)", None),
    ],
)
def test_periods_have_names_people_use(code, name, in_year):
    period = period_parse(code)
    assert period.name == name
    if in_year:
        assert period.name_in_year == in_year
    assert period.as_dict()["name"] == name


def test_a_period_moves_to_another_year_keeping_its_kind():
    assert period_parse("ND09-2026-11").in_year(2019).code == "ND09-2019-11"
    assert period_parse("ND09-2026-6T").in_year(2017).code == "ND09-2017-6T"
    assert period_parse("2026-H1").in_year(2020).code == "2020-H1"
    assert period_parse("ND09-2026").in_year(2018).code == "ND09-2018"


def test_the_decree_09_month_of_a_day_turns_after_the_cutoff():
    assert nd09_month_of(D(2026, 12, 14)).code == "ND09-2026-12"
    assert nd09_month_of(D(2026, 12, 15)).code == "ND09-2027-01"
    assert nd09_month_of(D(2026, 1, 1)).code == "ND09-2026-01"


def test_a_year_offers_every_decree_09_and_calendar_period_once():
    groups = period_choices(2026)
    codes = [p.code for _name, periods in groups for p in periods]
    assert len(codes) == len(set(codes)) == 12 + 7 + 19
    assert codes[:2] == ["ND09-2026-01", "ND09-2026-02"]
    assert {"ND09-2026-Q4", "ND09-2026-6T", "ND09-2026-9T", "ND09-2026"} <= set(codes)
    assert {"2026", "2026-H1", "2026-H2", "2026-Q2", "2026-12"} <= set(codes)
    labels = [p.name_in_year for _name, periods in groups for p in periods]
    assert len(labels) == len(set(labels)), "every option reads differently"


# --- the default period: computed from the data ------------------------------------------------


def test_the_default_month_is_the_latest_closed_one_with_dossiers(world, geo, scenario):
    assert activity.default_period(needed=None, unfinished=False).code == PERIOD


def test_with_no_data_at_all_the_default_is_the_last_closed_month(world):
    expected = nd09_month_of(activity.current_month().start - dt.timedelta(days=1))
    assert activity.default_period(needed=None, unfinished=False) == expected
    assert expected.end < timezone.localdate()


def test_the_month_under_way_is_the_default_for_whoever_may_see_it_when_it_has_data(
    world, geo, scenario
):
    _submit(world, agency=world.agency_a, when=timezone.now())
    current = activity.current_month()
    assert activity.default_period(needed=None, unfinished=True) == current
    assert activity.default_period(needed=None, unfinished=False).code == PERIOD


def test_the_transparency_page_opens_on_a_month_with_data(world, geo, scenario):
    resp = Client().get("/bao-cao/cong-khai/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert '<h2 id="table-title">Tháng 3/2026 (15/02–14/03)</h2>' in html
    assert re.search(
        r'<option value="ND09-2026-03" selected>Tháng 3 \(15/02–14/03\)</option>', html
    )
    assert '<option value="2026" selected>2026</option>' in html
    row = html[html.index(">Toàn quốc<") :].split("</tr>")[0]
    assert ">80<" in row  # 4 of the 5 dossiers online: numbers, not dashes


def test_the_ranking_opens_on_the_latest_month_with_data_too(world, geo, scenario):
    html = Client().get("/bao-cao/").content.decode()
    assert "Tháng 3/2026 (15/02–14/03)" in html
    assert "Chỉ số phục vụ người dân, doanh nghiệp" in html  # the index, in force in 2026


# --- periods are chosen: the form sends a code ------------------------------------------------


def test_the_form_has_no_typed_period_but_a_year_and_a_list(world, geo, scenario):
    html = Client().get(f"/bao-cao/?period={PERIOD}").content.decode()
    assert 'type="text" name="period"' not in html
    assert '<select name="nam" id="period-year">' in html
    assert '<select name="period" id="period" aria-describedby="period-help">' in html
    assert '<optgroup label="Báo cáo tháng theo Nghị định 09/2019' in html
    assert '<option value="ND09-2026-6T">6 tháng đầu năm (15/12 năm trước–14/06)</option>' in html


def test_the_chosen_year_is_folded_into_the_period_code_of_the_address(world, geo):
    resp = Client().get("/bao-cao/?indicator=online.dossiers_share&nam=2019&period=ND09-2026-11")
    assert resp.status_code == 302
    assert resp["Location"] == "/bao-cao/?indicator=online.dossiers_share&period=ND09-2019-11"
    resp = Client().get("/bao-cao/cong-khai/?nam=2024&period=2026-H1")
    assert resp["Location"] == "/bao-cao/cong-khai/?period=2024-H1"
    resp = Client().get("/bao-cao/tinh/26/?nam=2025&period=ND09-2026-Q2&indicator=d766.index")
    assert resp["Location"] == "/bao-cao/tinh/26/?period=ND09-2025-Q2&indicator=d766.index"
    # A bad period is left for the page to explain.
    resp = Client().get("/bao-cao/don-vi/nation/?nam=2025&period=hom-qua")
    assert resp["Location"] == "/bao-cao/don-vi/nation/?period=hom-qua"


# --- a refused parameter: said next to its field, the page shows the default -----------------


@pytest.mark.parametrize("path", ["/bao-cao/", "/bao-cao/cong-khai/"])
def test_a_bad_period_in_the_address_is_marked_and_the_default_period_shown(
    world, geo, scenario, path
):
    resp = Client().get(f"{path}?period=2026-13")
    assert resp.status_code == 400
    html = resp.content.decode()
    summary = html[html.index('role="alert"') :].split("</div>")[0]
    assert "Có lỗi cần sửa" in summary and 'href="#period"' in summary
    assert "Kỳ báo cáo «2026-13» trong địa chỉ không đúng định dạng" in summary
    assert (
        '<select name="period" id="period" aria-describedby="period-help period-error" '
        'aria-invalid="true">' in html
    )
    assert '<p class="error" id="period-error">' in html
    assert "Tháng 3/2026 (15/02–14/03)" in html  # the default period's numbers, still shown
    assert "<table" in html


def test_an_unfinished_period_is_refused_to_the_public_with_its_name(world, geo, scenario):
    current = activity.current_month()
    resp = Client().get(f"/bao-cao/cong-khai/?period={current.code}")
    assert resp.status_code == 403
    html = resp.content.decode()
    assert f"Kỳ {current.name} chưa kết thúc nên kết quả chưa được công bố." in html
    assert "Tháng 3/2026 (15/02–14/03)" in html


def test_an_unknown_indicator_is_marked_and_the_default_one_shown(world, geo, scenario):
    resp = Client().get(f"/bao-cao/?period={PERIOD}&indicator=khong-co")
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'href="#indicator"' in html and 'aria-describedby="indicator-error"' in html
    assert "Không có chỉ tiêu «khong-co» được công bố" in html
    assert "Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766, thang 100)" in html


def test_a_drill_down_with_a_bad_period_still_shows_the_province(world, geo, scenario):
    resp = Client().get("/bao-cao/tinh/26/?period=ND09-2026-13&indicator=online.dossiers_share")
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "<h1>Tỉnh Thử Nghiệm</h1>" in html and 'aria-invalid="true"' in html
    assert "Xã Thử Nghiệm B" in html


# --- rows without data --------------------------------------------------------------------------


def test_provinces_without_data_are_one_line_with_their_names_behind_it(world, geo, scenario):
    for path in (f"/bao-cao/cong-khai/?period={PERIOD}", f"/bao-cao/?period={PERIOD}"):
        html = Client().get(path).content.decode()
        table = html[html.index("<table") : html.index("</table>")]
        assert "Tỉnh Thử Nghiệm" in table and "Tỉnh Bên Cạnh" not in table, path
        folded = html[html.index('<details class="folded">') :].split("</details>")[0]
        assert "<summary>1 tỉnh, thành phố chưa có số liệu</summary>" in folded, path
        assert '<a href="/bao-cao/tinh/27/?period=ND09-2026-03' in folded, path
        assert "không phải là bằng 0" in folded, path


def test_the_nation_keeps_its_row_and_the_catalogue_counts_as_data(world, geo):
    _submit(world, agency=world.agency_a, when=at(2026, 3, 2, 9))
    html = Client().get("/bao-cao/cong-khai/?period=2025").content.decode()
    table = html[html.index("<table") : html.index("</table>")]
    # No dossier in 2025, but the province's procedures were online: a value, not folded.
    assert "Toàn quốc" in table and "Tỉnh Thử Nghiệm" in table and "Tỉnh Bên Cạnh" not in table
    assert "<summary>1 tỉnh, thành phố chưa có số liệu</summary>" in html


def test_communes_agencies_and_procedures_without_data_fold_on_the_drill_down(world, geo):
    _submit(world, agency=world.agency_a, when=at(2026, 3, 2, 9))
    html = (
        Client()
        .get(f"/bao-cao/tinh/26/?period={PERIOD}&indicator=online.dossiers_share")
        .content.decode()
    )
    assert "<summary>1 xã, phường chưa có số liệu</summary>" in html  # Xã B: no dossier
    assert "<summary>2 cơ quan chưa có số liệu</summary>" in html  # B and the centre
    communes = html[html.index('id="communes-title"') : html.index('id="agencies-title"')]
    assert "Phường Thử Nghiệm A" in communes.split("<details")[0]
    assert "Xã Thử Nghiệm B" in communes.split("<details")[1]


def test_a_year_before_any_indicator_says_so_instead_of_failing(world, geo):
    resp = Client().get("/bao-cao/?period=2005")
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'role="alert"' in html and "Không có chỉ tiêu" in html
    assert '<h2 id="ranking-title">' not in html
