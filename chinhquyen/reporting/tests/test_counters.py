"""Daily counters follow the dossier history in the same transaction, and a rebuild from scratch
gives the same rows."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from chinhquyen.core.errors import ValidationFailed
from chinhquyen.dossiers.services import dossier_act
from chinhquyen.reporting.counters import counters_rebuild
from chinhquyen.reporting.models import COUNTER_FIELDS, DailyCounter

from .conftest import _submit, at, finish

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        (c.agency_id, c.procedure_id, c.day): tuple(getattr(c, f) for f in COUNTER_FIELDS)
        for c in DailyCounter.objects.all()
    }


def totals(**filters):
    return DailyCounter.objects.filter(**filters).aggregate(**{f: Sum(f) for f in COUNTER_FIELDS})


def test_the_scenario_is_counted_per_agency_procedure_and_day(world, scenario):
    a = totals(agency=world.agency_a)
    assert (a["submitted"], a["submitted_online"]) == (4, 3)
    assert (a["accepted"], a["finished"], a["finished_on_time"], a["finished_late"]) == (2, 2, 1, 1)
    assert (a["evaluations"], a["evaluation_points"]) == (1, 12)
    assert totals(agency=world.agency_b)["submitted"] == 1
    day = DailyCounter.objects.get(
        agency=world.agency_a, procedure=world.procedure, day="2026-03-02"
    )
    assert (day.submitted, day.submitted_online, day.accepted) == (3, 3, 2)


def test_a_second_supplement_request_makes_a_dossier_late_even_when_finished_early(world, geo):
    d = _submit(world, agency=world.agency_a, when=at(2026, 3, 2, 9))
    dossier_act(user=world.counter_a, code=d.code, action="accept", at=at(2026, 3, 2, 10))
    for day in (3, 4):
        dossier_act(
            user=world.handler_a,
            code=d.code,
            action="request_supplement",
            comment="Thiếu tờ khai",
            at=at(2026, 3, day, 9),
        )
        dossier_act(
            user=world.citizen, code=d.code, action="submit_supplement", at=at(2026, 3, day, 11)
        )
    d.refresh_from_db()
    assert d.repeated_supplement
    finish(world, d, accepted=None, finished=at(2026, 3, 5, 9), returned=False)
    t = totals()
    assert (t["finished"], t["finished_on_time"], t["finished_late"]) == (1, 0, 1)


def test_a_second_supplement_request_is_late_in_the_public_status_as_in_the_indicator(world, geo):
    """One rule (dossiers/timeliness.py) for the status a citizen reads, the counters and the
    list of late dossiers: they used to disagree (on_time: true, yet listed as late)."""
    from conftest import Api

    from .conftest import PERIOD

    d = _submit(world, agency=world.agency_a, when=at(2026, 3, 2, 9))
    dossier_act(user=world.counter_a, code=d.code, action="accept", at=at(2026, 3, 2, 10))
    for day in (3, 4):
        dossier_act(
            user=world.handler_a,
            code=d.code,
            action="request_supplement",
            comment="Thiếu tờ khai",
            at=at(2026, 3, day, 9),
        )
        dossier_act(
            user=world.citizen, code=d.code, action="submit_supplement", at=at(2026, 3, day, 11)
        )
    status = Api().get(f"/api/v1/dossiers/{d.code}/status").json()
    assert status["on_time"] is False  # already counted against the agency, while still open
    finish(world, d, accepted=None, finished=at(2026, 3, 5, 9), returned=False)
    status = Api().get(f"/api/v1/dossiers/{d.code}/status").json()
    assert status["deadline_state"] == "on_time"  # the clock: finished before the due date
    assert status["on_time"] is False  # the verdict: late, by Decision 766
    late = Api(world.leader_a).get(
        f"/api/v1/indicators/late-dossiers?unit=province:26&period={PERIOD}"
    )
    assert [row["code"] for row in late.json()["dossiers"]] == [d.code]
    assert totals()["finished_late"] == 1


def test_a_refused_transition_leaves_the_counters_as_they_were(world, geo):
    _submit(world, agency=world.agency_a, when=at(2026, 3, 2, 9))
    before = snapshot()
    with pytest.raises(ValidationFailed), transaction.atomic():
        _submit(world, agency=world.agency_a, when=at(2026, 3, 2, 9))
        raise ValidationFailed("rolled back")
    assert snapshot() == before


def test_rebuilding_from_scratch_gives_the_incremental_counters(world, scenario):
    incremental = snapshot()
    assert incremental
    DailyCounter.objects.update(submitted=999)
    counters_rebuild()
    assert snapshot() == incremental


def test_the_cost_of_a_new_dossier_does_not_grow_with_the_table(world, geo):
    def queries_for_one():
        with CaptureQueriesContext(connection) as ctx:
            _submit(world, agency=world.agency_a, when=at(2026, 3, 2, 9))
        return [q["sql"] for q in ctx.captured_queries if "reporting_dailycounter" in q["sql"]]

    first = queries_for_one()
    for _ in range(5):
        _submit(world, agency=world.agency_a, when=at(2026, 3, 2, 9))
    later = queries_for_one()
    assert len(first) == len(later) == 1 and "ON CONFLICT" in later[0]
    assert DailyCounter.objects.get().submitted == 7


def test_the_rebuild_command_reports_the_rows(world, scenario):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("reporting", "rebuild", stdout=out)
    assert out.getvalue().startswith(f"{DailyCounter.objects.count()} counter rows")


def _run(n: int, fn):
    """In parallel threads where the database has concurrent writers (PostgreSQL), one after the
    other on SQLite: the same assertions hold either way."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    if connection.vendor != "postgresql":
        return [fn(i) for i in range(n)]
    barrier = threading.Barrier(n)

    def worker(i):
        try:
            barrier.wait(timeout=30)
            return fn(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(worker, range(n)))


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_and_finishes_are_all_counted(world):
    from chinhquyen.catalogue.models import Procedure
    from chinhquyen.catalogue.services import procedure_link_agencies, procedure_save
    from conftest import procedure_data

    procedure_save(data=procedure_data("1.000002"))
    procedure_link_agencies(
        procedure=Procedure.objects.get(code="1.000002"), agencies=[world.agency_a]
    )
    ready = [_submit(world, agency=world.agency_a, when=at(2026, 3, 2, 9)) for _ in range(6)]

    def work(i):
        if i < 6:  # finish a dossier while others are being submitted
            finish(world, ready[i], accepted=at(2026, 3, 2, 10), finished=at(2026, 3, 3, 9))
        else:
            procedure = "1.000001" if i % 2 else "1.000002"
            _submit(world, agency=world.agency_a, when=at(2026, 3, 3, 9), procedure=procedure)

    _run(16, work)
    t = totals()
    assert (t["submitted"], t["finished"], t["finished_on_time"]) == (16, 6, 6)
    incremental = snapshot()
    counters_rebuild()
    assert snapshot() == incremental
