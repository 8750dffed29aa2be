"""Half-month roll-ups: every period is made of half-months, sealed halves answer exactly what the
daily rows answer, back-dated events after a seal are not lost, and a seal racing with writers
on PostgreSQL loses nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db.models import Sum

from chinhquyen.reporting import rollups
from chinhquyen.reporting.counters import counters_rebuild
from chinhquyen.reporting.models import (
    COUNTER_FIELDS,
    AgencyHalfCounter,
    DailyCounter,
    OnlineUse,
    SealedHalf,
)
from chinhquyen.reporting.periods import nd09_periods_of_year, period_parse
from chinhquyen.reporting.selectors import facts_for_groups

from .conftest import PERIOD, _catalogue, _submit, at
from .test_counters import _run

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 2)
PERIODS = [PERIOD, "ND09-2026-Q1", "ND09-2026", "2026", "2026-03", "2026-Q1", "2026-H1"]


def facts(world, codes=PERIODS):
    groups = {"a": [world.agency_a.pk], "b": [world.agency_b.pk], "all": None}
    return {code: facts_for_groups(groups, period_parse(code)) for code in codes}


def test_every_period_is_a_run_of_half_months():
    for year in range(2017, 2028):
        codes = [str(year), f"{year}-H1", f"{year}-H2", f"{year}-Q1", f"{year}-Q4", f"{year}-02"]
        periods = [period_parse(c) for c in codes] + nd09_periods_of_year(year)
        for period in periods:
            halves = rollups.halves_between(period.start, period.end)
            assert halves, period.code
            assert halves[0].start == period.start and halves[-1].end == period.end
            for before, after in zip(halves, halves[1:], strict=False):
                assert before.end + dt.timedelta(days=1) == after.start
    assert len(rollups.halves_between(*_span("ND09-2026"))) == 24
    assert rollups.halves_between(dt.date(2026, 3, 2), dt.date(2026, 3, 14)) is None


def _span(code):
    period = period_parse(code)
    return period.start, period.end


def test_half_indexes_are_the_bits_of_the_year():
    assert rollups.half_of(dt.date(2026, 1, 3)).index == 0
    assert rollups.half_of(dt.date(2026, 1, 15)).index == 1
    assert rollups.half_of(dt.date(2026, 12, 31)).index == 23
    assert rollups.half_of(dt.date(2024, 2, 29)) == rollups.Half(
        dt.date(2024, 2, 15), dt.date(2024, 2, 29)
    )


def per_procedure(world, code=PERIOD):
    from chinhquyen.reporting.grouped import procedure_counts

    period = period_parse(code)
    agencies = {world.agency_a.pk, world.agency_b.pk}
    return procedure_counts(agencies, rollups.halves_between(period.start, period.end))


def test_sealed_halves_answer_exactly_what_the_daily_rows_answer(world, scenario):
    by_procedure = per_procedure(world)
    assert by_procedure[world.procedure.pk][0] == 4  # 1.000001: 3 at A, 1 at B
    before = facts(world)
    assert before[PERIOD]["a"]["submitted"] == 4  # the scenario is there
    sealed = rollups.halves_seal(today=TODAY)
    assert rollups.Half(dt.date(2026, 3, 1), dt.date(2026, 3, 14)) in sealed
    assert SealedHalf.objects.count() == len(sealed)
    assert facts(world) == before
    daily = DailyCounter.objects.filter(day__range=("2026-03-01", "2026-03-14")).aggregate(
        **{f: Sum(f) for f in COUNTER_FIELDS}
    )
    rolled = AgencyHalfCounter.objects.filter(start="2026-03-01").aggregate(
        **{f: Sum(f) for f in COUNTER_FIELDS}
    )
    assert rolled == daily
    assert OnlineUse.objects.filter(year=2026, halves=1 << 4).exists()  # 1–14 March
    assert per_procedure(world) == by_procedure


def test_sealing_waits_for_the_half_to_be_over_and_happens_once(world, scenario):
    # The first counted day is 2 March: nothing earlier to seal, and 14 March is within the grace.
    assert rollups.halves_seal(today=dt.date(2026, 3, 16)) == []
    assert rollups.halves_seal(today=dt.date(2026, 3, 17)) == [
        rollups.Half(dt.date(2026, 3, 1), dt.date(2026, 3, 14))
    ]
    assert rollups.halves_seal(today=dt.date(2026, 3, 17)) == []
    assert not rollups.half_seal(rollups.Half(dt.date(2026, 3, 1), dt.date(2026, 3, 14)))


def test_a_back_dated_event_after_the_seal_is_added_to_the_rollups(world, scenario):
    rollups.halves_seal(today=TODAY)
    _submit(world, agency=world.agency_b, when=at(2026, 3, 10, 9))  # online, into a sealed half
    after = facts(world)
    assert after[PERIOD]["b"]["submitted"] == 2
    assert after[PERIOD]["b"]["procedures_online_used"] == 1
    by_procedure = per_procedure(world)
    assert by_procedure[world.procedure.pk][0] == 5
    counters_rebuild()  # drops the roll-ups: the same values from the daily rows
    assert SealedHalf.objects.count() == 0
    assert facts(world) == after and per_procedure(world) == by_procedure


def test_online_use_crosses_the_year_in_decree_09_periods(world, geo):
    _submit(world, agency=world.agency_a, when=at(2025, 12, 20, 9))
    rollups.halves_seal(today=TODAY)
    assert OnlineUse.objects.get(year=2025).halves == 1 << 23
    by_period = facts(world, ["ND09-2026-Q1", "2026-Q1", "2025"])
    assert by_period["ND09-2026-Q1"]["a"]["procedures_online_used"] == 1
    assert by_period["2026-Q1"]["a"]["procedures_online_used"] == 0
    assert by_period["2025"]["a"]["submitted_online"] == 1


def test_a_changed_cut_off_ignores_the_old_rollups(world, scenario, settings):
    rollups.halves_seal(today=TODAY)
    settings.REPORTING_CUTOFF_DAY = 20
    sealed_facts = facts(world, ["2026-03", "ND09-2026-03"])
    SealedHalf.objects.all().delete()
    assert facts(world, ["2026-03", "ND09-2026-03"]) == sealed_facts
    assert sealed_facts["ND09-2026-03"]["a"]["submitted"] == 4  # 21/02–20/03 holds them all


def test_the_seal_command_and_the_periodic_job(world, scenario):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("reporting", "seal", stdout=out)
    assert SealedHalf.objects.filter(start="2026-03-01").exists()
    assert "2026-03-01" in out.getvalue()

    from chinhquyen.reporting.periodic import JOBS

    job = next(j for j in JOBS if j.name == "reporting_seal")
    assert job.run() == 0  # nothing left to seal


@pytest.mark.postgres
@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL: concurrent writers and the table lock",
)
@pytest.mark.django_db(transaction=True)
def test_a_seal_racing_with_back_dated_writers_loses_nothing(world, geo):
    _catalogue(world)
    half = rollups.Half(dt.date(2026, 3, 1), dt.date(2026, 3, 14))
    _submit(world, agency=world.agency_a, when=at(2026, 3, 2, 9))

    def work(i):
        if i == 0:
            return rollups.half_seal(half)
        _submit(world, agency=world.agency_a, when=at(2026, 3, 2 + i % 10, 9), counter=i % 3 == 0)
        return None

    _run(12, work)
    assert SealedHalf.objects.filter(start=half.start).exists()
    rolled = AgencyHalfCounter.objects.get(agency=world.agency_a, start=half.start)
    assert (rolled.submitted, rolled.submitted_online) == (12, 9)
    daily = DailyCounter.objects.filter(day__range=(half.start, half.end)).aggregate(
        s=Sum("submitted")
    )
    assert daily["s"] == 12


def test_answers_for_closed_sealed_periods_are_cached_until_their_data_changes(world, scenario):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rollups.halves_seal(today=TODAY)
    first = facts(world, ["ND09-2026-03"])
    with CaptureQueriesContext(connection) as warm:
        assert facts(world, ["ND09-2026-03"]) == first
    reads = [q["sql"] for q in warm.captured_queries if "agencyhalfcounter" in q["sql"]]
    assert not reads  # served from the cache: no roll-up read
    # A back-dated dossier lands in the sealed half: a new revision, a new answer.
    _submit(world, agency=world.agency_b, when=at(2026, 3, 10, 9))
    assert SealedHalf.objects.get(start="2026-03-01").revision == 1
    assert facts(world, ["ND09-2026-03"])["ND09-2026-03"]["b"]["submitted"] == 2
    # So does a change of the catalogue's links (procedures offered).
    from chinhquyen.catalogue.models import Procedure

    Procedure.objects.get(code="1.000002").agencies.add(world.agency_b)
    assert facts(world, ["ND09-2026-03"])["ND09-2026-03"]["b"]["procedures_total"] == 2


def test_open_or_unsealed_periods_are_never_cached(world, scenario):
    from django.db import connection

    facts(world, ["ND09-2026-03"])  # not sealed yet
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reporting_cache")
        assert cursor.fetchone()[0] == 0
    rollups.halves_seal(today=TODAY)
    facts(world, ["ND09-2026-03"])  # closed and sealed: kept, in the table every worker reads
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reporting_cache")
        assert cursor.fetchone()[0] == 1
