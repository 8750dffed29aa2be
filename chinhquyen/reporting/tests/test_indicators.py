"""The indicator catalogue as dated data, the formulas, and GET /api/v1/indicators."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from chinhquyen.reporting import indicators as ind
from chinhquyen.reporting.models import Indicator, IndicatorVersion
from conftest import Api

from .conftest import PERIOD

pytestmark = pytest.mark.django_db

SHIPPED = {
    "online.dossiers_share",
    "procedures.full_online",
    "procedures.partial_online",
    "procedures.not_online",
    "online.services_used_share",
    "d766.timeliness",
    "d766.publicity",
    "d766.online.procedures_share",
    "d766.online.dossiers_share",
    "d766.digitisation.e_result_share",
    "d766.satisfaction",
    "tt01.dossier_score",
    "tt01.unit_score",
    "edoc.sent",
    "edoc.received",
    "edoc.signed_share",
    "edoc.signed_personal_share",
    "edoc.signed_agency_share",
    "edoc.signature_format_share",
}


def values(resp):
    assert resp.status_code == 200, resp.content
    return {row["indicator"]: row for row in resp.json()["values"]}


def test_the_migration_loads_the_catalogue_and_loading_again_changes_nothing():
    assert set(Indicator.objects.values_list("code", flat=True)) >= SHIPPED
    count = IndicatorVersion.objects.count()
    assert ind.indicators_load() == {"created": 0, "updated": count}
    assert IndicatorVersion.objects.count() == count


def test_the_version_in_force_on_the_period_end_is_used():
    indicator = Indicator.objects.get(code="online.dossiers_share")
    IndicatorVersion.objects.filter(indicator=indicator, valid_to__isnull=True).update(
        valid_to=dt.date(2026, 1, 1)
    )
    IndicatorVersion.objects.create(
        indicator=indicator,
        valid_from=dt.date(2026, 1, 1),
        name="Tỷ lệ mới",
        definition="…",
        formula={"op": "share", "num": "submitted_online", "den": "submitted"},
        unit_of_measure="%",
        target={"op": ">=", "value": 90},
    )
    assert (
        ind.versions_on(dt.date(2025, 12, 31))["online.dossiers_share"].target["by_level"][
            "province"
        ]
        == 60
    )
    assert ind.versions_on(dt.date(2026, 3, 14))["online.dossiers_share"].name == "Tỷ lệ mới"
    assert "d766.timeliness" not in ind.versions_on(dt.date(2022, 1, 1))


def test_formulas_give_no_data_rather_than_zero():
    share = {"op": "share", "num": "a", "den": "b"}
    assert ind.evaluate(share, {"a": 3, "b": 4}).value == Decimal("75.00")
    assert ind.evaluate(share, {"a": 0, "b": 0}).value is None
    assert ind.evaluate({"op": "sum", "fact": "a"}, {"a": 0}).value == 0
    missing = ind.evaluate(
        {"op": "hundred_minus", "terms": [share, {"op": "no_source", "source": "feedback"}]},
        {"a": 1, "b": 4},
    )
    assert missing.value is None and missing.missing_source == "feedback"
    assert ind.evaluate(
        {"op": "hundred_minus", "terms": [share]}, {"a": 1, "b": 4}
    ).value == Decimal("75.00")


@pytest.mark.parametrize(
    ("score", "label"),
    [
        ("18", "Xuất sắc"),
        ("15", "Xuất sắc"),
        ("14.9", "Tốt"),
        ("12", "Tốt"),
        ("9", "Khá"),
        ("6", "Trung bình"),
        ("5.9", "Yếu"),
    ],
)
def test_circular_01_classifies_unit_scores(score, label):
    version = ind.versions_on(dt.date(2026, 3, 14))["tt01.unit_score"]
    assert ind.classify(version, Decimal(score)) == label


def test_points_are_linear_up_to_the_full_mark():
    version = ind.versions_on(dt.date(2026, 3, 14))["d766.online.dossiers_share"]
    assert ind.points(version, Decimal(25)) == Decimal("4.00")
    assert ind.points(version, Decimal(75)) == Decimal(8)


def test_values_of_a_commune_agency_against_the_80_percent_criterion(world, scenario):
    resp = Api(world.counter_a).get(
        f"/api/v1/indicators?unit=agency:{world.agency_a.agency_id}&period={PERIOD}"
    )
    body = resp.json()
    assert (
        body["unit"]["key"] == f"agency:{world.agency_a.agency_id}"
        and body["period"]["code"] == PERIOD
    )
    assert body["period"]["start"] == "2026-02-15" and body["period"]["end"] == "2026-03-14"
    v = values(resp)
    assert v["online.dossiers_share"]["value"] == 75
    assert (v["online.dossiers_share"]["target"], v["online.dossiers_share"]["meets_target"]) == (
        80,
        False,
    )
    assert v["dossiers.submitted"]["value"] == 4
    assert (
        v["procedures.full_online"]["value"],
        v["procedures.partial_online"]["value"],
        v["procedures.not_online"]["value"],
    ) == (1, 1, 1)
    assert v["online.services_used_share"]["value"] == 50  # 1.000001 used, 1.000003 not
    assert v["d766.timeliness"]["value"] == 50 and v["d766.timeliness"]["points"] == 10
    assert v["tt01.dossier_score"]["value"] == 12
    # The unit-level indicators the system scores: both results handed back at the one-stop
    # (5), no feedback to answer (8), 75 % online (9): 12 + 2 + 2 + 2.
    assert [v[f"tt01.{c}"]["value"] for c in ("i5_one_stop", "i8_feedback", "i9_online")] == [
        2,
        2,
        2,
    ]
    assert (v["tt01.unit_score"]["value"], v["tt01.unit_score"]["class"]) == (18, "Xuất sắc")
    assert v["d766.satisfaction"]["value"] == 50  # 100 − (50 % late + 0 % with a complaint)


def test_the_exchange_figures_show_no_data_never_zero(world, scenario):
    v = values(Api(world.sysadmin).get(f"/api/v1/indicators?unit=nation&period={PERIOD}"))
    for code in (
        "edoc.sent",
        "edoc.received",
        "edoc.signed",
        "edoc.signed_share",
        "edoc.signature_format_share",
    ):
        assert v[code]["value"] is None
        assert "exchange" in v[code]["no_data_reason"]
    assert v["d766.online.payment_share"]["value"] is None


def test_the_exchange_figures_come_from_the_registers_of_agencies_on_the_axis(world, scenario):
    """The inspectors' figures (DOMAIN §0) from the document axis's registers: documents sent
    (one per document, whatever the number of recipients), received, and the signature shares
    over the assessed ones; an agency that is not on the axis still has no data."""
    from chinhquyen.exchange.models import RegisterEntry

    a, b = world.agency_a.agency_id, world.agency_b.agency_id
    when = dt.datetime(2026, 3, 3, 9, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    outside = dt.datetime(2026, 3, 20, 9, tzinfo=dt.timezone(dt.timedelta(hours=7)))

    def line(doc, to, *, personal, agency, decree30, at=when, direction="out"):
        RegisterEntry.objects.create(
            agency_id=a,
            direction=direction,
            document_id=doc,
            message_id=f"m-{doc}-{to}",
            counterpart_id=to,
            status="sent",
            sent_at=at if direction == "out" else None,
            received_at=at if direction == "in" else None,
            personal_signature_valid=personal,
            agency_signature_valid=agency,
            decree30_ok=decree30,
        )

    line("d1", b, personal=True, agency=True, decree30=True)
    line("d1", "000.03.31.H26", personal=True, agency=True, decree30=True)  # same document
    line("d2", b, personal=True, agency=False, decree30=False)
    line("d3", b, personal=False, agency=False, decree30=False)
    line("d4", b, personal=None, agency=None, decree30=None)  # not assessed yet
    line("d5", b, personal=True, agency=True, decree30=True, at=outside)  # next period
    line("r1", b, personal=None, agency=None, decree30=None, direction="in")
    api = Api(world.sysadmin)
    v = values(api.get(f"/api/v1/indicators?unit=agency:{a}&period={PERIOD}"))
    assert v["edoc.sent"]["value"] == 4 and v["edoc.received"]["value"] == 1
    assert v["edoc.signed"]["value"] == 2
    assert Decimal(str(v["edoc.signed_share"]["value"])) == Decimal("66.7")  # 2 of 3 assessed
    assert Decimal(str(v["edoc.signed_personal_share"]["value"])) == Decimal("66.7")
    assert Decimal(str(v["edoc.signed_agency_share"]["value"])) == Decimal("33.3")
    assert Decimal(str(v["edoc.signature_format_share"]["value"])) == Decimal("33.3")
    other = values(api.get(f"/api/v1/indicators?unit=agency:{b}&period={PERIOD}"))
    assert (
        other["edoc.sent"]["value"] is None and "exchange" in other["edoc.sent"]["no_data_reason"]
    )


def test_a_province_meets_the_60_percent_criterion(world, scenario):
    v = values(
        Api(world.sysadmin).get(
            f"/api/v1/indicators?unit=province:26&period={PERIOD}&indicator=online.dossiers_share"
        )
    )
    assert list(v) == ["online.dossiers_share"]
    row = v["online.dossiers_share"]
    assert (row["value"], row["target"], row["meets_target"]) == (80, 60, True)


def test_a_period_without_dossiers_has_no_data(world, scenario):
    v = values(Api(world.sysadmin).get("/api/v1/indicators?unit=province:26&period=ND09-2026-05"))
    assert v["online.dossiers_share"]["value"] is None and v["dossiers.submitted"]["value"] == 0


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        (f"unit=nation&period={PERIOD}&indicator=no.such", 404, "unknown_indicator"),
        (f"unit=province:99&period={PERIOD}", 404, "unknown_unit"),
        (f"unit=planet:1&period={PERIOD}", 404, "unknown_unit"),
        ("unit=nation&period=2026-13", 422, "malformed_period"),
        ("unit=nation", 422, "malformed_period"),
    ],
)
def test_bad_queries_are_problems(world, geo, query, status, code):
    resp = Api(world.sysadmin).get(f"/api/v1/indicators?{query}")
    assert resp.status_code == status
    assert resp["Content-Type"] == "application/problem+json" and resp.json()["code"] == code


# --- who may read what -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees_unpublished"),
    [
        ("sysadmin", True),
        ("counter_a", True),
        ("leader_a", True),
        ("lead1", True),
        ("counter_b", False),
        ("lead2", False),
        ("citizen", False),
        ("outsider", False),
        (None, False),
    ],
)
def test_who_reads_the_unpublished_indicators_of_agency_a(
    world, geo, scenario, persona, sees_unpublished
):
    user = getattr(world, persona, None) or getattr(geo, persona, None) if persona else None
    client = Api(user) if user else Api()
    v = values(
        client.get(f"/api/v1/indicators?unit=agency:{world.agency_a.agency_id}&period={PERIOD}")
    )
    assert ("edoc.sent" in v) is sees_unpublished
    assert v["online.dossiers_share"]["value"] == 75  # published results are public


def test_an_unpublished_indicator_asked_by_name_is_forbidden_to_the_public(world, scenario):
    resp = Client().get(f"/api/v1/indicators?unit=province:26&period={PERIOD}&indicator=edoc.sent")
    assert resp.status_code == 403 and resp.json()["code"] == "indicator_not_public"


def test_results_of_a_running_period_are_not_public_yet(world, geo):
    year = timezone.localdate().year + 1
    resp = Client().get(f"/api/v1/indicators?unit=province:26&period={year}")
    assert resp.status_code == 403 and resp.json()["code"] == "period_not_published"
    assert (
        Api(geo.lead1).get(f"/api/v1/indicators?unit=province:26&period={year}").status_code == 200
    )


def test_the_national_ranking_puts_provinces_in_order(world, geo, scenario):
    resp = Client().get(
        f"/api/v1/indicators/ranking?period={PERIOD}&indicator=online.dossiers_share"
    )
    rows = resp.json()["rows"]
    assert [(r["unit"]["key"], r["rank"], r["value"], r["meets_target"]) for r in rows] == [
        ("province:26", 1, 80, True),
        ("province:27", None, None, None),
    ]


def test_a_bad_token_is_refused_rather_than_read_as_anonymous(world, scenario):
    resp = Client().get(
        f"/api/v1/indicators?unit=nation&period={PERIOD}", headers={"Authorization": "Bearer nope"}
    )
    assert resp.status_code == 401 and resp.json()["code"] == "unauthenticated"


def test_the_load_command_reloads_the_catalogue():
    from io import StringIO

    from django.core.management import call_command

    IndicatorVersion.objects.filter(indicator__code="edoc.sent").update(name="sửa tay")
    out = StringIO()
    call_command("reporting", "load", stdout=out)
    assert '"created": 0' in out.getvalue()
    assert IndicatorVersion.objects.get(indicator__code="edoc.sent").name.startswith("Số văn bản")


@pytest.mark.parametrize(
    ("persona", "codes"),
    [
        ("leader_a", ["late"]),
        ("sysadmin", ["late"]),
        ("citizen", ["late"]),
        ("counter_b", []),
        ("citizen2", []),
    ],
)
def test_the_drill_down_ends_at_the_late_dossiers_each_persona_may_see(
    world, scenario, persona, codes
):
    resp = Api(getattr(world, persona)).get(
        f"/api/v1/indicators/late-dossiers?unit=province:26&period={PERIOD}"
    )
    assert resp.status_code == 200
    names = {scenario.late.code: "late", scenario.on_time.code: "on_time"}
    body = resp.json()
    assert [names[d["code"]] for d in body["dossiers"]] == codes and body["count"] == len(codes)
    if codes:
        row = body["dossiers"][0]
        assert row["reason"] == "after_due" and "applicant" not in json.dumps(row)


def test_late_dossiers_need_a_signed_in_user(world, scenario):
    resp = Client().get(f"/api/v1/indicators/late-dossiers?unit=nation&period={PERIOD}")
    assert resp.status_code == 401
