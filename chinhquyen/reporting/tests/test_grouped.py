"""The two ways of summing per group — in the database on PostgreSQL, per agency in Python
elsewhere — give the same answers, over sealed and unsealed half-months, with overlapping
groups and "every agency"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from chinhquyen.reporting import grouped, rollups
from chinhquyen.reporting.periods import period_parse

from .conftest import _submit, at, finish

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="the in-database grouping is PostgreSQL's; SQLite runs the other one everywhere",
    ),
]


def plain(value):
    """Default dicts and sets, compared as plain values."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, set):
        return sorted(value)
    return value


def test_both_ways_of_grouping_agree(world, geo, scenario):
    # More dossiers across the year boundary, in sealed and in unsealed halves.
    _submit(world, agency=world.agency_b, when=at(2025, 12, 20, 9))
    late = _submit(world, agency=world.agency_a, when=at(2026, 2, 16, 9))
    finish(world, late, accepted=at(2026, 2, 16, 10), finished=at(2026, 3, 20, 9))
    rollups.halves_seal(today=dt.date(2026, 3, 1))  # seals up to mid-February only
    groups = grouped.Groups(
        {
            "a": [world.agency_a.pk],
            "p1": [world.agency_a.pk, world.agency_b.pk, geo.hcc1.pk],
            "b": [world.agency_b.pk],
            "nation": None,
            "empty": [],
        }
    )
    halves = rollups.halves_between(*_span("ND09-2026"))
    assert rollups.sealed_among(halves) and set(halves) - rollups.sealed_among(halves)
    for reader in (grouped.counts, grouped.used):
        inside, outside = (
            plain(reader(groups, halves, in_database=True)),
            plain(reader(groups, halves, in_database=False)),
        )
        assert inside == outside and inside
    assert plain(grouped.offered(groups, in_database=True)) == plain(
        grouped.offered(groups, in_database=False)
    )


def _span(code):
    period = period_parse(code)
    return period.start, period.end
