"""The catalogue page and a procedure page at a national catalogue's size: thousands of
receiving agencies are chosen by province first, never listed all at once."""

from __future__ import annotations

import pytest
from django.test import Client

from chinhquyen.catalogue.services import procedure_link_agencies
from chinhquyen.portal.selectors import AGENCY_SELECT_MAX
from chinhquyen.units.models import AdministrativeUnit, Generation, UnitLevel
from chinhquyen.units.services import agency_create

pytestmark = pytest.mark.django_db


def unit(level: str, code: str, name: str, parent=None) -> AdministrativeUnit:
    return AdministrativeUnit.objects.create(
        generation=Generation.CURRENT,
        level=level,
        code=code,
        name=name,
        codename=code,
        division_type="",
        parent=parent,
        source="test",
    )


@pytest.fixture
def national(world):
    """More receiving agencies than one list shows: the communes of two provinces."""
    north = unit(UnitLevel.PROVINCE, "01", "Thành phố Hà Nội")
    south = unit(UnitLevel.PROVINCE, "79", "Thành phố Hồ Chí Minh")
    agencies = []
    for n in range(AGENCY_SELECT_MAX + 10):
        province, letter = (north, "A") if n % 2 else (south, "B")
        commune = unit(UnitLevel.COMMUNE, f"9{n:04d}", f"Phường Số {n}", parent=province)
        agencies.append(
            agency_create(
                agency_id=f"{n:03d}.00.99.{letter}01",
                name=f"UBND phường Số {n} ({province.name})",
                kind="ubnd_xa",
                unit=commune,
            )
        )
    procedure_link_agencies(procedure=world.procedure, agencies=agencies)
    return agencies


def options(html: str, select: str) -> int:
    start = html.index(f'<select id="{select}"')
    return html[start : html.index("</select>", start)].count("<option")


def test_the_catalogue_asks_for_the_province_before_listing_agencies(client: Client, national):
    html = client.get("/").text
    assert options(html, "tinh") >= 3  # the provinces, and "choose"
    assert 'id="agency"' not in html  # no list of thousands of agencies
    assert "Chọn tỉnh, thành phố rồi bấm «Áp dụng bộ lọc»" in html
    html = client.get("/", {"tinh": "01"}).text
    assert options(html, "agency") == 1 + (AGENCY_SELECT_MAX + 10) // 2
    assert "UBND phường Số 1 (Thành phố Hà Nội)" in html
    assert "(Thành phố Hồ Chí Minh)" not in html


def test_an_agency_in_the_address_selects_its_province_and_filters(client: Client, national):
    agency = national[1]  # a Hà Nội one
    html = client.get("/", {"agency": agency.agency_id}).text
    assert '<option value="01" selected>' in html
    assert f'<option value="{agency.agency_id}" selected>' in html
    assert "1 thủ tục phù hợp" in html


def test_a_procedure_received_everywhere_lists_the_agencies_of_one_province(
    client: Client, national
):
    html = client.get("/thu-tuc/1.000001/").text
    assert f"Thủ tục được tiếp nhận tại {AGENCY_SELECT_MAX + 10} cơ quan" in html
    assert "Thành phố Hà Nội (80)" in html
    assert "UBND phường Số 1 " not in html
    html = client.get("/thu-tuc/1.000001/", {"tinh": "79"}).text
    assert "UBND phường Số 0 (Thành phố Hồ Chí Minh)" in html
    assert "(Thành phố Hà Nội)</strong>" not in html
    assert options(html, "apply-agency") == (AGENCY_SELECT_MAX + 10) // 2


def test_a_small_catalogue_keeps_one_list_of_agencies(client: Client, world):
    html = client.get("/").text
    assert 'id="tinh"' not in html
    assert "UBND phường Thử Nghiệm A" in html and "UBND xã Thử Nghiệm B" in html


def test_a_procedure_received_everywhere_never_reads_all_its_agencies(client: Client, national):
    """The page reads at most one list's worth of agencies, then counts by province: at the
    national size (3,321 communes) reading them all cost most of the page's 170 ms."""
    from django.db import connection

    from chinhquyen.units.models import Agency

    read = []

    def count_rows(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("SELECT") and '"units_agency"."agency_id"' in sql:
            read.append(sql)
        return result

    with connection.execute_wrapper(count_rows):
        html = client.get("/thu-tuc/1.000001/", {"tinh": "79"}).text
    assert "UBND phường Số 0 (Thành phố Hồ Chí Minh)" in html
    # Every query that selects agency rows is bounded: the first list's LIMIT, or one province.
    for sql in read:
        assert "LIMIT" in sql.upper() or '"code" = ' in sql or "GROUP BY" in sql.upper(), sql
    assert Agency.objects.count() > AGENCY_SELECT_MAX
