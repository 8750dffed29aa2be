"""Per (agency, procedure, day) counters, maintained incrementally.

Each dossier event that matters to an indicator adds to one counter row with a single
``INSERT … ON CONFLICT DO UPDATE`` (PostgreSQL and SQLite ≥ 3.24 alike), inside the transaction
that writes the event: the counters commit or roll back with it, and the cost of a new dossier is
one indexed upsert whatever the size of the dossier table.

``deltas_for_event`` is the single definition of what an event counts for. ``counters_rebuild``
replays the same function over the whole history, so incremental and rebuilt counters agree by
construction, and a test checks that they do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from chinhquyen.dossiers.timeliness import counts_as_late

from .models import COUNTER_FIELDS, DailyCounter
from .rollups import late_write, rollups_clear

ONLINE = 2  # dossiers.models.Channel.ONLINE
FINISH_ACTIONS = frozenset({"finish"})  # the action whose rule sets finished_at
RETURN_ACTION = "return_result"  # the result handed back to the applicant by the one-stop


def deltas_for_event(
    *, action: str, data: dict, channel: int, repeated_supplement: bool, has_e_result: bool
) -> dict[str, int]:
    """What one dossier event adds to the counters of its dossier's (agency, procedure, day)."""
    if action == "submit":
        return {"submitted": 1, "submitted_online": int(channel == ONLINE)}
    if action == "accept":
        return {"accepted": 1}
    if action == "refuse":
        return {"refused": 1}
    if action == RETURN_ACTION:
        return {"returned": 1}
    if action in FINISH_ACTIONS:
        # Decision 766: on time when the result is ready by the due date (the supplement wait
        # is already excluded from due_at); a second supplement request counts as late.
        on_time = not counts_as_late(
            after_due=not data.get("on_time", True), repeated_supplement=repeated_supplement
        )
        return {
            "finished": 1,
            "finished_on_time": int(on_time),
            "finished_late": int(not on_time),
            "finished_e_result": int(has_e_result),
        }
    return {}


def _local_day(at):
    return timezone.localtime(at).date()


_UPSERTS: dict[tuple[str, ...], str] = {}


def _upsert_sql(names: tuple[str, ...]) -> str:
    """The upsert adding to the counters ``names``; built once per set of counters."""
    sql = _UPSERTS.get(names)
    if sql is None:
        table = DailyCounter._meta.db_table
        columns = ", ".join(["agency_id", "procedure_id", "day", *names])
        placeholders = ", ".join(["%s"] * (3 + len(names)))
        updates = ", ".join(f"{n} = {table}.{n} + excluded.{n}" for n in names)
        # Every column has a default of 0 in the model, but the database has no default: give
        # all.
        missing = [f for f in COUNTER_FIELDS if f not in names]
        if missing:
            columns += ", " + ", ".join(missing)
            placeholders += ", " + ", ".join(["0"] * len(missing))
        sql = _UPSERTS[names] = (
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608 - names are ours
            f"ON CONFLICT (agency_id, procedure_id, day) DO UPDATE SET {updates}"
        )
    return sql


def counter_add(*, agency_id: int, procedure_id: int, day, deltas: dict[str, int]) -> None:
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    sql = _upsert_sql(tuple(deltas))
    day_value = DailyCounter._meta.get_field("day").get_db_prep_value(day, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [agency_id, procedure_id, day_value, *deltas.values()])
    # A back-dated event may land in a half-month already rolled up (rollups.py).
    late_write(agency_id=agency_id, procedure_id=procedure_id, day=day, deltas=deltas)


def _has_e_result(dossier_id: int, at) -> bool:
    from chinhquyen.dossiers.models import DossierFile

    return DossierFile.objects.filter(
        dossier_id=dossier_id, is_result=True, uploaded_at__lte=at
    ).exists()


def on_dossier_event(*, event, day=None) -> None:
    """Called for each new DossierEvent, in the transaction that writes it. ``day``: the
    event's local day, when the caller has it (``_local_day(event.at)`` otherwise)."""
    dossier = event.dossier  # the caller's in-memory dossier, with this transition applied
    has_e_result = event.action in FINISH_ACTIONS and _has_e_result(dossier.pk, event.at)
    deltas = deltas_for_event(
        action=event.action,
        data=event.data or {},
        channel=dossier.channel,
        repeated_supplement=dossier.repeated_supplement,
        has_e_result=has_e_result,
    )
    if deltas:
        counter_add(
            agency_id=dossier.agency_id,
            procedure_id=dossier.procedure_id,
            day=day or _local_day(event.at),
            deltas=deltas,
        )


def on_dossier_evaluated(*, evaluation) -> None:
    dossier = evaluation.dossier
    counter_add(
        agency_id=dossier.agency_id,
        procedure_id=dossier.procedure_id,
        day=_local_day(evaluation.submitted_at),
        deltas={"evaluations": 1, "evaluation_points": int(evaluation.total)},
    )


def _replay() -> Iterable[tuple[tuple[int, int, object], dict[str, int]]]:
    from chinhquyen.dossiers.models import DossierEvaluation, DossierEvent, DossierFile

    results = defaultdict(list)
    for dossier_id, uploaded_at in DossierFile.objects.filter(is_result=True).values_list(
        "dossier_id", "uploaded_at"
    ):
        results[dossier_id].append(uploaded_at)
    events = (
        DossierEvent.objects.filter(
            action__in=["submit", "accept", "refuse", RETURN_ACTION, *FINISH_ACTIONS]
        )
        .values_list(
            "action",
            "data",
            "at",
            "dossier_id",
            "dossier__agency_id",
            "dossier__procedure_id",
            "dossier__channel",
            "dossier__repeated_supplement",
        )
        .order_by("pk")
    )
    for action, data, at, dossier_id, agency_id, procedure_id, channel, repeated in events.iterator(
        chunk_size=5000
    ):
        has_e_result = action in FINISH_ACTIONS and any(
            u <= at for u in results.get(dossier_id, ())
        )
        deltas = deltas_for_event(
            action=action,
            data=data or {},
            channel=channel,
            repeated_supplement=repeated,
            has_e_result=has_e_result,
        )
        yield (agency_id, procedure_id, _local_day(at)), deltas
    evaluations = DossierEvaluation.objects.values_list(
        "dossier__agency_id", "dossier__procedure_id", "submitted_at", "total"
    )
    for agency_id, procedure_id, at, total in evaluations.iterator(chunk_size=5000):
        yield (
            (agency_id, procedure_id, _local_day(at)),
            {"evaluations": 1, "evaluation_points": total},
        )


@transaction.atomic
def counters_rebuild() -> int:
    """Recompute every counter from the dossiers' history. Returns the number of rows. The
    half-month roll-ups are dropped with them; the periodic job (or ``reporting seal``) seals
    the halves again, and until then readers use the daily rows."""
    totals: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTER_FIELDS, 0))
    for key, deltas in _replay():
        row = totals[key]
        for name, value in deltas.items():
            row[name] += value
    rollups_clear()
    DailyCounter.objects.all().delete()
    DailyCounter.objects.bulk_create(
        (
            DailyCounter(agency_id=a, procedure_id=p, day=d, **values)
            for (a, p, d), values in totals.items()
            if any(values.values())
        ),
        batch_size=2000,
    )
    return len(totals)
