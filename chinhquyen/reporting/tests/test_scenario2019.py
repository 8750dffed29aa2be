"""The 2019 inspection scenario (``reporting/scenario2019.py``): loaded through the real services,
it makes the reporting centre compute, through its public API, the figures of the seeds.

The pre-2025 units come from the real loader (a couple of seconds), and the scenario is loaded
once for the module inside a transaction that is rolled back at the end; each test runs in a
savepoint inside it, as usual, so none can change what the others see."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from chinhquyen.reporting import scenario2019
from chinhquyen.reporting.scenario2019 import PROVINCES, scenario2019_load

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (settings.LEGACY_UNITS_DIR / "nested-divisions.json").is_file(),
        reason="pre-2025 units not installed (make setup)",
    ),
]

SEEDS_SIGNED = {"26": Decimal("17.9"), "30": Decimal("35.5"), "24": Decimal("100")}
NEARLY_ALL_SIGNED = ("31", "01", "27", "19")  # Hải Phòng, Hà Nội, Bắc Ninh, Thái Nguyên
FORMAT_COMPLIANT = {"01", "24"}  # Hà Nội, Bắc Giang; the other six did not comply


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    from chinhquyen.units.services import units_load

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            units_load()
            yield scenario2019_load()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def anonymous(path: str) -> dict:
    resp = Client().get(path)
    assert resp.status_code == 200, resp.content
    return resp.json()


def ranking(period: str, indicator: str) -> dict[str, dict]:
    body = anonymous(f"/api/v1/indicators/ranking?period={period}&indicator={indicator}")
    return {row["unit"]["key"].removeprefix("province:"): row for row in body["rows"]}


def value(unit: str, period: str, indicator: str):
    body = anonymous(f"/api/v1/indicators?unit={unit}&period={period}&indicator={indicator}")
    (row,) = body["values"]
    return row


def test_the_scenario_loads_the_eight_provinces(loaded):
    assert loaded["loaded"] is True
    assert loaded["agencies"] == 16 and loaded["procedures"] == 260
    assert {p.code for p in PROVINCES} == {"01", "31", "27", "24", "19", "26", "25", "30"}


def test_the_signed_shares_of_2019_are_those_the_inspectors_reported(loaded):
    rows = ranking("2019", "edoc.signed_share")
    for code, share in SEEDS_SIGNED.items():
        assert Decimal(str(rows[code]["value"])) == share
    for code in NEARLY_ALL_SIGNED:
        assert Decimal("98") <= Decimal(str(rows[code]["value"])) < Decimal("100")
    assert rows["24"]["rank"] == 1  # Bắc Giang: every document signed
    assert rows["30"]["rank"] == 7 and rows["26"]["rank"] == 8  # Hải Dương, then Vĩnh Phúc last
    assert {rows[code]["rank"] for code in NEARLY_ALL_SIGNED} == {2, 3, 4, 5}
    assert rows["25"]["value"] == 65  # Phú Thọ: not in the seeds, illustrative
    assert rows["24"]["meets_target"] is True and rows["26"]["meets_target"] is False
    # The other 55 provinces of 2019 have no document on the axis: no data, not 0 %.
    others = [row for code, row in rows.items() if code not in {p.code for p in PROVINCES}]
    assert len(others) == 55
    assert all(row["value"] is None and row["rank"] is None for row in others)


def test_six_of_the_eight_did_not_follow_the_signature_format(loaded):
    from chinhquyen.reporting.indicators import versions_on

    version = versions_on(dt.date(2019, 12, 31))["edoc.signature_format_share"]
    assert (version.valid_from, version.valid_to) == (dt.date(2018, 2, 5), dt.date(2020, 3, 5))
    assert "41/2017/TT-BTTTT" in version.formula_ref and "unconfirmed" in version.formula_ref
    later = versions_on(dt.date(2020, 12, 31))["edoc.signature_format_share"]
    assert later.valid_from == dt.date(2020, 3, 5) and "30/2020" in later.formula_ref
    rows = ranking("2019", "edoc.signature_format_share")
    for code in FORMAT_COMPLIANT:
        assert rows[code]["value"] == 100
    others = {p.code for p in PROVINCES} - FORMAT_COMPLIANT
    assert len(others) == 6
    for code in others:
        assert rows[code]["value"] is not None and rows[code]["value"] < 50


def test_in_2017_only_11_54_percent_of_the_online_services_received_an_online_dossier(loaded):
    from chinhquyen.reporting.indicators import versions_on

    row = value("nation", "2017", "online.services_used_share")
    assert row["value"] == 11.54  # 30 of 260
    version = versions_on(dt.date(2017, 12, 31))["online.services_used_share"]
    assert version.valid_to == dt.date(2019, 1, 1) and "43/2011" in version.formula_ref
    # Hải Dương published by far the most services (1,700+ and 118 in the seeds, scaled 1:20).
    totals = {
        p.code: value(f"province:{p.code}", "2019", "procedures.total")["value"] for p in PROVINCES
    }
    assert totals["30"] == 91 and max(totals, key=totals.get) == "30"
    assert sum(totals.values()) == 260


def test_bac_ninh_recorded_no_online_dossier_in_2017(loaded):
    row = value("province:27", "2017", "online.dossiers_share")
    assert row["value"] == 0 and row["no_data_reason"] is None  # a real zero, not "no data"
    assert row["target"] is None  # the 60 % criterion was stated in 2019
    assert value("province:27", "2017", "online.services_used_share")["value"] == 0
    assert value("province:01", "2017", "online.dossiers_share")["value"] > 0


def test_the_historical_agencies_are_inactive_and_belong_to_the_provinces_of_their_time(loaded):
    from chinhquyen.units.models import Agency, Generation

    for province in PROVINCES:
        for agency_id in (
            scenario2019.pc_id(province.code),
            scenario2019.one_stop_id(province.code),
        ):
            agency = Agency.objects.select_related("unit").get(agency_id=agency_id)
            assert not agency.is_active
            assert (agency.unit.generation, agency.unit.code) == (Generation.LEGACY, province.code)
            assert not agency_id.endswith(f".H{province.code}")  # apart from the demo's ids


def test_the_2017_procedures_are_not_offered_today(loaded):
    code = "HDG-2017-0001"
    listing = anonymous(f"/api/v1/procedures?q={code}")
    assert listing["count"] == 0
    assert Client().get(f"/api/v1/procedures/{code}").status_code == 404
    page = Client().get(f"/thu-tuc/{code}/")
    assert page.status_code == 404
    home = Client().get("/", {"q": "Đăng ký khai sinh (cấp huyện)"})
    assert home.status_code == 200 and b"HDG-2017" not in home.content


def test_loading_again_changes_nothing(loaded):
    from django.contrib.auth import get_user_model

    from chinhquyen.audit.models import AuditRecord
    from chinhquyen.catalogue.models import Procedure, ProcedureVersion
    from chinhquyen.dossiers.models import Dossier, DossierEvent
    from chinhquyen.exchange.models import RegisterEntry
    from chinhquyen.reporting.models import DailyCounter, IndicatorVersion
    from chinhquyen.units.models import Agency

    models = (
        Agency,
        Procedure,
        ProcedureVersion,
        Dossier,
        DossierEvent,
        DailyCounter,
        RegisterEntry,
        get_user_model(),
        AuditRecord,
        IndicatorVersion,
    )

    def counts():
        return {m.__name__: m.objects.count() for m in models}

    before = counts()
    assert before["Dossier"] == loaded["dossiers"]
    assert before["RegisterEntry"] == loaded["register_lines"]
    assert scenario2019_load() == {"loaded": False, "reason": "already there"}
    assert counts() == before
