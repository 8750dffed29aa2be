"""Half-month roll-ups of the daily counters, so that a dashboard over a year of a whole country
reads a few tens of thousands of rows, not millions.

Every reporting period is a run of whole **half-months**: calendar periods start on the 1st and
end on a month's last day; Decree 09/2019 periods start the day after the cut-off (the 15th) and
end on the cut-off (the 14th). So a half-month is [1st, cut-off] or [cut-off + 1, month end].

- The hot path does not change: each dossier event adds to its ``DailyCounter`` row (one upsert).
- Once a half-month is over (``SEAL_GRACE_DAYS`` after its last day), ``halves_seal`` — a periodic
  job — sums its daily rows per agency into ``AgencyHalfCounter`` and ORs its bit into the
  per-(agency, procedure, year) ``OnlineUse`` masks, and records a ``SealedHalf``. Each half is
  sealed once, so the work per half does not grow with the history.
- Readers take the sealed halves from the roll-ups and the others (the current half, or every
  half when the job has not run) from the daily rows: the answer is the same either way, only
  the cost differs (tests check both paths agree).
- Events are counted on the day they happen, so a sealed half receives nothing new — except a
  back-dated event (demo data, a historical import): ``counter_add`` then adds it to the
  roll-ups too (``late_write``). Sealing takes a SHARE lock on the daily table on PostgreSQL, so a
  writer either commits before the seal reads (and is summed) or writes after it and sees the
  seal (and adds itself to the roll-up); on SQLite writers are serialised anyway.
- ``counters_rebuild`` drops the roll-ups with the daily rows; changing REPORTING_CUTOFF_DAY
  needs a rebuild (the roll-ups are keyed by the half-months of the old cut-off; readers check
  each sealed half's exact span and ignore the ones that do not match).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from chinhquyen.core.pagecache import REPORTING, page_cache_changed

from .models import (
    COUNTER_FIELDS,
    AgencyHalfCounter,
    DailyCounter,
    OnlineUse,
    ProcedureHalfCounter,
    SealedHalf,
)

SEAL_GRACE_DAYS = 2  # a half is sealed only this many days after its last day
LATE_WRITE_DAYS = 1  # a write for a day older than this checks whether its half is sealed


def split_day() -> int:
    """The first day of a month's second half: the day after the Decree 09 cut-off."""
    return int(getattr(settings, "REPORTING_CUTOFF_DAY", 14)) + 1


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


@dataclass(frozen=True, order=True)
class Half:
    start: dt.date
    end: dt.date

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def index(self) -> int:
        """0–23 within the year: the bit of ``OnlineUse.halves``."""
        return (self.start.month - 1) * 2 + (self.start.day != 1)

    @property
    def bit(self) -> int:
        return 1 << self.index

    def next(self) -> Half:
        return half_of(self.end + dt.timedelta(days=1))


def half_of(day: dt.date) -> Half:
    split = split_day()
    if day.day < split:
        return Half(day.replace(day=1), day.replace(day=split - 1))
    return Half(day.replace(day=split), _month_end(day.year, day.month))


def halves_between(start: dt.date, end: dt.date) -> list[Half] | None:
    """The half-months that exactly make up [start, end], or None if the span is not aligned."""
    first = half_of(start)
    if first.start != start:
        return None
    result = [first]
    while result[-1].end < end:
        result.append(result[-1].next())
    return result if result[-1].end == end else None


def sealed_versions(halves: list[Half]) -> dict[Half, tuple]:
    """The sealed halves among ``halves`` with what identifies their content: when they were
    sealed and how many back-dated writes they took since (a rebuild seals them anew)."""
    if not halves:
        return {}
    rows = SealedHalf.objects.filter(start__in=[h.start for h in halves]).values_list(
        "start", "end", "sealed_at", "revision"
    )
    wanted = set(halves)
    result = {
        Half(s, e): (at.isoformat(), revision)
        for s, e, at, revision in rows
        if Half(s, e) in wanted
    }
    # Halves that end before the first counted day hold nothing (yet): as good as sealed, and
    # identified by that first day (a back-dated write before it moves it).
    first = DailyCounter.objects.order_by("day").values_list("day", flat=True).first()
    for half in wanted - result.keys():
        if first is None or half.end < first:
            result[half] = ("empty", first.isoformat() if first else None)
    return result


def sealed_among(halves: list[Half]) -> set[Half]:
    if not halves:
        return set()
    rows = SealedHalf.objects.filter(start__in=[h.start for h in halves]).values_list(
        "start", "end"
    )
    wanted = set(halves)
    return {h for h in (Half(s, e) for s, e in rows) if h in wanted}


# --- sealing ----------------------------------------------------------------------------------


def _table(model) -> str:
    return model._meta.db_table


def half_seal(half: Half) -> bool:
    """Roll up one half-month. False if it was already sealed (by another process)."""
    daily, agg, use = _table(DailyCounter), _table(AgencyHalfCounter), _table(OnlineUse)
    fields = ", ".join(COUNTER_FIELDS)
    sums = ", ".join(f"SUM({f})" for f in COUNTER_FIELDS)
    start = connection.ops.adapt_datefield_value(half.start)
    end = connection.ops.adapt_datefield_value(half.end)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Wait for the writers already in flight, keep new ones out until COMMIT: see above.
            cursor.execute(f"LOCK TABLE {daily} IN SHARE MODE")
        cursor.execute(
            f"INSERT INTO {_table(SealedHalf)} (start, {connection.ops.quote_name('end')}, "  # noqa: S608
            "sealed_at, agencies, revision) VALUES (%s, %s, %s, 0, 0) "
            "ON CONFLICT (start) DO NOTHING",
            [start, end, timezone.now()],
        )
        if cursor.rowcount == 0:
            return False
        cursor.execute(
            f"INSERT INTO {agg} (agency_id, start, {fields}) "  # noqa: S608 - names are ours
            f"SELECT agency_id, %s, {sums} FROM {daily} WHERE day >= %s AND day <= %s "
            "GROUP BY agency_id",
            [start, start, end],
        )
        agencies = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {_table(ProcedureHalfCounter)} (agency_id, procedure_id, start, "  # noqa: S608
            f"{fields}) SELECT agency_id, procedure_id, %s, {sums} FROM {daily} "
            "WHERE day >= %s AND day <= %s GROUP BY agency_id, procedure_id",
            [start, start, end],
        )
        cursor.execute(
            f"INSERT INTO {use} (agency_id, procedure_id, year, halves) "  # noqa: S608
            f"SELECT agency_id, procedure_id, %s, %s FROM {daily} "
            "WHERE day >= %s AND day <= %s AND submitted_online > 0 "
            "GROUP BY agency_id, procedure_id "
            f"ON CONFLICT (agency_id, procedure_id, year) DO UPDATE SET "
            f"halves = {use}.halves | excluded.halves",
            [half.year, half.bit, start, end],
        )
        SealedHalf.objects.filter(start=half.start).update(agencies=max(agencies, 0))
    return True


def halves_seal(*, today: dt.date | None = None) -> list[Half]:
    """Seal every half-month that ended ``SEAL_GRACE_DAYS`` ago and is not sealed yet. Idempotent;
    the periodic job calls it."""
    today = today or timezone.localdate()
    horizon = today - dt.timedelta(days=SEAL_GRACE_DAYS)
    first = DailyCounter.objects.order_by("day").values_list("day", flat=True).first()
    if first is None:
        return []
    done = set(SealedHalf.objects.values_list("start", flat=True))
    sealed = []
    half = half_of(first)
    while half.end < horizon:
        if half.start not in done and half_seal(half):
            sealed.append(half)
        half = half.next()
    return sealed


def late_write(*, agency_id: int, procedure_id: int, day: dt.date, deltas: dict[str, int]) -> None:
    """A counter write for a day that may be in a sealed half: add it to the roll-ups too. Called
    by ``counter_add`` after the daily upsert (so that, on PostgreSQL, it has waited for any seal
    in progress), only for days older than ``LATE_WRITE_DAYS``: events happening now never pay."""
    # The local date is the UTC date or a neighbour of it: a day this recent needs no clock
    # of the current time zone (a look-up through asgiref, on every submission).
    if day >= dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1 - LATE_WRITE_DAYS):
        return
    if day >= timezone.localdate() - dt.timedelta(days=LATE_WRITE_DAYS):
        return
    half = half_of(day)
    if not SealedHalf.objects.filter(start=half.start, end=half.end).update(
        revision=F("revision") + 1  # answers cached for this half are stale now
    ):
        return
    page_cache_changed(REPORTING)  # and so are the public pages drawn from them
    names = list(deltas)
    start = connection.ops.adapt_datefield_value(half.start)
    counts = [deltas.get(f, 0) for f in COUNTER_FIELDS]
    with connection.cursor() as cursor:
        for model, keys, key_values in (
            (AgencyHalfCounter, ["agency_id", "start"], [agency_id, start]),
            (
                ProcedureHalfCounter,
                ["agency_id", "procedure_id", "start"],
                [agency_id, procedure_id, start],
            ),
        ):
            table = _table(model)
            values = [*key_values, *counts]
            updates = ", ".join(f"{n} = {table}.{n} + excluded.{n}" for n in names)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join([*keys, *COUNTER_FIELDS])}) "  # noqa: S608
                f"VALUES ({', '.join(['%s'] * len(values))}) "
                f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}",
                values,
            )
        if deltas.get("submitted_online"):
            use = _table(OnlineUse)
            cursor.execute(
                f"INSERT INTO {use} (agency_id, procedure_id, year, halves) "  # noqa: S608
                "VALUES (%s, %s, %s, %s) ON CONFLICT (agency_id, procedure_id, year) "
                f"DO UPDATE SET halves = {use}.halves | excluded.halves",
                [agency_id, procedure_id, half.year, half.bit],
            )


def rollups_clear() -> None:
    """Forget every roll-up (``counters_rebuild`` rewrites the daily rows under them)."""
    OnlineUse.objects.all().delete()
    AgencyHalfCounter.objects.all().delete()
    ProcedureHalfCounter.objects.all().delete()
    SealedHalf.objects.all().delete()


# --- reading ----------------------------------------------------------------------------------


def merged_spans(halves: list[Half]) -> list[tuple[dt.date, dt.date]]:
    spans: list[list[dt.date]] = []
    for half in sorted(halves):
        if spans and spans[-1][1] + dt.timedelta(days=1) == half.start:
            spans[-1][1] = half.end
        else:
            spans.append([half.start, half.end])
    return [(a, b) for a, b in spans]


# Above this many agencies a filter on them costs more (a long IN list) than reading the rows of
# every agency: a national ranking reads everything, a commune's page filters.
FILTER_LIMIT = 500


def small(agency_ids: set[int] | None) -> set[int] | None:
    """The agencies worth filtering on, or None (read them all, group in Python)."""
    return agency_ids if agency_ids is not None and len(agency_ids) <= FILTER_LIMIT else None


def _restrict(rows, agency_ids: set[int] | None):
    agency_ids = small(agency_ids)
    return rows if agency_ids is None else rows.filter(agency_id__in=agency_ids)


def raw_rows(queryset) -> list[tuple]:
    """The rows of a ``values_list`` queryset as the driver returns them, without the ORM's
    per-row converters: for aggregates over thousands of groups, integer columns only."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
