"""The counters, the catalogue links and the online use, summed per *group* of agencies (the
provinces of a ranking, the communes of a drill-down, "every agency" for the nation).

Two implementations give the same answers (a test compares them on PostgreSQL):

- on PostgreSQL the grouping happens in the database: the (agency, group) pairs go in as two
  arrays (``unnest``) joined to the roll-ups, so a national ranking over many periods reads a few
  hundred rows whatever the number of agencies or dossiers;
- elsewhere (SQLite: the embedded default, small deployments) rows come back per agency and are
  grouped in Python.

Every reader takes the half-months it needs (``rollups.Half``): sealed halves from the roll-ups,
the others from the daily rows, as ``rollups`` explains.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import F, Q, Sum

from .models import COUNTER_FIELDS, AgencyHalfCounter, DailyCounter, OnlineUse
from .rollups import Half, half_of, merged_spans, sealed_among, small

Counts = dict[int, dict[Half, list[int]]]  # group -> half -> COUNTER_FIELDS


class Groups:
    """Named groups of agencies; ``None`` stands for every agency. Groups may overlap."""

    def __init__(self, groups: dict[str, Iterable[int] | None]) -> None:
        self.keys = list(groups)
        self.members = {
            i: None if ids is None else set(ids) for i, ids in enumerate(groups.values())
        }
        self.everyone = [i for i, ids in self.members.items() if ids is None]
        self.pairs = [(a, i) for i, ids in self.members.items() if ids is not None for a in ids]
        self.agencies = None if self.everyone else {a for a, _i in self.pairs}

    def of(self) -> dict[int, list[int]]:
        """agency -> the (non-"everyone") groups it is in."""
        result: dict[int, list[int]] = defaultdict(list)
        for agency, i in self.pairs:
            result[agency].append(i)
        return result


def _in_database(choice: bool | None) -> bool:
    """Group in the database (PostgreSQL) unless told otherwise (the parity test)."""
    if choice is None:
        return connection.vendor == "postgresql"
    if choice and connection.vendor != "postgresql":
        raise ValueError("grouping in the database needs PostgreSQL")
    return choice


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _table(model) -> str:
    return model._meta.db_table


def _mapping(groups: Groups) -> tuple[str, list]:
    """The join that maps an agency to its groups, and its parameters."""
    return (
        "JOIN unnest(%s::bigint[], %s::int[]) AS g(agency_id, grp) ON g.agency_id = t.agency_id",
        [[a for a, _i in groups.pairs], [i for _a, i in groups.pairs]],
    )


def _add(target: list[int] | None, values) -> list[int]:
    values = [v or 0 for v in values]
    return values if target is None else [a + b for a, b in zip(target, values, strict=True)]


# --- counters --------------------------------------------------------------------------------


def counts(groups: Groups, halves: list[Half], *, in_database: bool | None = None) -> Counts:
    """group -> half -> the counters summed over the group's agencies."""
    sealed = sealed_among(halves)
    by_start = {h.start: h for h in sealed}
    spans = merged_spans([h for h in halves if h not in sealed])
    result: Counts = defaultdict(dict)

    def put(group: int, half: Half, values) -> None:
        result[group][half] = _add(result[group].get(half), values)

    # Sealed halves are read from their roll-up row; the others (the current half, or every
    # half if the job has not run) from the daily rows of their spans, by day, in one query.
    sources = []
    if sealed:
        sources.append((AgencyHalfCounter, "start", "t.start = ANY(%s::date[])", [list(by_start)]))
    if spans:
        where = " OR ".join(["t.day BETWEEN %s AND %s"] * len(spans))
        sources.append((DailyCounter, "day", f"({where})", [d for span in spans for d in span]))

    def half_for(column: str, value) -> Half:
        return by_start[value] if column == "start" else half_of(value)

    if _in_database(in_database):
        join, params = _mapping(groups)
        sums = ", ".join(f"SUM(t.{f})" for f in COUNTER_FIELDS)
        for model, column, where, values in sources:
            table = _table(model)
            if groups.pairs:
                for group, key, *row in _rows(
                    f"SELECT g.grp, t.{column}, {sums} FROM {table} t {join} "  # noqa: S608 - ours
                    f"WHERE {where} GROUP BY 1, 2",
                    [*params, *values],
                ):
                    put(group, half_for(column, key), row)
            if groups.everyone:
                for key, *row in _rows(
                    f"SELECT t.{column}, {sums} FROM {table} t WHERE {where} GROUP BY 1",  # noqa: S608
                    values,
                ):
                    for group in groups.everyone:
                        put(group, half_for(column, key), row)
        return result

    of = groups.of()
    for model, column, _where, values in sources:
        if column == "start":
            rows = model.objects.filter(start__in=values[0])
        else:
            spans_q = Q(pk__in=[])
            for first, last in spans:
                spans_q |= Q(day__gte=first, day__lte=last)
            rows = model.objects.filter(spans_q)
        if small(groups.agencies) is not None:
            rows = rows.filter(agency_id__in=groups.agencies)
        aggregates = {f"s_{f}": Sum(f) for f in COUNTER_FIELDS}
        grouped_rows = rows.values("agency_id", column).annotate(**aggregates)
        for row in grouped_rows:
            half = half_for(column, row[column])
            values_row = [row[f"s_{f}"] for f in COUNTER_FIELDS]
            for group in [*of.get(row["agency_id"], ()), *groups.everyone]:
                put(group, half, values_row)
    return result


# --- online use ------------------------------------------------------------------------------


def used(
    groups: Groups, halves: list[Half], *, in_database: bool | None = None
) -> dict[int, dict[int, set[Half]]]:
    """group -> procedure -> the halves in which some agency of the group received at least one
    online dossier of that procedure."""
    sealed = sealed_among(halves)
    unsealed = [h for h in halves if h not in sealed]
    result: dict[int, dict[int, set[Half]]] = defaultdict(lambda: defaultdict(set))
    by_year: dict[int, list[Half]] = defaultdict(list)
    for half in sealed:
        by_year[half.year].append(half)
    if _in_database(in_database):
        _used_sealed_sql(groups, by_year, result)
        _used_daily_sql(groups, merged_spans(unsealed), result)
    else:
        _used_in_python(groups, by_year, unsealed, result)
    return result


def _from_bits(members: list[Half], bits: int) -> list[Half]:
    """The halves among `members` whose bit is set in `bits`."""
    return [h for h in members if bits & h.bit]


def _used_sealed_sql(
    groups: Groups, by_year: dict[int, list[Half]], result: dict[int, dict[int, set[Half]]]
) -> None:
    """Add the sealed halves' online use to `result`, read from OnlineUse in SQL."""
    years = list(by_year)
    if not years:
        return
    join, params = _mapping(groups)
    use = _table(OnlineUse)
    # Only the rows with a hit in the halves asked for: (halves & mask) <> 0 per year.
    year_filter = " OR ".join(["(t.year = %s AND t.halves & %s <> 0)"] * len(years))
    year_params = [v for year in years for v in (year, sum(h.bit for h in by_year[year]))]
    if groups.pairs:
        for group, procedure, year, bits in _rows(
            f"SELECT g.grp, t.procedure_id, t.year, bit_or(t.halves) FROM {use} t {join} "  # noqa: S608
            f"WHERE {year_filter} GROUP BY 1, 2, 3",
            [*params, *year_params],
        ):
            result[group][procedure].update(_from_bits(by_year[year], bits))
    if groups.everyone:
        for procedure, year, bits in _rows(
            f"SELECT t.procedure_id, t.year, bit_or(t.halves) FROM {use} t "  # noqa: S608
            f"WHERE {year_filter} GROUP BY 1, 2",
            year_params,
        ):
            for group in groups.everyone:
                result[group][procedure].update(_from_bits(by_year[year], bits))


def _used_daily_sql(groups: Groups, spans: list, result: dict[int, dict[int, set[Half]]]) -> None:
    """Add the unsealed days' online use to `result`, read from DailyCounter in SQL."""
    if not spans:
        return
    join, params = _mapping(groups)
    daily = _table(DailyCounter)
    day_filter = " OR ".join(["t.day BETWEEN %s AND %s"] * len(spans))
    day_params = [d for span in spans for d in span]
    if groups.pairs:
        for group, procedure, day in _rows(
            f"SELECT DISTINCT g.grp, t.procedure_id, t.day FROM {daily} t {join} "  # noqa: S608
            f"WHERE t.submitted_online > 0 AND ({day_filter})",
            [*params, *day_params],
        ):
            result[group][procedure].add(half_of(day))
    if groups.everyone:
        for procedure, day in _rows(
            f"SELECT DISTINCT t.procedure_id, t.day FROM {daily} t "  # noqa: S608
            f"WHERE t.submitted_online > 0 AND ({day_filter})",
            day_params,
        ):
            for group in groups.everyone:
                result[group][procedure].add(half_of(day))


def _used_in_python(
    groups: Groups,
    by_year: dict[int, list[Half]],
    unsealed: list[Half],
    result: dict[int, dict[int, set[Half]]],
) -> None:
    """Add the online use to `result` through the ORM (the portable path)."""
    of = groups.of()

    def spread(agency_id: int, procedure: int, hits: list[Half]) -> None:
        for group in [*of.get(agency_id, ()), *groups.everyone]:
            result[group][procedure].update(hits)

    for year, members in by_year.items():
        mask = sum(h.bit for h in members)
        rows = OnlineUse.objects.filter(year=year).alias(hit=F("halves").bitand(mask))
        rows = rows.filter(hit__gt=0)
        if small(groups.agencies) is not None:
            rows = rows.filter(agency_id__in=groups.agencies)
        for agency_id, procedure, bits in rows.values_list("agency_id", "procedure_id", "halves"):
            spread(agency_id, procedure, _from_bits(members, bits))
    for start, end in merged_spans(unsealed):
        rows = DailyCounter.objects.filter(day__gte=start, day__lte=end, submitted_online__gt=0)
        if small(groups.agencies) is not None:
            rows = rows.filter(agency_id__in=groups.agencies)
        for agency_id, procedure, day in rows.values_list(
            "agency_id", "procedure_id", "day"
        ).distinct():
            spread(agency_id, procedure, [half_of(day)])


# --- the catalogue ---------------------------------------------------------------------------


def offered(groups: Groups, *, in_database: bool | None = None) -> dict[int, set[int]]:
    """group -> the procedures its agencies receive (the links have no dates: today's)."""
    from chinhquyen.catalogue.models import Procedure

    links = Procedure.agencies.through
    result: dict[int, set[int]] = defaultdict(set)
    if _in_database(in_database):
        join, params = _mapping(groups)
        if groups.pairs:
            for group, procedure in _rows(
                f"SELECT DISTINCT g.grp, t.procedure_id FROM {_table(links)} t {join}",  # noqa: S608
                params,
            ):
                result[group].add(procedure)
        if groups.everyone:
            every = {p for (p,) in _rows(f"SELECT DISTINCT procedure_id FROM {_table(links)}", [])}  # noqa: S608
            for group in groups.everyone:
                result[group] |= every
        return result
    of = groups.of()
    rows = links.objects.all()
    if small(groups.agencies) is not None:
        rows = rows.filter(agency_id__in=groups.agencies)
    for agency_id, procedure in rows.values_list("agency_id", "procedure_id"):
        for group in [*of.get(agency_id, ()), *groups.everyone]:
            result[group].add(procedure)
    return result


# --- per procedure -----------------------------------------------------------------------------


def procedure_counts(agency_ids: set[int], halves: list[Half]) -> dict[int, list[int]]:
    """procedure -> the counters summed over ``agency_ids`` and ``halves`` (sealed halves from
    ``ProcedureHalfCounter``, the others from the daily rows). For a province or smaller: the
    agencies are filtered on."""
    from .models import ProcedureHalfCounter

    sealed = sealed_among(halves)
    spans = merged_spans([h for h in halves if h not in sealed])
    aggregates = {f"s_{f}": Sum(f) for f in COUNTER_FIELDS}
    sources = []
    if sealed:
        sources.append(ProcedureHalfCounter.objects.filter(start__in=[h.start for h in sealed]))
    if spans:
        where = Q(pk__in=[])
        for first, last in spans:
            where |= Q(day__gte=first, day__lte=last)
        sources.append(DailyCounter.objects.filter(where))
    result: dict[int, list[int]] = {}
    for rows in sources:
        rows = rows.filter(agency_id__in=agency_ids).values("procedure_id").annotate(**aggregates)
        for row in rows:
            values = [row[f"s_{f}"] for f in COUNTER_FIELDS]
            result[row["procedure_id"]] = _add(result.get(row["procedure_id"]), values)
    return result
