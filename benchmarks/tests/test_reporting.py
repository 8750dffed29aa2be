"""The generator of `make bench-reporting` at a small scale: COPY-loaded dossiers and the
counters written beside them give the dashboard exactly what the naive queries over the dossier
table give, before and after sealing; the table's indexes come back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection

from benchmarks import reporting as bench
from chinhquyen.reporting import rollups
from chinhquyen.reporting.periods import period_parse
from chinhquyen.reporting.selectors import facts_for_groups

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="the generator loads with PostgreSQL COPY",
    ),
    pytest.mark.django_db(transaction=True),
]


def indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        return {row[0] for row in cursor.fetchall()}


def dashboard(period, ids) -> tuple[int, int, int, int]:
    facts = facts_for_groups({"n": None, "p": ids}, period)
    return (
        facts["n"]["submitted"],
        facts["n"]["submitted_online"],
        facts["p"]["finished"],
        facts["p"]["finished_on_time"],
    )


def test_generated_dossiers_and_counters_agree_with_the_naive_queries(world, geo):
    from chinhquyen.catalogue.models import Procedure

    Procedure.objects.get(code="1.000001").agencies.add(geo.hcc1, geo.hcc2)
    before = indexes("dossiers_dossier")
    result = bench.dossiers_generate(
        total=3000, start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 30), seed=7
    )
    assert result["dossiers"] == 3000 and result["counter_rows"] > 0
    assert indexes("dossiers_dossier") == before
    for code in ("2026-Q2", "ND09-2026-9T"):
        period = period_parse(code)
        naive = bench.naive_province_online(period=period)
        ids = [world.agency_a.pk, world.agency_b.pk, geo.hcc1.pk]
        timeliness = bench.naive_timeliness(period=period, agency_ids=ids, by="agency_id")

        expected = (
            sum(n for n, _o in naive.values()),
            sum(o for _n, o in naive.values()),
            sum(n for n, _ok in timeliness.values()),
            sum(ok for _n, ok in timeliness.values()),
        )
        assert expected[0] > 0 and dashboard(period, ids) == expected
        rollups.halves_seal()
        assert dashboard(period, ids) == expected
