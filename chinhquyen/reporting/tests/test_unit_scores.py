"""Circular 01/2018's unit-level indicators the system scores (5, 8, 9), the unit score with its
class, and Decision 766's satisfaction with the feedback module as its complaint source."""

from __future__ import annotations

import pytest

from chinhquyen.feedback.services import feedback_accept, feedback_answer, feedback_submit
from chinhquyen.reporting import indicators as ind
from chinhquyen.reporting.periods import period_parse
from chinhquyen.reporting.selectors import facts_for_groups, indicator_values

from .conftest import PERIOD, at

pytestmark = pytest.mark.django_db


def values(world, unit=None):
    unit = unit or f"agency:{world.agency_a.agency_id}"
    rows = indicator_values(user=world.sysadmin, unit=unit, period=PERIOD, indicator=None)
    return {row["indicator"]: row["value"] for row in rows["values"]}


def feedback(world, *, answered, dossier=None):
    """One feedback to agency A received on 2 March; answered on ``answered`` (or never)."""
    item, _token = feedback_submit(
        kind="ho-so" if dossier else "co-quan",
        description="Hồ sơ chậm, đề nghị xem xét.",
        title="Chậm giải quyết",
        user=world.citizen,
        agency_id=world.agency_a.agency_id,
        dossier_code=dossier.code if dossier else "",
        at=at(2026, 3, 2, 9),
    )
    feedback_accept(user=world.leader_a, code=item.code, at=at(2026, 3, 2, 10))
    if answered:
        feedback_answer(user=world.leader_a, code=item.code, answer="Đã xử lý.", at=answered)
    return item


def test_feedback_answered_late_costs_the_unit_its_indicator_8_points(world, scenario):
    assert values(world)["tt01.i8_feedback"] == 2  # nothing to answer: full points
    feedback(world, answered=at(2026, 3, 4, 9))  # within 15 working days
    v = values(world)
    assert v["feedback.answered_on_time_share"] == 100 and v["tt01.i8_feedback"] == 2
    feedback(world, answered=at(2026, 4, 10, 9))  # after the deadline
    feedback(world, answered=None)  # never answered (the deadline has passed since)
    v = values(world)
    assert v["feedback.answered_on_time_share"] == pytest.approx(33.33)
    assert v["tt01.i8_feedback"] == 0
    assert v["tt01.unit_score"] == 16  # 12 + 2 + 0 + 2
    assert v["tt01.unit_score"] is not None


def test_a_complaint_about_a_dossier_lowers_the_satisfaction_of_decision_766(world, scenario):
    assert values(world)["d766.satisfaction"] == 50  # 1 of 2 finished late
    feedback(world, answered=at(2026, 3, 4, 9), dossier=scenario.on_time)
    facts = facts_for_groups({"a": [world.agency_a.pk]}, period_parse(PERIOD))["a"]
    assert facts["feedback_dossiers"] == 1
    assert values(world)["d766.satisfaction"] == 0  # 100 − (50 + 50)
    assert values(world, unit=f"agency:{world.agency_b.agency_id}")["d766.satisfaction"] is None


def test_points_go_by_bands_and_a_missing_source_stays_no_data():
    bands = {
        "op": "bands",
        "value": {"op": "share", "num": "a", "den": "b"},
        "bands": [[80, 1], [95, 2], [0, 0]],
        "no_data": 2,
    }
    assert [ind.evaluate(bands, {"a": a, "b": 100}).value for a in (96, 95, 90, 79, 0)] == [
        2,
        2,
        1,
        0,
        0,
    ]
    assert ind.evaluate(bands, {"a": 0, "b": 0}).value == 2
    missing = {**bands, "value": {"op": "no_source", "source": "x"}}
    assert ind.evaluate(missing, {}).value is None


def test_the_unit_score_refers_to_the_points_and_is_expanded_when_loaded():
    from chinhquyen.reporting.models import IndicatorVersion

    formula = IndicatorVersion.objects.get(indicator__code="tt01.unit_score").formula
    ops = [term["op"] for term in formula["terms"]]
    assert ops == ["ratio", "bands", "bands", "bands"]
    with pytest.raises(ValueError, match="no version"):
        ind.expand_refs({"op": "ref", "indicator": "nope"}, {}, day=period_parse(PERIOD).end)


def test_the_766_index_is_on_100_points_over_the_indicators_with_data(world, scenario):
    v = values(world)
    # Measured: timeliness 50 % → 10/20, procedures online 2 of 3 (66.67 % of 80) → 5/6,
    # services used 50 % → 2/4, dossiers online 75 % (full at 50) → 8/8, electronic results
    # 0 % → 0/8, satisfaction 50 % → 9/18: 34 of 64 points → 53.13 on 100.
    assert v["d766.index"] == pytest.approx(53.13)
    formula = ind.versions_on(period_parse(PERIOD).end)["d766.index"].formula
    assert all("formula" in part and "scoring" in part for part in formula["parts"])


def test_an_index_without_any_measured_part_is_no_data():
    part = {
        "formula": {"op": "no_source", "source": "x"},
        "scoring": {"max_points": 5, "full_at": 100},
    }
    assert ind.evaluate({"op": "index", "parts": [part]}, {}).value is None
