"""`make bench-reporting`: the dashboards over millions of dossiers (PostgreSQL only).

The orchestration (fresh database, server, timing, report) is ``scripts/bench_reporting.py``;
this module holds what runs inside Django, behind ``manage.py bench_reporting``:

- ``geography_prepare``: the 34 provinces and 3,321 communes of the current generation, a People's
  Committee per commune and a public-administration service centre per province (3,355 agencies
  through ``agency_create``), and the demo catalogue (34 procedures, linked by agency kind:
  21 commune-level, 13 province-level);
- ``dossiers_generate``: N dossiers over a span of days, streamed with ``COPY`` into the real
  ``dossiers_dossier`` table, with the ``reporting_dailycounter`` rows they imply streamed beside
  them (generated agency by agency, so memory stays small). Each province has its own online
  share and on-time rate so the ranking means something. Secondary indexes and unique
  constraints are dropped during the load and built again after it, as any bulk load does;
  foreign-key triggers are off during the COPY (the generator only writes existing keys);
- ``naive_*``: the same questions asked of the raw dossier table (the baseline);
- ``submission_cost``: the in-process cost of ``dossier_submit`` (with its counter upsert), to
  show that it does not grow with the table.

The counters generated here follow the same rules as ``counters.deltas_for_event``; the bench
(and ``tests/test_bench.py``) check that the dashboard's figures equal the naive queries'.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

from chinhquyen.reporting.models import COUNTER_FIELDS

VN_OFFSET = 7 * 3600  # Asia/Ho_Chi_Minh has no daylight saving time
DAY = 86400
NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em")

# --- geography ----------------------------------------------------------------------------------


def _commune_ids(province_index: int, n: int) -> str:
    """QCVN 102-shaped ids for the bench: communes of province i in blocks 90–99 (illustrative,
    like the demo's)."""
    return f"000.{n % 100:02d}.{90 + n // 100:02d}.H{province_index:02d}"


def geography_prepare(*, say: Callable[[str], None] = lambda _m: None) -> dict[str, int]:
    from chinhquyen.catalogue.services import catalogue_import
    from chinhquyen.demo.services import CATALOGUE_FILE
    from chinhquyen.units.models import AdministrativeUnit, Agency, Generation, UnitLevel
    from chinhquyen.units.services import agency_create, units_load

    if not AdministrativeUnit.objects.filter(generation=Generation.CURRENT).exists():
        say(f"units: {units_load()}")
    provinces = list(
        AdministrativeUnit.objects.filter(
            generation=Generation.CURRENT, level=UnitLevel.PROVINCE
        ).order_by("code")
    )
    existing = set(Agency.objects.values_list("agency_id", flat=True))
    created = 0
    for i, province in enumerate(provinces, start=1):
        centre = f"000.00.01.H{i:02d}"
        if centre not in existing:
            agency_create(
                agency_id=centre,
                name=f"Trung tâm Phục vụ hành chính công {province.name.lower()}",
                kind="ttpvhcc",
                unit=province,
            )
            created += 1
        communes = AdministrativeUnit.objects.filter(parent=province).order_by("code")
        for n, commune in enumerate(communes):
            agency_id = _commune_ids(i, n)
            if agency_id in existing:
                continue
            agency_create(
                agency_id=agency_id,
                name=f"Ủy ban nhân dân {commune.name[:1].lower()}{commune.name[1:]}",
                kind="ubnd_xa",
                unit=commune,
            )
            created += 1
    say(f"agencies: {created} created")
    report = catalogue_import(file_name=CATALOGUE_FILE.name, content=CATALOGUE_FILE.read_bytes())
    report.raise_if_failed()
    say(f"catalogue: {report}")
    return {"agencies": Agency.objects.count(), "provinces": len(provinces)}


# --- generation -----------------------------------------------------------------------------------

# Positions in a counter row (COUNTER_FIELDS order).
(
    SUBMITTED,
    SUBMITTED_ONLINE,
    ACCEPTED,
    REFUSED,
    FINISHED,
    ON_TIME,
    LATE,
    E_RESULT,
    EVALUATIONS,
    POINTS,
    RETURNED,
) = (
    COUNTER_FIELDS.index(name)
    for name in (
        "submitted",
        "submitted_online",
        "accepted",
        "refused",
        "finished",
        "finished_on_time",
        "finished_late",
        "finished_e_result",
        "evaluations",
        "evaluation_points",
        "returned",
    )
)

DOSSIER_COLUMNS = [
    "code",
    "procedure_id",
    "procedure_version_id",
    "workflow_id",
    "agency_id",
    "channel",
    "state",
    "status_code",
    "resume_state",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
    "form_data",
    "submitted_at",
    "received_at",
    "due_at",
    "paused_total_seconds",
    "finished_at",
    "returned_at",
    "closed_at",
    "supplement_count",
    "repeated_supplement",
    "extension_count",
    "result_code",
    "result_summary",
    "history_length",
    "updated_at",
]


@dataclass(frozen=True)
class Offer:
    procedure_id: int
    version_id: int
    online: bool
    seconds: int  # the time limit as elapsed seconds (working days stretched over weekends)


@dataclass(frozen=True)
class Profile:
    """One province's behaviour: the generator's knobs."""

    online: float  # share of dossiers submitted online (where the procedure allows it)
    on_time: float  # share of finished dossiers finished by the due date
    weight: float  # relative number of dossiers per agency


def province_profiles(codes: list[str], seed: int) -> dict[str, Profile]:
    rng = random.Random(seed)
    return {
        code: Profile(
            online=round(rng.uniform(0.05, 0.92), 3),
            on_time=round(rng.uniform(0.78, 0.995), 3),
            weight=round(rng.uniform(0.6, 1.6), 2),
        )
        for code in codes
    }


_DAYS: dict[int, str] = {}


def _ts(epoch: int) -> str:
    """``epoch`` (UTC seconds) as PostgreSQL's text form of a timestamptz; days are cached, this
    runs ~6 times per generated dossier."""
    day, rest = divmod(epoch, DAY)
    text = _DAYS.get(day)
    if text is None:
        text = _DAYS[day] = dt.date.fromordinal(day + 719163).isoformat()
    hours, rest = divmod(rest, 3600)
    return f"{text} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}+00"


class Generator:
    """Writes dossier rows and their counter rows for one agency at a time."""

    def __init__(self, *, start: dt.date, end: dt.date, seed: int, workflow_id: int) -> None:
        self.rng = random.Random(seed)
        self.end_epoch = _epoch(end + dt.timedelta(days=1)) - VN_OFFSET
        first = _epoch(start) - VN_OFFSET
        days = [
            first + i * DAY for i in range((end - start).days + 1) if (start.weekday() + i) % 7 < 5
        ]
        weekends = [
            first + i * DAY for i in range((end - start).days + 1) if (start.weekday() + i) % 7 >= 5
        ]
        self.days, self.weekends = days, weekends or days
        self.workflow_id = workflow_id

    def agency(self, *, agency_pk: int, agency_id: str, offers: list[Offer], n: int, profile):
        """(dossier lines, counter lines) for ``n`` dossiers of one agency."""
        rng = self.rng
        counters: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * len(COUNTER_FIELDS))
        dossiers = []
        starts = sorted(
            (rng.choice(self.days if rng.random() > 0.02 else self.weekends))
            + 7 * 3600
            + 1800
            + rng.randrange(0, 34200)
            - VN_OFFSET
            for _ in range(n)
        )
        seq_day, seq = None, 0
        end = self.end_epoch
        for submitted in starts:
            offer = rng.choice(offers)
            channel = 2 if offer.online and rng.random() < profile.online else 1
            local = (submitted + VN_OFFSET) // DAY
            if local != seq_day:
                seq_day, seq = local, 0
            seq += 1
            day = dt.date.fromordinal(local + 719163)
            code = f"{agency_id}-{day:%y%m%d}-{seq:04d}"
            c = counters[(offer.procedure_id, local)]
            c[SUBMITTED] += 1
            c[SUBMITTED_ONLINE] += channel == 2
            events = 1
            received = due = finished = returned = closed = None
            repeated = False
            if rng.random() < 0.02:
                state, status = "refused", 3
                closed = submitted + rng.randrange(600, 7200)
                if closed < end:
                    counters[(offer.procedure_id, (closed + VN_OFFSET) // DAY)][REFUSED] += 1
                    events += 1
                else:
                    state, status, closed = "submitted", 1, None
            else:
                received = submitted + rng.randrange(300, 5400)
                if received >= end:
                    state, status, received = "submitted", 1, None
                else:
                    counters[(offer.procedure_id, (received + VN_OFFSET) // DAY)][ACCEPTED] += 1
                    events += 1
                    due = received + offer.seconds
                    repeated = rng.random() < 0.01
                    on_time = rng.random() < profile.on_time
                    span = offer.seconds * (
                        rng.uniform(0.2, 0.98) if on_time else rng.uniform(1.02, 1.7)
                    )
                    finished = received + int(span)
                    if finished >= end:
                        state, status, finished = "in_process", 4, None
                        events += 2
                    else:
                        events += 4
                        fc = counters[(offer.procedure_id, (finished + VN_OFFSET) // DAY)]
                        late = finished > due or repeated
                        fc[FINISHED] += 1
                        fc[ON_TIME] += not late
                        fc[LATE] += late
                        fc[E_RESULT] += rng.random() < 0.55
                        returned = finished + rng.randrange(1800, 3 * DAY)
                        if returned < end:
                            state, status, closed = "returned", 10, returned
                            events += 1
                            counters[(offer.procedure_id, (returned + VN_OFFSET) // DAY)][
                                RETURNED
                            ] += 1
                            if rng.random() < 0.08:
                                evaluated = returned + rng.randrange(600, DAY)
                                if evaluated < end:
                                    ec = counters[
                                        (offer.procedure_id, (evaluated + VN_OFFSET) // DAY)
                                    ]
                                    ec[EVALUATIONS] += 1
                                    ec[POINTS] += rng.randrange(10, 19)
                        else:
                            state, status, returned = "done", 9, None
            last = closed or finished or received or submitted
            dossiers.append(
                "\t".join(
                    (
                        code,
                        str(offer.procedure_id),
                        str(offer.version_id),
                        str(self.workflow_id),
                        str(agency_pk),
                        str(channel),
                        state,
                        str(status),
                        "",
                        NAMES[seq % len(NAMES)],
                        "",
                        "",
                        "",
                        "",
                        "{}",
                        _ts(submitted),
                        _ts(received) if received else r"\N",
                        _ts(due) if due else r"\N",
                        "0",
                        _ts(finished) if finished else r"\N",
                        _ts(returned) if returned else r"\N",
                        _ts(closed) if closed else r"\N",
                        "2" if repeated else "0",
                        "t" if repeated else "f",
                        "0",
                        "",
                        "",
                        str(events),
                        _ts(last),
                    )
                )
            )
        counter_lines = [
            "\t".join(
                (
                    str(agency_pk),
                    str(procedure_id),
                    dt.date.fromordinal(local + 719163).isoformat(),
                    *map(str, values),
                )
            )
            for (procedure_id, local), values in counters.items()
        ]
        return dossiers, counter_lines


def _epoch(day: dt.date) -> int:
    return (day.toordinal() - 719163) * DAY


def _offers() -> dict[int, list[Offer]]:
    """agency pk -> the procedures it receives, with the version in force (the current one)."""
    from chinhquyen.catalogue.models import Procedure

    offers: dict[int, list[Offer]] = defaultdict(list)
    rows = Procedure.agencies.through.objects.values_list(
        "agency_id",
        "procedure_id",
        "procedure__current_id",
        "procedure__current__online_mode",
        "procedure__current__processing_time",
        "procedure__current__time_unit",
    )
    for agency_pk, procedure_pk, version_pk, mode, amount, unit in rows:
        hours = float(amount) * (8 if unit == "days" else 1)
        # A working day is 8 working hours; stretched over nights and weekends ≈ 1.4 days each.
        seconds = int(hours / 8 * 1.4 * DAY) if unit == "days" else int(hours * 3 * 3600)
        offers[agency_pk].append(
            Offer(procedure_pk, version_pk, mode != "none", max(seconds, 3600))
        )
    return offers


class _Copy:
    """One COPY … FROM STDIN on its own connection, fed in chunks."""

    def __init__(self, conninfo: str, table: str, columns) -> None:
        import psycopg

        self.conn = psycopg.connect(conninfo, autocommit=False)
        self.conn.execute("SET synchronous_commit = off")
        self.cursor = self.conn.cursor()
        self.ctx = self.cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN"  # noqa: S608 - our names
        )
        self.copy = self.ctx.__enter__()
        self.buffer: list[str] = []
        self.size = 0
        self.rows = 0

    def write(self, lines: list[str]) -> None:
        self.buffer.extend(lines)
        self.rows += len(lines)
        self.size += len(lines)
        if self.size >= 20000:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.copy.write(("\n".join(self.buffer) + "\n").encode())
            self.buffer, self.size = [], 0

    def close(self) -> None:
        self.flush()
        self.ctx.__exit__(None, None, None)
        self.conn.commit()
        self.conn.close()


def _conninfo() -> str:
    from django.db import connections

    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params.pop("server_side_binding", None)
    return " ".join(f"{k}={v}" for k, v in params.items() if v not in (None, ""))


@dataclass
class _Saved:
    table: str
    constraints: list[tuple[str, str]]
    indexes: list[str]


def _indexes_drop(table: str) -> _Saved:
    """Drop the unique constraints and secondary indexes of ``table`` (kept: the primary key)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'u'",
            [table],
        )
        constraints = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'p')",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    return _Saved(table, constraints, [definition for _n, definition in indexes])


def _indexes_restore(saved: _Saved) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for definition in saved.indexes:
            cursor.execute(definition)
        for name, definition in saved.constraints:
            cursor.execute(f'ALTER TABLE {saved.table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(f"ANALYZE {saved.table}")


def dossiers_generate(
    *,
    total: int,
    start: dt.date,
    end: dt.date,
    seed: int = 2019,
    say: Callable[[str], None] = lambda _m: None,
) -> dict[str, float]:
    """Generate ``total`` dossiers between ``start`` and ``end`` (inclusive, Vietnam days) with
    COPY, and their daily counters. PostgreSQL only. Returns rows and timings."""
    from chinhquyen.dossiers.models import Dossier, Workflow
    from chinhquyen.reporting.models import DailyCounter
    from chinhquyen.reporting.scopes import agency_provinces

    if connection.vendor != "postgresql":
        raise RuntimeError("the reporting benchmark generates with PostgreSQL COPY")
    from chinhquyen.units.models import AdministrativeUnit, Agency

    offers = _offers()
    province_of = agency_provinces(end)
    codes = dict(AdministrativeUnit.objects.filter(level="province").values_list("pk", "code"))
    profiles = province_profiles(sorted(set(codes.values())), seed)
    agencies = [
        (pk, agency_id, kind, profiles[codes[province_of[pk]]])
        for pk, agency_id, kind in Agency.objects.filter(pk__in=list(offers)).values_list(
            "pk", "agency_id", "kind"
        )
        if pk in province_of
    ]
    weights = [p.weight * (8 if kind == "ttpvhcc" else 1) for _pk, _id, kind, p in agencies]
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    for i in range(total - sum(shares)):
        shares[i % len(shares)] += 1
    workflow = Workflow.objects.get(is_default=True).pk
    generator = Generator(start=start, end=end, seed=seed, workflow_id=workflow)

    started = time.monotonic()
    dossier_table, counter_table = Dossier._meta.db_table, DailyCounter._meta.db_table
    saved = [_indexes_drop(dossier_table), _indexes_drop(counter_table)]
    with connection.cursor() as cursor:
        for table in (dossier_table, counter_table):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
    conninfo = _conninfo()
    dossiers = _Copy(conninfo, dossier_table, DOSSIER_COLUMNS)
    counters = _Copy(conninfo, counter_table, ["agency_id", "procedure_id", "day", *COUNTER_FIELDS])
    done = 0
    for (pk, agency_id, _kind, profile), n in zip(agencies, shares, strict=True):
        if n == 0:
            continue
        rows, counter_rows = generator.agency(
            agency_pk=pk, agency_id=agency_id, offers=offers[pk], n=n, profile=profile
        )
        dossiers.write(rows)
        counters.write(counter_rows)
        done += n
        if done // 1_000_000 != (done - n) // 1_000_000:
            rate = done / (time.monotonic() - started)
            say(f"  {done:,} dossiers ({rate:,.0f}/s)")
    dossiers.close()
    counters.close()
    copied = time.monotonic() - started
    with connection.cursor() as cursor:
        for table in (dossier_table, counter_table):
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
    for item in saved:
        _indexes_restore(item)
    indexed = time.monotonic() - started
    # What a bulk load is followed by: otherwise autovacuum visits 10 million new rows while the
    # dashboards are being timed.
    with connection.cursor() as cursor:
        for table in (dossier_table, counter_table):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    vacuumed = time.monotonic() - started - indexed
    return {
        "dossiers": dossiers.rows,
        "counter_rows": counters.rows,
        "copy_seconds": round(copied, 1),
        "total_seconds": round(indexed, 1),
        "dossiers_per_second": round(dossiers.rows / indexed),
        "vacuum_seconds": round(vacuumed, 1),
        "agencies": len(agencies),
    }


# --- the naive baseline -------------------------------------------------------------------------


def naive_province_online(*, period) -> dict[int, tuple[int, int]]:
    """province pk -> (submitted, submitted online) in ``period``, straight from the dossiers."""
    from chinhquyen.reporting.scopes import agency_provinces

    start, stop = _bounds(period)
    province_of = agency_provinces(period.end)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT agency_id, count(*), count(*) FILTER (WHERE channel = 2) "
            "FROM dossiers_dossier WHERE submitted_at >= %s AND submitted_at < %s "
            "GROUP BY agency_id",
            [start, stop],
        )
        for agency_id, n, online in cursor.fetchall():
            if agency_id in province_of:
                row = totals[province_of[agency_id]]
                row[0] += n
                row[1] += online
    return {k: (a, b) for k, (a, b) in totals.items()}


def naive_timeliness(*, period, agency_ids: list[int], by: str) -> dict[int, tuple[int, int]]:
    """``by`` ("agency_id" or "procedure_id") -> (finished, finished on time) in ``period`` for
    the given agencies."""
    if by not in ("agency_id", "procedure_id"):
        raise ValueError(by)
    start, stop = _bounds(period)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {by}, count(*), count(*) FILTER (WHERE finished_at <= due_at "  # noqa: S608
            "AND NOT repeated_supplement) FROM dossiers_dossier "
            "WHERE finished_at >= %s AND finished_at < %s AND agency_id = ANY(%s) "
            f"GROUP BY {by}",
            [start, stop, list(agency_ids)],
        )
        return {key: (n, ok) for key, n, ok in cursor.fetchall()}


def _bounds(period) -> tuple[dt.datetime, dt.datetime]:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    return (
        dt.datetime.combine(period.start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


# --- the cost of one more dossier ---------------------------------------------------------------


def submission_cost(*, count: int, at: dt.datetime) -> dict[str, float]:
    """Submit ``count`` dossiers through ``dossier_submit`` (with the reporting counter upsert) to
    the first commune agency and time them in process: ms per submission, p50 and p95."""
    from django.contrib.auth import get_user_model

    from chinhquyen.accounts.services import user_create
    from chinhquyen.catalogue.models import Procedure
    from chinhquyen.dossiers.services import dossier_submit

    user = get_user_model().objects.filter(username="bench-citizen").first() or user_create(
        username="bench-citizen", password="x" * 16, full_name="Công dân đo", roles=["citizen"]
    )
    procedure = Procedure.objects.get(code="1.001193")
    agency = procedure.agencies.order_by("agency_id").first()
    form = procedure.current.form_schema["examples"][0]
    samples = []
    warmup = max(count // 10, 5)  # caches and the first plans, not counted
    for i in range(warmup + count):
        began = time.perf_counter()
        dossier_submit(
            user=user,
            procedure_code=procedure.code,
            agency_id=agency.agency_id,
            form_data=form,
            at=at + dt.timedelta(seconds=i),
        )
        if i >= warmup:
            samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return {
        "count": count,
        "mean_ms": round(sum(samples) / count, 2),
        "p50_ms": round(samples[count // 2], 2),
        "p95_ms": round(samples[int(count * 0.95)], 2),
    }
